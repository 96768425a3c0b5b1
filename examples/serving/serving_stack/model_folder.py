"""A model folder as publish-model ships it: model files + mlops-run.json.

The run record (src/record/run-record.ts in the toolkit) lists every model
file with its sha256 and size, and one digest over them all. A folder is
served only when every listed file is there with those bytes: a copy cut
short, a file swapped or a record from another run is refused before the
server listens.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_RECORD_FILE = "mlops-run.json"
# train-model's artifact keeps the model files under model/, the record at
# the top; a flat folder (the files next to the record) is accepted too.
ARTIFACT_MODEL_DIR = "model"
RECORD_KIND = "mlops-actions/run-record"
KNOWN_MAJOR = "1"
CHUNK = 1 << 20


class ModelFolderError(Exception):
    """The folder cannot be served; the message says why and what to do."""


@dataclass(frozen=True)
class ModelFolder:
    root: Path
    files_root: Path
    name: str
    digest: str
    files: tuple[Path, ...]
    record: dict[str, Any]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_digest(entries: list[dict[str, Any]]) -> str:
    """The record's model digest: sha256 over "<sha256>  <size>  <path>\\n"
    lines sorted by path bytes (the toolkit's src/fingerprint/manifest.ts).
    """
    lines = []
    for entry in sorted(entries, key=lambda e: e["path"].encode()):
        path = entry["path"]
        escaped = path.replace("\\", "\\\\")
        escaped = escaped.replace("\n", "\\n").replace("\r", "\\r")
        prefix = "" if escaped == path else "\\"
        size = entry["size"]
        lines.append(f"{prefix}{entry['sha256']}  {size}  {escaped}\n")
    return "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFolderError(
            f"{path} is missing: a model folder holds the model files and "
            f"the run record train-model wrote ({RUN_RECORD_FILE})"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFolderError(f"{path} is not JSON: {error}") from None
    if not isinstance(record, dict) or record.get("schema") != RECORD_KIND:
        raise ModelFolderError(f"{path} is not a run record ({RECORD_KIND})")
    version = str(record.get("schemaVersion", ""))
    if version.split(".")[0] != KNOWN_MAJOR:
        raise ModelFolderError(
            f"{path} has schemaVersion {version!r}; this server reads "
            f"{KNOWN_MAJOR}.x: use a server as new as the toolkit"
        )
    model = record.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("files"), list):
        raise ModelFolderError(f"{path} has no model.files list")
    return record


def safe_relative(path: str) -> Path:
    """A record path (or OCI filepath) as a relative path that stays inside
    the folder: no absolute paths, no "..", no empty parts."""
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\0" in path
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ModelFolderError(
            f"unsafe path {path!r}: expected a relative path such as "
            f"'model.joblib' without '..' or empty parts"
        )
    return Path(*parts)


def _files_root(root: Path, entries: list[dict[str, Any]]) -> Path:
    nested = root / ARTIFACT_MODEL_DIR
    if entries and nested.is_dir():
        first = safe_relative(str(entries[0].get("path", "")))
        if (nested / first).is_file():
            return nested
    return root


def verify(root: Path) -> ModelFolder:
    """Checks every file the record lists against its sha256 and size."""
    record = read_record(root / RUN_RECORD_FILE)
    entries = record["model"]["files"]
    if not entries:
        raise ModelFolderError(f"{root / RUN_RECORD_FILE} lists no files")
    files_root = _files_root(root, entries)
    files = []
    for entry in entries:
        path = files_root / safe_relative(str(entry.get("path", "")))
        if not path.is_file():
            raise ModelFolderError(
                f"{path} is missing: the run record lists it "
                f"(sha256 {entry.get('sha256')})"
            )
        size = path.stat().st_size
        actual = sha256_file(path)
        if actual != entry.get("sha256") or size != entry.get("size"):
            raise ModelFolderError(
                f"{path} does not match the run record: sha256 {actual} "
                f"({size} bytes), the record says {entry.get('sha256')} "
                f"({entry.get('size')} bytes). Refusing to serve it: pull "
                f"the model again, or train and publish it again"
            )
        files.append(path)
    digest = files_digest(entries)
    if digest != record["model"].get("digest"):
        raise ModelFolderError(
            f"{root / RUN_RECORD_FILE}: its model.digest "
            f"{record['model'].get('digest')} is not the digest of its own "
            f"file list ({digest}): the record was edited"
        )
    return ModelFolder(
        root=root,
        files_root=files_root,
        name=str(record["model"].get("name", "")),
        digest=digest,
        files=tuple(files),
        record=record,
    )

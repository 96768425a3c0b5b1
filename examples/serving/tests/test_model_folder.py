"""Model folders: both layouts accepted, every mismatch refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from serving_stack.model_folder import (
    ModelFolderError,
    files_digest,
    safe_relative,
    verify,
)


def make_folder(root: Path, files: dict[str, bytes], nested: bool) -> Path:
    base = root / "model" if nested else root
    entries = []
    for path, data in files.items():
        (base / path).parent.mkdir(parents=True, exist_ok=True)
        (base / path).write_bytes(data)
        entries.append({"path": path, "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()})
    record = {"schema": "mlops-actions/run-record", "schemaVersion": "1.1",
              "model": {"name": "m", "files": entries,
                        "digest": files_digest(entries)}}
    (root / "mlops-run.json").write_text(json.dumps(record))
    return root


def test_files_digest_is_the_toolkits_manifest_digest() -> None:
    # sha256 of "<sha256>  <size>  <path>\n" lines in path byte order, as
    # `printf ... | sha256sum` gives it (src/fingerprint/manifest.ts).
    entries = [{"path": "b", "sha256": "2" * 64, "size": 5},
               {"path": "a", "sha256": "1" * 64, "size": 3}]
    text = f"{'1' * 64}  3  a\n{'2' * 64}  5  b\n"
    expected = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert files_digest(entries) == expected


@pytest.mark.parametrize("nested", [True, False])
def test_accepts_both_layouts(tmp_path: Path, nested: bool) -> None:
    files = {"model.joblib": b"weights", "extra/vocab.txt": b"a b"}
    folder = verify(make_folder(tmp_path, files, nested))
    assert folder.files_root == (tmp_path / "model" if nested else tmp_path)
    assert [f.name for f in folder.files] == ["model.joblib", "vocab.txt"]


def test_refuses_a_changed_file(tmp_path: Path) -> None:
    make_folder(tmp_path, {"model.joblib": b"weights"}, nested=True)
    (tmp_path / "model" / "model.joblib").write_bytes(b"weightz")
    with pytest.raises(ModelFolderError, match="does not match the run "):
        verify(tmp_path)


def test_refuses_a_missing_file_and_a_missing_record(tmp_path: Path) -> None:
    make_folder(tmp_path, {"model.joblib": b"w", "b.bin": b"b"}, nested=False)
    (tmp_path / "b.bin").unlink()
    with pytest.raises(ModelFolderError, match="b.bin is missing"):
        verify(tmp_path)
    (tmp_path / "mlops-run.json").unlink()
    with pytest.raises(ModelFolderError, match="mlops-run.json is missing"):
        verify(tmp_path)


def test_refuses_an_edited_record_digest(tmp_path: Path) -> None:
    make_folder(tmp_path, {"model.joblib": b"weights"}, nested=True)
    record = json.loads((tmp_path / "mlops-run.json").read_text())
    record["model"]["digest"] = "sha256:" + "0" * 64
    (tmp_path / "mlops-run.json").write_text(json.dumps(record))
    with pytest.raises(ModelFolderError, match="record was edited"):
        verify(tmp_path)


def test_refuses_an_unknown_major_schema(tmp_path: Path) -> None:
    make_folder(tmp_path, {"model.joblib": b"weights"}, nested=True)
    record = json.loads((tmp_path / "mlops-run.json").read_text())
    record["schemaVersion"] = "2.0"
    (tmp_path / "mlops-run.json").write_text(json.dumps(record))
    with pytest.raises(ModelFolderError, match="schemaVersion"):
        verify(tmp_path)


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a//b", "a/./b",
                                  "", "a\\b", "a/.."])
def test_refuses_paths_leaving_the_folder(path: str) -> None:
    with pytest.raises(ModelFolderError, match="unsafe path"):
        safe_relative(path)

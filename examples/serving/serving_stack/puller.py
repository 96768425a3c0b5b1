"""Pull a ModelPack artifact by digest over the OCI distribution API.

GET the manifest by its digest, then every blob; each byte is checked
against its sha256 before a file is kept. Registries that want a token get
one from the realm of their Bearer challenge (anonymous, or with the Basic
credentials given); a Basic challenge gets those credentials. Redirected
blob downloads (object storage) never get the registry's Authorization.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model_folder import RUN_RECORD_FILE, safe_relative

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
MODEL_ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json"
MODEL_CONFIG_TYPE = "application/vnd.cncf.model.config.v1+json"
WEIGHT_TYPE = "application/vnd.cncf.model.weight.v1.raw"
DOC_TYPE = "application/vnd.cncf.model.doc.v1.raw"
FILEPATH = "org.cncf.model.filepath"
MAX_MANIFEST = 4 << 20
CHUNK = 1 << 20
REFERENCE = re.compile(
    r"^(?P<registry>[A-Za-z0-9.-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?)/"
    r"(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"@(?P<digest>sha256:[0-9a-f]{64})$"
)
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class PullError(Exception):
    """The artifact could not be pulled, or failed its checks."""


@dataclass(frozen=True)
class Reference:
    registry: str
    repository: str
    digest: str

    @classmethod
    def parse(cls, text: str) -> Reference:
        match = REFERENCE.match(text)
        registry = match["registry"] if match else ""
        # As docker reads names: "acme/m" has no registry host in front.
        if not match or not ("." in registry or ":" in registry
                             or registry == "localhost"):
            raise PullError(
                f"reference {text!r} is not registry/repository@sha256:<64 "
                "hex>: the receiver pulls by digest only, never by tag"
            )
        return cls(**match.groupdict())

    @property
    def base(self) -> str:
        host = self.registry.rsplit(":", 1)[0]
        scheme = "http" if host in LOOPBACK else "https"
        return f"{scheme}://{self.registry}/v2/{self.repository}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = header.partition(" ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


class Client:
    def __init__(self, reference: Reference, username: str = "",
                 password: str = "", timeout: float = 60) -> None:
        self.reference = reference
        self._basic = ""
        if username or password:
            pair = f"{username}:{password}".encode()
            self._basic = "Basic " + base64.b64encode(pair).decode()
        self._authorization = ""
        self._timeout = timeout

    def _token(self, params: dict[str, str]) -> str:
        realm = params.get("realm", "")
        if not realm.startswith(("https://", "http://")):
            raise PullError(f"the registry's Bearer realm {realm!r} is not "
                            "a URL")
        query = {k: v for k, v in params.items()
                 if k in ("service", "scope")}
        query.setdefault("scope",
                         f"repository:{self.reference.repository}:pull")
        url = realm + "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url)
        if self._basic:
            request.add_header("Authorization", self._basic)
        try:
            with _opener.open(request, timeout=self._timeout) as answer:
                body = json.loads(answer.read(MAX_MANIFEST))
        except urllib.error.HTTPError as error:
            raise PullError(f"the token service {realm} answered "
                            f"{error.code}: check the registry "
                            "credentials") from None
        token = body.get("token") or body.get("access_token")
        if not isinstance(token, str) or not token:
            raise PullError(f"the token service {realm} sent no token")
        return "Bearer " + token

    def open(self, path: str, accept: str = "") -> Any:
        """GET <base><path>, answering one auth challenge and following
        redirects (without credentials to other hosts)."""
        url = self.reference.base + path
        challenged = False
        for _ in range(6):
            request = urllib.request.Request(url)
            if accept:
                request.add_header("Accept", accept)
            same_host = url.startswith(self.reference.base)
            if self._authorization and same_host:
                request.add_header("Authorization", self._authorization)
            try:
                return _opener.open(request, timeout=self._timeout)
            except urllib.error.HTTPError as error:
                if error.code in (301, 302, 303, 307, 308):
                    location = error.headers.get("Location", "")
                    url = urllib.parse.urljoin(url, location)
                    continue
                if error.code == 401 and not challenged and same_host:
                    challenged = True
                    header = error.headers.get("WWW-Authenticate", "")
                    scheme, params = _challenge(header)
                    if scheme == "bearer":
                        self._authorization = self._token(params)
                        continue
                    if scheme == "basic" and self._basic:
                        self._authorization = self._basic
                        continue
                detail = error.read(2000).decode("utf-8", "replace")
                raise PullError(f"GET {url} answered {error.code}: "
                                f"{detail.strip()}") from None
            except urllib.error.URLError as error:
                raise PullError(f"GET {url} failed: {error.reason}") from None
        raise PullError(f"GET {self.reference.base + path}: too many "
                        "redirects")


def _check_manifest(data: bytes, digest: str) -> dict[str, Any]:
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise PullError(f"the manifest's bytes hash to {actual}, not the "
                        f"{digest} asked for")
    manifest = json.loads(data)
    config = manifest.get("config") or {}
    if manifest.get("mediaType") != MANIFEST_TYPE:
        raise PullError(f"{digest} is a {manifest.get('mediaType')!r}, not "
                        f"an OCI image manifest ({MANIFEST_TYPE})")
    if (manifest.get("artifactType") != MODEL_ARTIFACT_TYPE
            and config.get("mediaType") != MODEL_CONFIG_TYPE):
        raise PullError(f"{digest} is not a ModelPack model "
                        f"(artifactType {MODEL_ARTIFACT_TYPE})")
    return manifest


def _layer_paths(manifest: dict[str, Any]) -> list[tuple[dict, Path]]:
    placed: list[tuple[dict, Path]] = []
    seen: set[Path] = set()
    for layer in manifest.get("layers") or []:
        kind = layer.get("mediaType")
        if kind not in (WEIGHT_TYPE, DOC_TYPE):
            continue  # other ModelPack layers (code, datasets) are not ours
        filepath = (layer.get("annotations") or {}).get(FILEPATH, "")
        path = safe_relative(filepath)
        if path in seen:
            raise PullError(f"two layers claim {filepath!r}")
        seen.add(path)
        placed.append((layer, path))
    if Path(RUN_RECORD_FILE) not in seen:
        raise PullError(f"the artifact has no {RUN_RECORD_FILE} layer "
                        f"({DOC_TYPE}, {FILEPATH}={RUN_RECORD_FILE})")
    return placed


def _download(client: Client, layer: dict[str, Any], target: Path) -> None:
    digest = str(layer.get("digest", ""))
    size = layer.get("size")
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        raise PullError(f"layer digest {digest!r} is not a sha256 digest")
    hasher = hashlib.sha256()
    written = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with client.open(f"/blobs/{digest}") as answer, target.open("wb") as out:
        while chunk := answer.read(CHUNK):
            written += len(chunk)
            if isinstance(size, int) and written > size:
                raise PullError(f"blob {digest} is longer than its "
                                f"{size} bytes")
            hasher.update(chunk)
            out.write(chunk)
    actual = "sha256:" + hasher.hexdigest()
    if actual != digest or (isinstance(size, int) and written != size):
        raise PullError(f"blob {digest} arrived as {actual} ({written} "
                        f"bytes, {size} expected): refused")


def pull(reference: str, destination: Path, username: str = "",
         password: str = "") -> dict[str, Any]:
    """Writes the model files and mlops-run.json into `destination` (which
    must not exist); returns the manifest. Nothing is left on failure."""
    ref = Reference.parse(reference)
    client = Client(ref, username, password)
    with client.open(f"/manifests/{ref.digest}", MANIFEST_TYPE) as answer:
        data = answer.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        raise PullError(f"the manifest of {reference} is over 4 MiB")
    manifest = _check_manifest(data, ref.digest)
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        for layer, path in _layer_paths(manifest):
            _download(client, layer, partial / path)
        os.replace(partial, destination)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest

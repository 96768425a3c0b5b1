"""The puller against a registry that challenges: Bearer token flow, Basic,
redirected blobs that must not carry the registry's credentials, and every
byte checked. (Debian's docker-registry, without auth, is the integration
tests' registry: tests/integration/serving.test.ts.)"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from serving_stack.model_folder import ModelFolderError
from serving_stack.puller import (
    DOC_TYPE,
    FILEPATH,
    MANIFEST_TYPE,
    MODEL_ARTIFACT_TYPE,
    MODEL_CONFIG_TYPE,
    WEIGHT_TYPE,
    PullError,
    Reference,
    pull,
)

BASIC = "Basic " + base64.b64encode(b"robot:s3cret").decode()


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """Blobs and manifests in memory; `auth` is "bearer", "basic" or ""."""

    def __init__(self, auth: str) -> None:
        self.auth = auth
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[str, bytes] = {}
        self.storage_saw_authorization = False
        registry = self

        class Storage(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.headers.get("Authorization"):
                    registry.storage_saw_authorization = True
                data = registry.blobs.get(self.path.rsplit("/", 1)[1], b"")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Api(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def send(self, code: int, data: bytes = b"",
                     headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                got = self.headers.get("Authorization", "")
                if self.path.startswith("/token"):
                    if got != BASIC:
                        return self.send(401)
                    return self.send(200, json.dumps(
                        {"token": "tok-1"}).encode())
                wanted = {"bearer": "Bearer tok-1", "basic": BASIC}
                if registry.auth and got != wanted[registry.auth]:
                    port = self.server.server_address[1]
                    challenge = (
                        f'Bearer realm="http://127.0.0.1:{port}/token",'
                        'service="test",scope="repository:acme/m:pull"'
                        if registry.auth == "bearer" else 'Basic realm="r"')
                    return self.send(401, b"{}",
                                     {"WWW-Authenticate": challenge})
                name = self.path.rsplit("/", 1)[1]
                if "/manifests/" in self.path and name in registry.manifests:
                    return self.send(200, registry.manifests[name],
                                     {"Content-Type": MANIFEST_TYPE})
                if "/blobs/" in self.path and name in registry.blobs:
                    storage = registry.storage.server_address[1]
                    return self.send(307, b"", {
                        "Location": f"http://127.0.0.1:{storage}/b/{name}"})
                self.send(404)

        self.storage = ThreadingHTTPServer(("127.0.0.1", 0), Storage)
        self.api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
        for server in (self.storage, self.api):
            threading.Thread(target=server.serve_forever, args=(0.05,),
                             daemon=True).start()

    def push(self, files: dict[str, bytes],
             corrupt: str = "") -> str:
        layers = []
        for path, data in files.items():
            self.blobs[digest_of(data)] = data
            kind = DOC_TYPE if path == "mlops-run.json" else WEIGHT_TYPE
            layers.append({"mediaType": kind, "digest": digest_of(data),
                           "size": len(data),
                           "annotations": {FILEPATH: path}})
        if corrupt:
            self.blobs[digest_of(files[corrupt])] = b"tampered"
        config = b"{}"
        self.blobs[digest_of(config)] = config
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "artifactType": MODEL_ARTIFACT_TYPE,
            "config": {"mediaType": MODEL_CONFIG_TYPE,
                       "digest": digest_of(config), "size": 2},
            "layers": layers}).encode()
        self.manifests[digest_of(manifest)] = manifest
        port = self.api.server_address[1]
        return f"127.0.0.1:{port}/acme/m@{digest_of(manifest)}"

    def close(self) -> None:
        for server in (self.storage, self.api):
            server.shutdown()
            server.server_close()


@pytest.fixture(params=["bearer", "basic", ""])
def registry(request: pytest.FixtureRequest) -> Iterator[Registry]:
    serving = Registry(request.param)
    yield serving
    serving.close()


FILES = {"model.joblib": b"weights" * 1000, "mlops-run.json": b"{}"}


def test_pulls_every_file_through_the_challenge(
        registry: Registry, tmp_path: Path) -> None:
    reference = registry.push(FILES)
    pull(reference, tmp_path / "v1", "robot", "s3cret")
    for path, data in FILES.items():
        assert (tmp_path / "v1" / path).read_bytes() == data
    assert not registry.storage_saw_authorization


def test_refuses_a_blob_whose_bytes_differ(
        registry: Registry, tmp_path: Path) -> None:
    reference = registry.push(FILES, corrupt="model.joblib")
    with pytest.raises(PullError, match="arrived as"):
        pull(reference, tmp_path / "v1", "robot", "s3cret")
    assert not (tmp_path / "v1").exists()
    assert not (tmp_path / "v1.partial").exists()


def test_refuses_wrong_credentials_naming_the_token_service(
        tmp_path: Path) -> None:
    registry = Registry("bearer")
    try:
        with pytest.raises(PullError, match="token service"):
            pull(registry.push(FILES), tmp_path / "v1", "robot", "wrong")
    finally:
        registry.close()


def test_refuses_a_layer_path_leaving_the_folder(tmp_path: Path) -> None:
    registry = Registry("")
    try:
        reference = registry.push({"../evil": b"x", "mlops-run.json": b"{}"})
        with pytest.raises(ModelFolderError, match="unsafe path"):
            pull(reference, tmp_path / "v1")
        assert not (tmp_path / "evil").exists()
    finally:
        registry.close()


def test_refuses_an_artifact_without_the_run_record(tmp_path: Path) -> None:
    registry = Registry("")
    try:
        reference = registry.push({"model.joblib": b"w"})
        with pytest.raises(PullError, match="no mlops-run.json layer"):
            pull(reference, tmp_path / "v1")
    finally:
        registry.close()


@pytest.mark.parametrize("text", [
    "ghcr.io/acme/m:v1", "ghcr.io/acme/m", "acme/m@sha256:" + "a" * 64,
    "ghcr.io/Acme/m@sha256:" + "a" * 64, "ghcr.io/acme/m@sha256:abc"])
def test_takes_references_by_digest_only(text: str) -> None:
    with pytest.raises(PullError, match="by digest only"):
        Reference.parse(text)


def test_uses_https_except_on_loopback() -> None:
    digest = "sha256:" + "a" * 64
    remote = Reference.parse(f"ghcr.io/acme/m@{digest}")
    local = Reference.parse(f"127.0.0.1:5000/acme/m@{digest}")
    assert remote.base == "https://ghcr.io/v2/acme/m"
    assert local.base == "http://127.0.0.1:5000/v2/acme/m"

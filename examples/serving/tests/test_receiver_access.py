"""The receiver pulls only from allowed registries; status needs its token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serving_stack.front import Front
from serving_stack.receiver import (
    Deploy,
    DeployFailed,
    Settings,
    Stack,
    _payload,
    create_receiver,
)
from serving_stack.webhooks import Verifier

DIGEST = "sha256:" + "a" * 64
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def body(reference: str) -> bytes:
    return json.dumps({"type": "model.deploy", "data": {
        "model": "m", "version": "v1", "reference": reference}}).encode()


def settings(tmp_path: Path, **extra) -> Settings:
    return Settings(model_name="m", state_dir=tmp_path, **extra)


def test_the_configured_registry_is_allowed(tmp_path: Path) -> None:
    own = settings(tmp_path, registry="ghcr.io")
    request = _payload(body(f"ghcr.io/acme/m@{DIGEST}"), own)
    assert request.reference == f"ghcr.io/acme/m@{DIGEST}"
    assert _payload(body(f"GHCR.io/acme/m@{DIGEST}"), own)


def test_another_registry_is_refused_with_403_naming_the_fix(
        tmp_path: Path) -> None:
    own = settings(tmp_path, registry="ghcr.io")
    with pytest.raises(DeployFailed) as refused:
        _payload(body(f"evil.example:5000/acme/m@{DIGEST}"), own)
    assert refused.value.status == 403
    assert "'evil.example:5000' is not one this receiver pulls from " \
        "(ghcr.io)" in str(refused.value)
    assert "--allow-registry evil.example:5000" in str(refused.value)


def test_allow_registry_adds_registries(tmp_path: Path) -> None:
    both = settings(tmp_path, registry="ghcr.io",
                    allowed_registries=("127.0.0.1:5000",))
    assert _payload(body(f"127.0.0.1:5000/acme/m@{DIGEST}"), both)
    assert both.registries == ("ghcr.io", "127.0.0.1:5000")
    with pytest.raises(DeployFailed) as refused:
        _payload(body(f"127.0.0.1:5001/acme/m@{DIGEST}"), both)
    assert refused.value.status == 403


def test_a_reference_without_a_registry_host_is_422(tmp_path: Path) -> None:
    with pytest.raises(DeployFailed) as refused:
        _payload(body(f"acme/m@{DIGEST}"), settings(tmp_path,
                                                    registry="ghcr.io"))
    assert refused.value.status == 422


def status_route(tmp_path: Path):
    stack = Stack(settings(tmp_path, registry="ghcr.io"),
                  Front(tmp_path / "nginx", "127.0.0.1", 1))
    app = create_receiver(stack, Verifier(SECRET))
    route = next(r for r in app.routes
                 if getattr(r, "path", "") == "/deploys/{deploy_id}")
    return stack, route.endpoint


def test_status_needs_the_token_of_its_url(tmp_path: Path) -> None:
    stack, status = status_route(tmp_path)
    deploy = Deploy(id="d1", webhook_id="w", version="v1",
                    reference=f"ghcr.io/acme/m@{DIGEST}")
    stack.deploys[deploy.id] = deploy
    url = deploy.view()["statusUrl"]
    assert url.startswith("/deploys/d1?token=")
    token = url.split("token=", 1)[1]
    assert len(token) >= 32
    assert token != Deploy(id="d2", webhook_id="w", version="v1",
                           reference="r").token
    assert json.loads(status("d1", token).body)["state"] == "accepted"
    for wrong in ("", token[:-1], token + "x", "x" * len(token)):
        answer = status("d1", wrong)
        assert answer.status_code == 404
        assert "state" not in json.loads(answer.body)
    assert status("nope", token).status_code == 404


def test_stack_without_a_registry_refuses_to_start(tmp_path: Path,
                                                   monkeypatch,
                                                   capsys) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "stack_main", Path(__file__).resolve().parents[1] / "stack.py")
    stack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stack)
    monkeypatch.setenv("MLOPS_WEBHOOK_SECRET", SECRET)
    monkeypatch.delenv("MLOPS_REGISTRY", raising=False)
    monkeypatch.delenv("MLOPS_ALLOWED_REGISTRIES", raising=False)
    state = tmp_path / "state"
    assert stack.main(["--model-name", "m", "--state-dir", str(state)]) == 2
    assert "set --registry <host[:port]>" in capsys.readouterr().err
    assert not state.exists()

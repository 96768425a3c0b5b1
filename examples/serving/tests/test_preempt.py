"""A rollback preempts a deploy that is still starting: the sender gave up
on that deploy, so its version must never switch traffic later."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from serving_stack.receiver import (
    Deploy,
    DeployFailed,
    DeployRequest,
    Settings,
    Stack,
)
from test_model_folder import make_folder
from test_slowdown import model_bytes

# Nothing listens on port 9 (discard): a pull from there fails at once.
UNREACHABLE = f"127.0.0.1:9/acme/m@sha256:{'a' * 64}"


def stack(tmp_path: Path) -> Stack:
    (tmp_path / "versions").mkdir(parents=True, exist_ok=True)
    return Stack(Settings(model_name="m", state_dir=tmp_path,
                          ready_timeout=20), front=None)


def test_a_starting_version_stops_once_superseded(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "slow", {
        "model.joblib": model_bytes(tmp_path),
        "serving.json": json.dumps({"startDelaySeconds": 300}).encode(),
    }, True)
    superseded = threading.Event()
    threading.Timer(1.0, superseded.set).start()
    began = time.monotonic()
    try:
        stack(tmp_path / "state").start_version(folder, "slow", "sha256:x",
                                                superseded=superseded)
        raise AssertionError("start_version returned")
    except DeployFailed as error:
        assert error.status == 409
        assert "superseded by a rollback" in str(error)
    assert time.monotonic() - began < 120
    # the version's process was stopped, not left starting
    assert not serving(folder)


def serving(folder: Path) -> list[str]:
    """The processes whose command line names `folder`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(folder).encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def running_deploy(receiver: Stack) -> Deploy:
    """A deploy in progress that ends once it is superseded."""
    deploy = Deploy(id="d1", webhook_id="msg_1", version="v2",
                    reference=UNREACHABLE, state="starting")
    receiver.running = deploy
    receiver.deploys[deploy.id] = deploy

    def run() -> None:
        deploy.superseded.wait(30)
        deploy.state, deploy.status = "failed", 409
        receiver.running = None
        deploy.done.set()

    threading.Thread(target=run, daemon=True).start()
    return deploy


def test_a_rollback_preempts_the_deploy_in_progress(tmp_path: Path) -> None:
    receiver = stack(tmp_path)
    first = running_deploy(receiver)
    started = receiver.begin(
        "msg_2", DeployRequest("v1", UNREACHABLE, None, rollback=True))
    assert isinstance(started, Deploy) and started.version == "v1"
    assert first.superseded.is_set() and first.state == "failed"
    assert started.done.wait(30)  # the rollback itself ran (its pull fails)


def test_a_deploy_does_not_preempt(tmp_path: Path) -> None:
    receiver = stack(tmp_path)
    first = running_deploy(receiver)
    answer = receiver.begin("msg_3", DeployRequest("v3", UNREACHABLE, None))
    assert not isinstance(answer, Deploy) and answer.status_code == 409
    assert not first.superseded.is_set()
    first.superseded.set()

"""serving.json: a version made slow on purpose (deploy's load-test and
timeout rehearsals), through serve.py itself. Only lower bounds on time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import joblib
import pytest
from sklearn.linear_model import LogisticRegression

from test_model_folder import make_folder

SERVE = Path(__file__).resolve().parent.parent / "serve.py"
ROW = [0.0, 1.0]


def model_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "trained.joblib"
    joblib.dump(LogisticRegression().fit([[0, 0], [0, 1], [1, 0], [1, 1]],
                                         [0, 1, 0, 1]), path)
    return path.read_bytes()


def get(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, {}


@pytest.fixture
def serve(tmp_path: Path):
    started = []

    def start(slowdown: object | None) -> tuple[str, float]:
        files = {"model.joblib": model_bytes(tmp_path)}
        if slowdown is not None:
            files["serving.json"] = json.dumps(slowdown).encode()
        folder = make_folder(tmp_path / f"m{len(started)}", files, True)
        port_file = tmp_path / f"port{len(started)}.json"
        process = subprocess.Popen(
            [sys.executable, str(SERVE), "--model-dir", str(folder),
             "--model-name", "m", "--port", "0",
             "--port-file", str(port_file)])
        started.append(process)
        begun = time.monotonic()
        deadline = begun + 60
        while not port_file.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        url = f"http://127.0.0.1:{json.loads(port_file.read_text())['port']}"
        while get(f"{url}/v2/health/live")[0] != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return url, begun

    yield start
    for process in started:
        process.terminate()
        process.wait(30)


def wait_ready(url: str) -> tuple[int, dict]:
    deadline = time.monotonic() + 60
    while True:
        status, body = get(f"{url}/v2/health/ready")
        if status == 200 or body.get("error", "loading") != "loading" \
                or time.monotonic() > deadline:
            return status, body
        time.sleep(0.05)


def infer(url: str) -> tuple[int, float]:
    body = {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64",
                        "data": ROW}]}
    started = time.monotonic()
    status, _ = get(f"{url}/v2/models/m/infer", body)
    return status, time.monotonic() - started


def test_inference_delay_is_added_to_every_answer(serve) -> None:
    url, _ = serve({"inferenceDelayMs": 400})
    assert wait_ready(url)[0] == 200
    for _ in range(2):
        status, seconds = infer(url)
        assert status == 200 and seconds >= 0.4


def test_start_delay_holds_readiness_back(serve) -> None:
    url, begun = serve({"startDelaySeconds": 1.5})
    assert get(f"{url}/v2/health/ready")[0] == 503
    assert wait_ready(url)[0] == 200
    assert time.monotonic() - begun >= 1.5


@pytest.mark.parametrize("slowdown", [{"inferenceDelayMs": -1},
                                      {"startDelaySeconds": "5"},
                                      {"delay": 5}, [1]])
def test_a_bad_serving_json_never_becomes_ready(serve, slowdown) -> None:
    url, _ = serve(slowdown)
    status, body = wait_ready(url)
    assert status == 503 and "serving.json" in body["error"]

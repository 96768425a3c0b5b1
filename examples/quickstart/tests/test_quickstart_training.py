"""Real training runs of the quickstart, each in a copy of the example."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

METRIC_KEYS = {"accuracy", "precision", "recall", "f1", "loss"}


def run_training(
    project: Path, params: dict[str, Any] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")
    }
    if params is not None:
        params_file = project / "override.json"
        params_file.write_text(json.dumps(params))
        environ["MLOPS_PARAMS_FILE"] = str(params_file)
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(project / "train.py")],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_default_run_writes_model_metrics_and_history(
    project_copy: Path,
) -> None:
    result = run_training(project_copy)
    assert result.returncode == 0, result.stderr

    metrics = read_json(project_copy / "metrics.json")
    assert set(metrics) == METRIC_KEYS
    assert all(isinstance(v, float) for v in metrics.values())
    assert metrics["accuracy"] >= 0.85
    assert metrics["loss"] < 0.45

    model = read_json(project_copy / "model" / "model.json")
    assert model["format"] == "mlops-quickstart-logistic-regression/1"
    assert len(model["weights"]) == len(model["features"])

    lines = (project_copy / "history.jsonl").read_text().splitlines()
    history = [json.loads(line) for line in lines]
    assert [h["step"] for h in history] == list(range(1, 151))
    assert history[-1]["loss"] < history[0]["loss"]


def test_same_params_give_identical_bytes(project_copy: Path) -> None:
    outputs = ("metrics.json", "model/model.json", "history.jsonl")
    assert run_training(project_copy).returncode == 0
    first = {name: (project_copy / name).read_bytes() for name in outputs}
    assert run_training(project_copy, MLOPS_RUN_ID="42").returncode == 0
    second = {name: (project_copy / name).read_bytes() for name in outputs}
    assert first == second


def test_one_epoch_is_visibly_worse(project_copy: Path) -> None:
    assert run_training(project_copy).returncode == 0
    trained = read_json(project_copy / "metrics.json")
    assert run_training(project_copy, {"epochs": 1}).returncode == 0
    barely = read_json(project_copy / "metrics.json")
    assert barely["accuracy"] <= trained["accuracy"] - 0.1
    assert barely["loss"] >= trained["loss"] + 0.2


def test_honours_output_environment_variables(
    project_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_training(
        project_copy,
        MLOPS_MODEL_PATH=str(out / "model-dir"),
        MLOPS_METRICS_FILE=str(out / "m.json"),
        MLOPS_OUTPUT_DIR=str(out / "scratch"),
        MLOPS_RUN_ID="run-7",
    )
    assert result.returncode == 0, result.stderr
    assert (out / "model-dir" / "model.json").is_file()
    assert set(read_json(out / "m.json")) == METRIC_KEYS
    assert "run-7" in result.stdout
    assert not (project_copy / "metrics.json").exists()

    as_file = out / "exact.json"
    result = run_training(project_copy, MLOPS_MODEL_PATH=str(as_file))
    assert result.returncode == 0, result.stderr
    assert as_file.is_file()


def test_bad_params_exit_2_with_a_message(project_copy: Path) -> None:
    result = run_training(project_copy, {"learning_rate": -1})
    assert result.returncode == 2
    assert "'learning_rate' = -1 is outside" in result.stderr
    assert not (project_copy / "metrics.json").exists()


def test_regenerating_the_data_reproduces_the_committed_csv(
    project_copy: Path,
) -> None:
    committed = (project_copy / "data" / "churn.csv").read_bytes()
    result = subprocess.run(
        [sys.executable, str(project_copy / "make_data.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (project_copy / "data" / "churn.csv").read_bytes() == committed
    assert len(committed) < 40_000


@pytest.mark.parametrize("name", ["train.py", "make_data.py"])
def test_source_is_python_3_9_syntax(name: str) -> None:
    source = (Path(__file__).parent.parent / name).read_text()
    ast.parse(source, feature_version=(3, 9))

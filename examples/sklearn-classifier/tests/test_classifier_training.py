"""Real training runs of train.py, each in a copy of the example."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from classifier_runs import run_training
from digits_classifier.data import load_dataset, split_dataset

OUTPUTS = (
    "model/model.joblib",
    "metrics.json",
    "confusion_matrix.json",
    "history.csv",
)
SCALAR_METRICS = {
    "accuracy",
    "f1_macro",
    "precision_macro",
    "recall_macro",
    "log_loss",
}
Run = tuple[Path, subprocess.CompletedProcess[str]]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_default_run_succeeds_and_writes_every_output(
    default_run: Run,
) -> None:
    project, result = default_run
    assert result.returncode == 0, result.stderr
    for name in OUTPUTS:
        assert (project / name).is_file(), name


def test_metrics_shape(default_run: Run) -> None:
    project, _ = default_run
    metrics = read_json(project / "metrics.json")
    assert set(metrics) == SCALAR_METRICS | {"per_class", "accuracy_seeds"}
    for key in SCALAR_METRICS:
        assert isinstance(metrics[key], float), key
    assert sorted(metrics["per_class"], key=int) == [str(d) for d in range(10)]
    for per_class in metrics["per_class"].values():
        assert set(per_class) == {"precision", "recall", "f1", "support"}
    supports = [c["support"] for c in metrics["per_class"].values()]
    assert sum(supports) == 450  # 25% of 1797 rows, rounded up


def test_quality_floor_with_default_params(default_run: Run) -> None:
    metrics = read_json(default_run[0] / "metrics.json")
    assert metrics["accuracy"] >= 0.94
    assert metrics["f1_macro"] >= 0.94
    assert metrics["log_loss"] <= 0.4
    assert all(c["recall"] >= 0.8 for c in metrics["per_class"].values())


def test_accuracy_seeds_measure_real_noise(default_run: Run) -> None:
    metrics = read_json(default_run[0] / "metrics.json")
    seeds = metrics["accuracy_seeds"]
    assert len(seeds) == 5
    assert seeds[0] == metrics["accuracy"]
    assert min(seeds) >= 0.92
    assert len(set(seeds)) > 1, "other seeds should give other splits"


def test_confusion_matrix_agrees_with_metrics(default_run: Run) -> None:
    project, _ = default_run
    confusion = read_json(project / "confusion_matrix.json")
    metrics = read_json(project / "metrics.json")
    matrix = np.array(confusion["matrix"])
    assert confusion["labels"] == [str(d) for d in range(10)]
    assert matrix.shape == (10, 10)
    assert matrix.sum() == 450
    assert round(np.trace(matrix) / matrix.sum(), 6) == metrics["accuracy"]
    assert matrix.sum(axis=1).tolist() == [
        metrics["per_class"][str(d)]["support"] for d in range(10)
    ]


def test_history_has_one_row_per_epoch(default_run: Run) -> None:
    project, _ = default_run
    with (project / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "step",
        "loss",
        "accuracy",
        "test_loss",
        "test_accuracy",
    ]
    assert [int(r["step"]) for r in rows] == list(range(1, 21))
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    metrics = read_json(project / "metrics.json")
    assert float(rows[-1]["test_accuracy"]) == metrics["accuracy"]


def test_saved_model_reproduces_the_test_accuracy(default_run: Run) -> None:
    project, _ = default_run
    model = joblib.load(project / "model" / "model.joblib")
    dataset = load_dataset(project / "data" / "digits.csv")
    split = split_dataset(dataset, test_size=0.25, seed=42)
    accuracy = float(np.mean(model.predict(split.x_test) == split.y_test))
    metrics = read_json(project / "metrics.json")
    assert round(accuracy, 6) == metrics["accuracy"]


def test_same_params_give_identical_bytes(
    default_run: Run, project_copy: Path
) -> None:
    first_project, _ = default_run
    result = run_training(project_copy, MLOPS_RUN_ID="another-run")
    assert result.returncode == 0, result.stderr
    for name in OUTPUTS:
        first = (first_project / name).read_bytes()
        assert (project_copy / name).read_bytes() == first, name


def test_other_seed_gives_other_model(project_copy: Path) -> None:
    result = run_training(project_copy, {"seed": 7, "noise_seeds": 0})
    assert result.returncode == 0, result.stderr
    metrics = read_json(project_copy / "metrics.json")
    assert metrics["accuracy_seeds"] == []
    assert metrics["accuracy"] >= 0.92


def test_one_epoch_is_visibly_worse(
    default_run: Run, project_copy: Path
) -> None:
    trained = read_json(default_run[0] / "metrics.json")
    result = run_training(project_copy, {"epochs": 1, "noise_seeds": 1})
    assert result.returncode == 0, result.stderr
    barely = read_json(project_copy / "metrics.json")
    assert barely["log_loss"] >= trained["log_loss"] * 2
    assert barely["accuracy"] < trained["accuracy"]


def test_mlp_model_type_trains(project_copy: Path) -> None:
    params = {"model": "mlp", "epochs": 30, "learning_rate": 0.001}
    result = run_training(project_copy, {**params, "noise_seeds": 1})
    assert result.returncode == 0, result.stderr
    metrics = read_json(project_copy / "metrics.json")
    assert metrics["accuracy"] >= 0.93
    model = joblib.load(project_copy / "model" / "model.joblib")
    assert type(model.named_steps["classify"]).__name__ == "MLPClassifier"


def test_honours_output_environment_variables(
    project_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_training(
        project_copy,
        {"epochs": 2, "noise_seeds": 0},
        MLOPS_MODEL_PATH=str(out / "model-dir"),
        MLOPS_METRICS_FILE=str(out / "m.json"),
        MLOPS_OUTPUT_DIR=str(out / "scratch"),
        MLOPS_RUN_ID="run-7",
    )
    assert result.returncode == 0, result.stderr
    assert (out / "model-dir" / "model.joblib").is_file()
    assert read_json(out / "m.json")["accuracy"] > 0.5
    assert "(run run-7)" in result.stdout
    assert not (project_copy / "metrics.json").exists()
    assert not (project_copy / "model").exists()

    as_file = out / "digits.pkl"
    result = run_training(
        project_copy,
        {"epochs": 2, "noise_seeds": 0},
        MLOPS_MODEL_PATH=str(as_file),
    )
    assert result.returncode == 0, result.stderr
    assert joblib.load(as_file).predict(np.zeros((1, 64))).shape == (1,)


def test_bad_params_exit_2_without_outputs(project_copy: Path) -> None:
    result = run_training(project_copy, {"model": "forest"})
    assert result.returncode == 2
    assert "'model' must be one of sgd, mlp, got 'forest'" in result.stderr
    assert not (project_copy / "metrics.json").exists()


def test_missing_data_says_how_to_make_it(project_copy: Path) -> None:
    (project_copy / "data" / "digits.csv").unlink()
    result = run_training(project_copy)
    assert result.returncode == 2
    assert "prepare.py" in result.stderr


def test_prepare_reproduces_the_committed_csv(project_copy: Path) -> None:
    csv_path = project_copy / "data" / "digits.csv"
    committed = csv_path.read_bytes()
    csv_path.unlink()
    result = subprocess.run(
        [sys.executable, str(project_copy / "prepare.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert csv_path.read_bytes() == committed
    assert len(committed) < 1_000_000

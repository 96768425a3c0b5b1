"""One training run: params in; model, metrics and history files out."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import joblib
from threadpoolctl import threadpool_limits

from .data import Dataset, load_dataset, split_dataset
from .evaluate import evaluate
from .model import HISTORY_COLUMNS, train
from .params import load_params

MODEL_SUFFIXES = (".joblib", ".pkl", ".pickle")


def _path_from(
    environ: Mapping[str, str], variable: str, default: Path
) -> Path:
    value = environ.get(variable, "")
    return Path(value) if value else default


def model_file(environ: Mapping[str, str], project_dir: Path) -> Path:
    """$MLOPS_MODEL_PATH may name the file or a folder to hold it."""
    path = _path_from(
        environ, "MLOPS_MODEL_PATH", project_dir / "model" / "model.joblib"
    )
    return path if path.suffix in MODEL_SUFFIXES else path / "model.joblib"


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def _write_history(path: Path, rows: list[dict[str, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=HISTORY_COLUMNS, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


def accuracy_across_seeds(
    dataset: Dataset, params: dict[str, Any], first: float
) -> list[float]:
    """Test accuracy with seeds seed, seed+1, ... (new split and init).

    Gives the evaluate-gate a measure of run-to-run noise. The first entry
    is the main run's own accuracy, so it is not trained twice.
    """
    accuracies = [first] if params["noise_seeds"] else []
    for offset in range(1, params["noise_seeds"]):
        seeded = {**params, "seed": params["seed"] + offset}
        split = split_dataset(dataset, seeded["test_size"], seeded["seed"])
        model, _ = train(split, seeded)
        metrics, _ = evaluate(model, split.x_test, split.y_test)
        accuracies.append(metrics["accuracy"])
    return accuracies


def run(environ: Mapping[str, str], project_dir: Path) -> dict[str, Any]:
    # One BLAS thread: the matrices are small, so threads only add overhead,
    # and float results then cannot depend on the runner's core count.
    with threadpool_limits(limits=1):
        return _run(environ, project_dir)


def _run(environ: Mapping[str, str], project_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    params, source = load_params(environ, project_dir)
    dataset = load_dataset(project_dir / "data" / "digits.csv")
    split = split_dataset(dataset, params["test_size"], params["seed"])

    model, history = train(split, params)
    metrics, confusion = evaluate(model, split.x_test, split.y_test)
    metrics["accuracy_seeds"] = accuracy_across_seeds(
        dataset, params, metrics["accuracy"]
    )

    # The run id stays out of every file on purpose: the same params give
    # the same bytes, so the model digest identifies the training.
    model_path = model_file(environ, project_dir)
    metrics_path = _path_from(
        environ, "MLOPS_METRICS_FILE", project_dir / "metrics.json"
    )
    history_path = project_dir / "history.csv"
    confusion_path = project_dir / "confusion_matrix.json"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_path)
    _write_json(metrics_path, metrics)
    _write_json(confusion_path, confusion)
    _write_history(history_path, history)

    run_id = environ.get("MLOPS_RUN_ID", "")
    print(f"params from {source}: {json.dumps(params, sort_keys=True)}")
    print(
        f"{params['model']} on {len(split.y_train)} train / "
        f"{len(split.y_test)} test rows"
        + (f" (run {run_id})" if run_id else "")
    )
    headline = ("accuracy", "f1_macro", "log_loss")
    print("metrics: " + ", ".join(f"{k}={metrics[k]}" for k in headline))
    print(f"accuracy across seeds: {metrics['accuracy_seeds']}")
    for label, path in (
        ("model", model_path),
        ("metrics", metrics_path),
        ("history", history_path),
        ("confusion matrix", confusion_path),
    ):
        print(f"{label} -> {path}")
    print(f"took {time.perf_counter() - started:.2f} s")
    return metrics

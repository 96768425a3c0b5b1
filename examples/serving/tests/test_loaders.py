"""Loaders by model file type; the quickstart's model trained for real."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from serving_stack.loaders import LOADERS, QuickstartModel, load_model

QUICKSTART = Path(__file__).resolve().parents[2] / "quickstart"


def quickstart_module():
    spec = importlib.util.spec_from_file_location(
        "quickstart_train", QUICKSTART / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("quickstart")
    env = {**os.environ, "MLOPS_MODEL_PATH": str(out / "model"),
           "MLOPS_METRICS_FILE": str(out / "metrics.json")}
    subprocess.run([sys.executable, str(QUICKSTART / "train.py")], env=env,
                   check=True, capture_output=True)
    return out / "model" / "model.json"


def test_the_loader_is_chosen_by_suffix() -> None:
    assert set(LOADERS) == {".joblib", ".pkl", ".pickle", ".json"}


def test_quickstart_model_answers_as_train_py_scores(trained: Path) -> None:
    train = quickstart_module()
    document = json.loads(trained.read_text())
    model = load_model([trained, trained.parent / "notes.txt"])
    assert isinstance(model, QuickstartModel)
    assert model.n_features_in_ == len(document["features"])
    with (QUICKSTART / "data" / "churn.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:40]
    encoding = document["encoding"]
    raw = np.array([
        [float(r[c]) for c in train.NUMERIC_FEATURES]
        + [1.0 if r[train.CATEGORICAL_FEATURE] == c else 0.0
           for c in encoding["categories"]]
        for r in rows])
    expected = train.predict_proba(
        [train.encode(r, encoding) for r in rows], document["weights"],
        document["bias"])
    assert model.predict_proba(raw)[:, 1].tolist() == expected
    assert model.predict(raw).tolist() == [
        int(p >= document["threshold"]) for p in expected]
    assert 0 < model.predict(raw).sum() < len(rows)


def test_a_json_file_of_another_format_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "model.json"
    other.write_text(json.dumps({"format": "onnx-ish/2"}))
    with pytest.raises(ValueError, match="not a JSON model this server"):
        load_model([other])


def test_an_incomplete_quickstart_model_is_refused(
        trained: Path, tmp_path: Path) -> None:
    document = json.loads(trained.read_text())
    del document["weights"]
    broken = tmp_path / "model.json"
    broken.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="train it again"):
        load_model([broken])


def test_two_model_files_are_refused(tmp_path: Path) -> None:
    files = [tmp_path / "a.json", tmp_path / "b.joblib"]
    with pytest.raises(ValueError, match="exactly one model file"):
        load_model(files)

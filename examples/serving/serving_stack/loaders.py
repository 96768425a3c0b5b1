"""Model loaders, chosen by the model file's type (its suffix).

Each loader turns one file into an object with `predict(rows)`,
`predict_proba(rows)` and `n_features_in_`, the way scikit-learn estimators
answer. A new model type is one loader and one row in LOADERS.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

import joblib
import numpy as np

QUICKSTART_FORMAT = "mlops-quickstart-logistic-regression/1"


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class QuickstartModel:
    """examples/quickstart's logistic regression (model/model.json).

    Inputs are the file's `features` in order: the numbers as they are in
    data/churn.csv (standardised here with the file's means and stds) and a
    0/1 column per plan (already one-hot, as the file names them).
    """

    def __init__(self, document: dict[str, Any], source: Path) -> None:
        try:
            features = [str(f) for f in document["features"]]
            weights = [float(w) for w in document["weights"]]
            encoding = document["encoding"]
            numeric = list(encoding["means"])
            self.means = np.array([float(encoding["means"][c])
                                   for c in numeric])
            self.stds = np.array([float(encoding["stds"][c])
                                  for c in numeric])
            self.bias = float(document["bias"])
            self.threshold = float(document["threshold"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(
                f"{source.name} is not a complete {QUICKSTART_FORMAT} "
                f"model ({error!r}): train it again with "
                "examples/quickstart/train.py"
            ) from None
        if len(weights) != len(features) or features[:len(numeric)] != numeric:
            raise ValueError(
                f"{source.name}: {len(weights)} weights for "
                f"{len(features)} features; train it again"
            )
        self.features = features
        self.weights = np.array(weights)
        self.n_features_in_ = len(features)
        self._numeric = len(numeric)

    def _probability(self, rows: np.ndarray) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float64).copy()
        n = self._numeric
        x[:, :n] = (x[:, :n] - self.means) / self.stds
        # Scored as train.py scores (math.fsum, the same sigmoid): the same
        # inputs give the same probabilities, bit for bit.
        return np.array([_sigmoid(math.fsum(float(w) * float(v) for w, v
                                            in zip(self.weights, row))
                                  + self.bias) for row in x])

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        p = self._probability(rows)
        return np.column_stack([1.0 - p, p])

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return (self._probability(rows) >= self.threshold).astype(np.int64)


def load_pickled(path: Path) -> Any:
    return joblib.load(path)


def load_json_model(path: Path) -> Any:
    document = json.loads(path.read_text(encoding="utf-8"))
    kind = document.get("format") if isinstance(document, dict) else None
    if kind != QUICKSTART_FORMAT:
        raise ValueError(
            f"{path.name}: format {kind!r} is not a JSON model this server "
            f"reads (only {QUICKSTART_FORMAT!r})"
        )
    return QuickstartModel(document, path)


LOADERS: dict[str, Callable[[Path], Any]] = {
    ".joblib": load_pickled,
    ".pkl": load_pickled,
    ".pickle": load_pickled,
    ".json": load_json_model,
}


def load_model(files: tuple[Path, ...] | list[Path]) -> Any:
    """Loads the folder's one model file with the loader for its suffix."""
    candidates = [f for f in files if f.suffix in LOADERS]
    if len(candidates) != 1:
        raise ValueError(
            "expected exactly one model file ending in "
            f"{', '.join(LOADERS)}, found {len(candidates)}"
        )
    model = LOADERS[candidates[0].suffix](candidates[0])
    if not hasattr(model, "predict"):
        raise ValueError(f"{candidates[0].name} has no predict()")
    return model

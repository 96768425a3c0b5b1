"""Held-out metrics, per-class metrics and the confusion matrix."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
)
from sklearn.pipeline import Pipeline

DIGITS = 6


def _round(value: float) -> float:
    return round(float(value), DIGITS)


def evaluate(
    model: Pipeline, x_test: np.ndarray, y_test: np.ndarray
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Metrics for metrics.json and the confusion matrix for its own file."""
    classes = model.classes_
    probabilities = model.predict_proba(x_test)
    predicted = classes[np.argmax(probabilities, axis=1)]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_test, predicted, labels=classes, zero_division=0
    )
    metrics: dict[str, Any] = {
        "accuracy": _round(accuracy_score(y_test, predicted)),
        "f1_macro": _round(np.mean(f1)),
        "precision_macro": _round(np.mean(precision)),
        "recall_macro": _round(np.mean(recall)),
        "log_loss": _round(log_loss(y_test, probabilities, labels=classes)),
        "per_class": {
            str(label): {
                "precision": _round(precision[i]),
                "recall": _round(recall[i]),
                "f1": _round(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(classes)
        },
    }
    matrix = confusion_matrix(y_test, predicted, labels=classes)
    confusion = {
        "labels": [str(label) for label in classes],
        "rows": "true label",
        "columns": "predicted label",
        "matrix": matrix.tolist(),
    }
    return metrics, confusion

"""Build the classifier and train it one epoch at a time."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .data import Split

HISTORY_COLUMNS = ["step", "loss", "accuracy", "test_loss", "test_accuracy"]


def build_classifier(params: dict[str, Any]) -> Any:
    """An estimator that learns by partial_fit, one pass per call."""
    if params["model"] == "mlp":
        return MLPClassifier(
            hidden_layer_sizes=(params["hidden_units"],),
            alpha=params["alpha"],
            learning_rate_init=params["learning_rate"],
            random_state=params["seed"],
        )
    return SGDClassifier(
        loss="log_loss",
        alpha=params["alpha"],
        learning_rate="constant",
        eta0=params["learning_rate"],
        random_state=params["seed"],
    )


def _loss_and_accuracy(
    model: Any, x: np.ndarray, y: np.ndarray, classes: np.ndarray
) -> tuple[float, float]:
    probabilities = model.predict_proba(x)
    predicted = classes[np.argmax(probabilities, axis=1)]
    loss = log_loss(y, probabilities, labels=classes)
    return float(loss), float(accuracy_score(y, predicted))


def train(
    split: Split, params: dict[str, Any]
) -> tuple[Pipeline, list[dict[str, float]]]:
    """Fit the scaler, then one partial_fit per epoch, logging each one.

    Returns the fitted scaler + classifier pipeline and the history rows
    (train loss/accuracy and held-out test loss/accuracy after each epoch).
    """
    scaler = StandardScaler().fit(split.x_train)
    x_train = scaler.transform(split.x_train)
    x_test = scaler.transform(split.x_test)
    classes = np.unique(split.y_train)
    classifier = build_classifier(params)
    history: list[dict[str, float]] = []
    for step in range(1, params["epochs"] + 1):
        with warnings.catch_warnings():
            # One pass per call never "converges"; that is the point.
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.partial_fit(x_train, split.y_train, classes=classes)
        loss, accuracy = _loss_and_accuracy(
            classifier, x_train, split.y_train, classes
        )
        test_loss, test_accuracy = _loss_and_accuracy(
            classifier, x_test, split.y_test, classes
        )
        history.append(
            {
                "step": step,
                "loss": round(loss, 6),
                "accuracy": round(accuracy, 6),
                "test_loss": round(test_loss, 6),
                "test_accuracy": round(test_accuracy, 6),
            }
        )
    return Pipeline([("scale", scaler), ("classify", classifier)]), history

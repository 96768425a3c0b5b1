"""Train a tiny logistic regression on data/churn.csv (standard library only).

Runs with any python3 >= 3.9 and no installed packages:
    python3 train.py

Params come from $MLOPS_PARAMS_FILE (JSON, written by the train-model action)
when set, else from params.yaml beside this file. Outputs (paths relative to
this folder unless an environment variable overrides them):
    model/model.json   weights plus the feature encoding ($MLOPS_MODEL_PATH)
    metrics.json       held-out metrics ($MLOPS_METRICS_FILE)
    history.jsonl      one line of loss/accuracy per epoch
The same params always give byte-identical outputs.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent
DATA_FILE = PROJECT_DIR / "data" / "churn.csv"
LABEL = "churned"
NUMERIC_FEATURES = [
    "tenure_months",
    "monthly_spend",
    "usage_hours",
    "support_calls",
]
CATEGORICAL_FEATURE = "plan"

# Used for any key that the params file leaves out.
DEFAULT_PARAMS: dict[str, Any] = {
    "learning_rate": 0.5,
    "epochs": 150,
    "seed": 42,
    "threshold": 0.5,
    "l2": 0.001,
    "test_fraction": 0.25,
}

MODEL_FORMAT = "mlops-quickstart-logistic-regression/1"


class UsageError(Exception):
    """A problem the user fixes in params, files or environment."""


# --- params -----------------------------------------------------------------

_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)\s*:(?:\s+(.*))?$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(
    r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$"
)


def parse_scalar(raw: str) -> Any:
    """Turn one YAML scalar into int, float, bool, None or str."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered in ("", "~", "null"):
        return None
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _strip_comment(value: str) -> str:
    """Drop a trailing ' # comment' that is not inside quotes."""
    quote = ""
    for index, char in enumerate(value):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or value[index - 1] in " \t"):
            return value[:index].rstrip()
    return value.rstrip()


def parse_flat_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse the flat `key: value` subset of YAML that params.yaml uses.

    PyYAML is not in the standard library; nested mappings, lists and
    multi-line values are refused with the line that holds them.
    """
    params: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        if line[0] in " \t":
            raise UsageError(
                f"{source} line {number}: indented line {stripped!r}; "
                "only flat 'key: value' lines are supported here"
            )
        match = _KEY_VALUE.match(stripped)
        if not match:
            raise UsageError(
                f"{source} line {number}: expected 'key: value', "
                f"got {stripped!r}"
            )
        key, value = match.group(1), _strip_comment(match.group(2) or "")
        if value == "" or value[0] in "[{|>&*!":
            raise UsageError(
                f"{source} line {number}: {key!r} needs a plain scalar "
                f"value (number, true/false or string), got {value!r}"
            )
        if key in params:
            raise UsageError(f"{source} line {number}: {key!r} set twice")
        params[key] = parse_scalar(value)
    return params


def _number(params: dict[str, Any], key: str, source: str) -> float:
    value = params[key]
    if isinstance(value, str):
        value = parse_scalar(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(
            f"{source}: {key!r} must be a number, got {params[key]!r}"
        )
    return float(value)


def validate_params(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Fill defaults, coerce numbers and check ranges."""
    unknown = sorted(set(raw) - set(DEFAULT_PARAMS))
    if unknown:
        # Merged params may carry workflow inputs meant for other steps.
        print(
            f"note: {source}: ignoring keys {', '.join(unknown)}",
            file=sys.stderr,
        )
    merged = {**DEFAULT_PARAMS, **{k: raw[k] for k in raw if k not in unknown}}
    params: dict[str, Any] = {}
    rules = {
        "learning_rate": (float, 0.0, 100.0, False),
        "epochs": (int, 1, 100000, True),
        "seed": (int, 0, 2**32 - 1, True),
        "threshold": (float, 0.0, 1.0, False),
        "l2": (float, 0.0, 100.0, True),
        "test_fraction": (float, 0.0, 0.9, False),
    }
    for key, (kind, low, high, low_inclusive) in rules.items():
        value = _number(merged, key, source)
        if kind is int and value != int(value):
            raise UsageError(
                f"{source}: {key!r} must be a whole number, got {value!r}"
            )
        above_low = value >= low if low_inclusive else value > low
        if not (above_low and value <= high):
            bound = "[" if low_inclusive else "("
            raise UsageError(
                f"{source}: {key!r} = {merged[key]!r} is outside "
                f"{bound}{low}, {high}]"
            )
        params[key] = int(value) if kind is int else value
    return params


def load_params(environ: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Params from $MLOPS_PARAMS_FILE (JSON) or params.yaml, validated."""
    override = environ.get("MLOPS_PARAMS_FILE", "")
    if override:
        path = Path(override)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UsageError(
                f"MLOPS_PARAMS_FILE={override}: cannot read it ({error})"
            ) from error
        except ValueError as error:
            raise UsageError(
                f"MLOPS_PARAMS_FILE={override}: not valid JSON ({error})"
            ) from error
        if not isinstance(raw, dict):
            raise UsageError(
                f"MLOPS_PARAMS_FILE={override}: expected a JSON object, "
                f"got {type(raw).__name__}"
            )
        source = str(path)
    else:
        path = PROJECT_DIR / "params.yaml"
        source = str(path)
        if path.exists():
            raw = parse_flat_yaml(path.read_text(encoding="utf-8"), source)
        else:
            raw = {}
    return validate_params(raw, source), source


# --- data -------------------------------------------------------------------


def load_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise UsageError(
            f"{path} is missing; run 'python3 make_data.py' to create it"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        expected = NUMERIC_FEATURES + [CATEGORICAL_FEATURE, LABEL]
        missing = [c for c in expected if c not in (reader.fieldnames or [])]
        if missing:
            raise UsageError(f"{path}: missing columns {', '.join(missing)}")
        return list(reader)


def split_rows(
    rows: list[dict[str, str]], test_fraction: float, seed: int
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Shuffle with the seed, then hold out the last test_fraction."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(len(rows) * test_fraction))
    train = [rows[i] for i in order[n_test:]]
    test = [rows[i] for i in order[:n_test]]
    return train, test


def fit_encoding(train: list[dict[str, str]]) -> dict[str, Any]:
    """Standardise numbers and one-hot the category, from training rows."""
    means, stds = {}, {}
    for column in NUMERIC_FEATURES:
        values = [float(row[column]) for row in train]
        mean = math.fsum(values) / len(values)
        var = math.fsum((v - mean) ** 2 for v in values) / len(values)
        means[column] = mean
        stds[column] = math.sqrt(var) or 1.0
    categories = sorted({row[CATEGORICAL_FEATURE] for row in train})
    return {"means": means, "stds": stds, "categories": categories}


def feature_names(encoding: dict[str, Any]) -> list[str]:
    return NUMERIC_FEATURES + [
        f"{CATEGORICAL_FEATURE}={c}" for c in encoding["categories"]
    ]


def encode(row: dict[str, str], encoding: dict[str, Any]) -> list[float]:
    vector = [
        (float(row[c]) - encoding["means"][c]) / encoding["stds"][c]
        for c in NUMERIC_FEATURES
    ]
    # An unseen category encodes as all zeros rather than failing.
    vector += [
        1.0 if row[CATEGORICAL_FEATURE] == c else 0.0
        for c in encoding["categories"]
    ]
    return vector


# --- model ------------------------------------------------------------------


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def predict_proba(
    xs: list[list[float]], weights: list[float], bias: float
) -> list[float]:
    # math.fsum is exactly rounded; built-in sum() of floats changed in
    # Python 3.12, and the model file should not depend on the version.
    return [
        sigmoid(math.fsum(w * v for w, v in zip(weights, x)) + bias)
        for x in xs
    ]


def log_loss(ys: list[int], probs: list[float]) -> float:
    eps = 1e-12
    total = 0.0
    for y, p in zip(ys, probs):
        p = min(max(p, eps), 1.0 - eps)
        total -= math.log(p) if y == 1 else math.log(1.0 - p)
    return total / len(ys)


def accuracy(ys: list[int], probs: list[float], threshold: float) -> float:
    hits = sum(1 for y, p in zip(ys, probs) if (p >= threshold) == (y == 1))
    return hits / len(ys)


def train(
    xs: list[list[float]],
    ys: list[int],
    test_xs: list[list[float]],
    test_ys: list[int],
    params: dict[str, Any],
) -> tuple[list[float], float, list[dict[str, Any]]]:
    """Full-batch gradient descent on the L2-regularised log loss."""
    rng = random.Random(params["seed"])
    n, width = len(xs), len(xs[0])
    weights = [rng.gauss(0.0, 0.01) for _ in range(width)]
    bias = 0.0
    rate, l2 = params["learning_rate"], params["l2"]
    history: list[dict[str, Any]] = []
    for epoch in range(1, params["epochs"] + 1):
        probs = predict_proba(xs, weights, bias)
        grad_w = [l2 * w for w in weights]
        grad_b = 0.0
        for x, y, p in zip(xs, ys, probs):
            error = (p - y) / n
            grad_b += error
            for j in range(width):
                grad_w[j] += error * x[j]
        weights = [w - rate * g for w, g in zip(weights, grad_w)]
        bias -= rate * grad_b
        train_probs = predict_proba(xs, weights, bias)
        test_probs = predict_proba(test_xs, weights, bias)
        history.append(
            {
                "step": epoch,
                "loss": round(log_loss(ys, train_probs), 6),
                "accuracy": round(
                    accuracy(ys, train_probs, params["threshold"]), 6
                ),
                "test_loss": round(log_loss(test_ys, test_probs), 6),
                "test_accuracy": round(
                    accuracy(test_ys, test_probs, params["threshold"]), 6
                ),
            }
        )
    return weights, bias, history


def classification_metrics(
    ys: list[int], probs: list[float], threshold: float
) -> dict[str, float]:
    predicted = [1 if p >= threshold else 0 for p in probs]
    tp = sum(1 for y, q in zip(ys, predicted) if y == 1 and q == 1)
    fp = sum(1 for y, q in zip(ys, predicted) if y == 0 and q == 1)
    fn = sum(1 for y, q in zip(ys, predicted) if y == 1 and q == 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision + recall
        else 0.0
    )
    metrics = {
        "accuracy": accuracy(ys, probs, threshold),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "loss": log_loss(ys, probs),
    }
    return {key: round(value, 6) for key, value in metrics.items()}


# --- outputs ----------------------------------------------------------------


def output_path(environ: dict[str, str], variable: str, default: str) -> Path:
    value = environ.get(variable, "")
    return Path(value) if value else PROJECT_DIR / default


def model_file(environ: dict[str, str]) -> Path:
    """$MLOPS_MODEL_PATH may name the .json file or a folder to hold it."""
    path = output_path(environ, "MLOPS_MODEL_PATH", "model/model.json")
    return path if path.suffix == ".json" else path / "model.json"


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def run(environ: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    params, source = load_params(environ)
    rows = load_rows(DATA_FILE)
    train_rows, test_rows = split_rows(
        rows, params["test_fraction"], params["seed"]
    )
    encoding = fit_encoding(train_rows)
    xs = [encode(row, encoding) for row in train_rows]
    ys = [int(row[LABEL]) for row in train_rows]
    test_xs = [encode(row, encoding) for row in test_rows]
    test_ys = [int(row[LABEL]) for row in test_rows]

    weights, bias, history = train(xs, ys, test_xs, test_ys, params)
    metrics = classification_metrics(
        test_ys, predict_proba(test_xs, weights, bias), params["threshold"]
    )

    # The run id is left out of the model on purpose: the same params must
    # give the same bytes, so the model digest identifies the training.
    model = {
        "format": MODEL_FORMAT,
        "features": feature_names(encoding),
        "encoding": encoding,
        "weights": weights,
        "bias": bias,
        "threshold": params["threshold"],
        "params": params,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
    }
    model_path = model_file(environ)
    metrics_path = output_path(environ, "MLOPS_METRICS_FILE", "metrics.json")
    history_path = PROJECT_DIR / "history.jsonl"
    write_json(model_path, model)
    write_json(metrics_path, metrics)
    history_path.write_text(
        "".join(json.dumps(line) + "\n" for line in history),
        encoding="utf-8",
    )

    run_id = environ.get("MLOPS_RUN_ID", "")
    print(f"params from {source}: {json.dumps(params, sort_keys=True)}")
    print(
        f"trained on {len(train_rows)} rows, held out {len(test_rows)}"
        + (f" (run {run_id})" if run_id else "")
    )
    print("metrics: " + ", ".join(f"{k}={v}" for k, v in metrics.items()))
    print(f"model -> {model_path}")
    print(f"metrics -> {metrics_path}")
    print(f"history -> {history_path}")
    print(f"took {time.perf_counter() - started:.2f} s")
    return metrics


def main() -> int:
    try:
        run(dict(os.environ))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

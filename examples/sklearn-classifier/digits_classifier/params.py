"""Training params: $MLOPS_PARAMS_FILE (JSON) or params.yaml, validated."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import UsageError

# Used for any key that the params file leaves out.
DEFAULTS: dict[str, Any] = {
    "model": "sgd",
    "alpha": 0.0001,
    "learning_rate": 0.01,
    "epochs": 20,
    "hidden_units": 64,
    "test_size": 0.25,
    "seed": 42,
    "noise_seeds": 5,
}
MODEL_TYPES = ("sgd", "mlp")

# key: (type, lowest, highest)
_NUMBER_RULES: dict[str, tuple[type, float, float]] = {
    "alpha": (float, 0.0, 10.0),
    "learning_rate": (float, 1e-9, 10.0),
    "epochs": (int, 1, 10_000),
    "hidden_units": (int, 1, 4096),
    "test_size": (float, 0.05, 0.9),
    "seed": (int, 0, 2**32 - 1),
    "noise_seeds": (int, 0, 20),
}


def _coerce_number(key: str, value: Any, source: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{source}: {key!r} must be a number, got {value!r}")
    return float(value)


def validate(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Fill in defaults, coerce numbers and check ranges."""
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        # Merged params may carry workflow inputs meant for other steps.
        print(
            f"note: {source}: ignoring keys {', '.join(unknown)}",
            file=sys.stderr,
        )
    merged = {**DEFAULTS, **{k: v for k, v in raw.items() if k in DEFAULTS}}
    model = merged["model"]
    if model not in MODEL_TYPES:
        raise UsageError(
            f"{source}: 'model' must be one of {', '.join(MODEL_TYPES)}, "
            f"got {model!r}"
        )
    params: dict[str, Any] = {"model": model}
    for key, (kind, low, high) in _NUMBER_RULES.items():
        value = _coerce_number(key, merged[key], source)
        if kind is int and not value.is_integer():
            raise UsageError(
                f"{source}: {key!r} must be a whole number, got {value!r}"
            )
        if not low <= value <= high:
            raise UsageError(
                f"{source}: {key!r} = {merged[key]!r} is outside "
                f"[{low:g}, {high:g}]"
            )
        params[key] = int(value) if kind is int else value
    return params


def _read_mapping(path: Path, label: str) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{label}: cannot read it ({error})") from error
    try:
        if path.suffix == ".json":
            raw = json.loads(text)
        else:
            raw = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise UsageError(f"{label}: cannot parse it ({error})") from error
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UsageError(
            f"{label}: expected a mapping of param names to values, "
            f"got {type(raw).__name__}"
        )
    return raw


def load_params(
    environ: Mapping[str, str], project_dir: Path
) -> tuple[dict[str, Any], str]:
    """The validated params and a label saying where they came from."""
    override = environ.get("MLOPS_PARAMS_FILE", "")
    if override:
        path = Path(override)
        # The action writes JSON; YAML parses JSON too, whatever the name.
        raw = _read_mapping(path, f"MLOPS_PARAMS_FILE={override}")
        return validate(raw, str(path)), str(path)
    path = project_dir / "params.yaml"
    raw = _read_mapping(path, str(path)) if path.exists() else {}
    return validate(raw, str(path)), str(path)

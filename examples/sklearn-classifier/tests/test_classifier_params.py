"""Params loading: $MLOPS_PARAMS_FILE, params.yaml, defaults, validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from digits_classifier.errors import UsageError
from digits_classifier.params import DEFAULTS, load_params, validate

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_reads_params_yaml_when_no_params_file_is_given() -> None:
    params, source = load_params({}, PROJECT_DIR)
    assert source == str(PROJECT_DIR / "params.yaml")
    committed = yaml.safe_load((PROJECT_DIR / "params.yaml").read_text())
    assert params == committed


def test_committed_params_yaml_sets_every_key() -> None:
    committed = yaml.safe_load((PROJECT_DIR / "params.yaml").read_text())
    assert set(committed) == set(DEFAULTS)


def test_params_file_wins_and_missing_keys_take_defaults(
    tmp_path: Path,
) -> None:
    (tmp_path / "params.yaml").write_text("epochs: 99\nseed: 5\n")
    params_file = tmp_path / "merged.json"
    # The action may pass numbers as strings and extra workflow inputs.
    params_file.write_text(
        json.dumps({"epochs": "3", "alpha": 0.5, "environment": "staging"})
    )
    params, source = load_params(
        {"MLOPS_PARAMS_FILE": str(params_file)}, tmp_path
    )
    assert source == str(params_file)
    assert params == {**DEFAULTS, "epochs": 3, "alpha": 0.5}
    assert isinstance(params["epochs"], int)


def test_params_file_may_be_yaml(tmp_path: Path) -> None:
    params_file = tmp_path / "p.yaml"
    params_file.write_text("model: mlp\nhidden_units: 16\n")
    params, _ = load_params({"MLOPS_PARAMS_FILE": str(params_file)}, tmp_path)
    assert params["model"] == "mlp"
    assert params["hidden_units"] == 16


def test_missing_or_empty_params_yaml_means_defaults(tmp_path: Path) -> None:
    assert load_params({}, tmp_path)[0] == DEFAULTS
    (tmp_path / "params.yaml").write_text("# nothing set\n")
    assert load_params({}, tmp_path)[0] == DEFAULTS


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"model": "svm"}, "'model' must be one of sgd, mlp, got 'svm'"),
        ({"epochs": 0}, "'epochs' = 0 is outside [1, 10000]"),
        ({"epochs": 2.5}, "'epochs' must be a whole number"),
        ({"alpha": "strong"}, "'alpha' must be a number, got 'strong'"),
        ({"seed": True}, "'seed' must be a number"),
        ({"test_size": 0.99}, "'test_size' = 0.99 is outside"),
    ],
)
def test_rejects_bad_values_naming_key_and_source(
    raw: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(UsageError) as caught:
        validate(raw, "params.yaml")
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("params.yaml: ")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[1, 2, 3]", "expected a mapping"),
        ("{not json", "cannot parse it"),
    ],
)
def test_rejects_unusable_params_files(
    tmp_path: Path, content: str, fragment: str
) -> None:
    params_file = tmp_path / "merged.json"
    params_file.write_text(content)
    with pytest.raises(UsageError, match=fragment) as caught:
        load_params({"MLOPS_PARAMS_FILE": str(params_file)}, tmp_path)
    assert f"MLOPS_PARAMS_FILE={params_file}" in str(caught.value)


def test_missing_params_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(UsageError, match="cannot read it"):
        load_params({"MLOPS_PARAMS_FILE": str(missing)}, tmp_path)

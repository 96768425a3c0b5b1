"""The flat params.yaml parser and params loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import quickstart_train as train


def test_parses_every_scalar_kind_and_comments() -> None:
    text = "\n".join(
        [
            "# a comment line",
            "---",
            "epochs: 12          # trailing comment",
            "learning_rate: 1e-2",
            "l2: .5",
            "threshold: -0.25",
            "shuffle: true",
            "verbose: False",
            "name: churn model",
            "tag: 'v1 # not a comment'",
            'quoted: "42"',
            "nothing: null",
            "",
        ]
    )
    assert train.parse_flat_yaml(text, "p.yaml") == {
        "epochs": 12,
        "learning_rate": 0.01,
        "l2": 0.5,
        "threshold": -0.25,
        "shuffle": True,
        "verbose": False,
        "name": "churn model",
        "tag": "v1 # not a comment",
        "quoted": "42",
        "nothing": None,
    }


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("model:\n  kind: logistic\n", "line 1: 'model' needs a plain"),
        ("epochs: 3\n  nested: 1\n", "line 2: indented line"),
        ("layers: [1, 2]\n", "line 1: 'layers' needs a plain"),
        ("just some words\n", "line 1: expected 'key: value'"),
        ("seed: 1\nseed: 2\n", "line 2: 'seed' set twice"),
    ],
)
def test_refuses_what_it_cannot_parse(text: str, fragment: str) -> None:
    with pytest.raises(train.UsageError, match="p.yaml") as caught:
        train.parse_flat_yaml(text, "p.yaml")
    assert fragment in str(caught.value)


def test_reads_params_yaml_when_no_params_file_is_given() -> None:
    params, source = train.load_params({})
    assert source.endswith("params.yaml")
    committed = train.parse_flat_yaml(
        (train.PROJECT_DIR / "params.yaml").read_text(), "params.yaml"
    )
    for key, value in committed.items():
        assert params[key] == value


def test_params_file_overrides_and_missing_keys_fall_back(
    tmp_path: Path,
) -> None:
    params_file = tmp_path / "params.json"
    # The action may pass numbers as strings and extra workflow inputs.
    params_file.write_text(
        json.dumps({"epochs": "7", "learning_rate": 0.05, "stage": "dev"})
    )
    params, source = train.load_params({"MLOPS_PARAMS_FILE": str(params_file)})
    assert source == str(params_file)
    assert params["epochs"] == 7
    assert params["learning_rate"] == 0.05
    assert params["seed"] == train.DEFAULT_PARAMS["seed"]
    assert "stage" not in params


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"epochs": 0}, "'epochs' = 0 is outside [1"),
        ({"epochs": 2.5}, "'epochs' must be a whole number"),
        ({"learning_rate": "fast"}, "'learning_rate' must be a number"),
        ({"threshold": True}, "'threshold' must be a number"),
        ({"test_fraction": 0.95}, "'test_fraction' = 0.95 is outside"),
    ],
)
def test_rejects_bad_values_naming_the_key(
    raw: dict[str, object], fragment: str
) -> None:
    with pytest.raises(train.UsageError) as caught:
        train.validate_params(raw, "params.json")
    assert fragment in str(caught.value)
    assert "params.json" in str(caught.value)


def test_params_file_that_is_not_an_object_is_refused(
    tmp_path: Path,
) -> None:
    params_file = tmp_path / "params.json"
    params_file.write_text("[1, 2]")
    with pytest.raises(train.UsageError, match="expected a JSON object"):
        train.load_params({"MLOPS_PARAMS_FILE": str(params_file)})

"""Read data/digits.csv and split it into train and held-out test sets."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from .errors import UsageError

LABEL_COLUMN = "digit"


def feature_columns(count: int) -> list[str]:
    """pixel_0 ... pixel_63: the 8x8 image, row by row."""
    return [f"pixel_{i}" for i in range(count)]


@dataclass(frozen=True)
class Dataset:
    features: np.ndarray
    labels: np.ndarray
    feature_names: list[str]


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def load_dataset(path: Path) -> Dataset:
    if not path.is_file():
        raise UsageError(
            f"{path} is missing; run '/usr/bin/python3 prepare.py' to "
            "export scikit-learn's digits dataset there"
        )
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if LABEL_COLUMN not in header:
        raise UsageError(
            f"{path}: no {LABEL_COLUMN!r} column in the header "
            f"(found {', '.join(header[:5])}...)"
        )
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except ValueError as error:
        raise UsageError(f"{path}: not a numeric CSV ({error})") from error
    label_index = header.index(LABEL_COLUMN)
    names = [name for name in header if name != LABEL_COLUMN]
    return Dataset(
        features=np.delete(table, label_index, axis=1),
        labels=table[:, label_index].astype(int),
        feature_names=names,
    )


def split_dataset(data: Dataset, test_size: float, seed: int) -> Split:
    """A stratified split, so every digit is in the held-out set."""
    x_train, x_test, y_train, y_test = train_test_split(
        data.features,
        data.labels,
        test_size=test_size,
        random_state=seed,
        stratify=data.labels,
    )
    return Split(x_train, x_test, y_train, y_test)

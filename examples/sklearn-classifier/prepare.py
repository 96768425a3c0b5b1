"""Export scikit-learn's bundled digits dataset to data/digits.csv.

load_digits() reads a file inside the scikit-learn package, so this works
offline. Training reads the CSV, not sklearn, so the committed file is the
training data that the train-model action fingerprints and profiles:
    /usr/bin/python3 prepare.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.datasets import load_digits

from digits_classifier.data import LABEL_COLUMN, feature_columns

CSV_PATH = Path(__file__).resolve().parent / "data" / "digits.csv"


def main() -> int:
    digits = load_digits()
    features = digits.data.astype(int)
    header = feature_columns(features.shape[1]) + [LABEL_COLUMN]
    CSV_PATH.parent.mkdir(parents=True, exist_ok=True)
    with CSV_PATH.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(",".join(header) + "\n")
        for row, label in zip(features, digits.target, strict=True):
            handle.write(",".join(str(v) for v in row) + f",{label}\n")
    print(f"wrote {len(features)} rows x {len(header)} columns to {CSV_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

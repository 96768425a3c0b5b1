"""Train the digits classifier: /usr/bin/python3 train.py

Reads params from $MLOPS_PARAMS_FILE or params.yaml and data/digits.csv;
writes model/model.joblib, metrics.json, confusion_matrix.json and
history.csv (see README.md for the environment variables it honours).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from digits_classifier.errors import UsageError
from digits_classifier.run import run

# Python puts this folder first on sys.path, so the package imports above
# work from any working directory.
PROJECT_DIR = Path(__file__).resolve().parent


def main() -> int:
    try:
        run(os.environ, PROJECT_DIR)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

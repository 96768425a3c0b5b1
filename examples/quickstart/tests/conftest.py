"""Make the quickstart's train.py importable and copyable in tests."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Loaded under a name of its own: other examples have a train.py too, and
# pytest may collect them in the same session.
_spec = importlib.util.spec_from_file_location(
    "quickstart_train", PROJECT_DIR / "train.py"
)
assert _spec is not None and _spec.loader is not None
quickstart_train = importlib.util.module_from_spec(_spec)
sys.modules["quickstart_train"] = quickstart_train
_spec.loader.exec_module(quickstart_train)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A fresh copy of the example, so runs never write into the repo."""
    target = tmp_path / "quickstart"
    target.mkdir()
    for name in ("train.py", "params.yaml", "make_data.py"):
        shutil.copy2(PROJECT_DIR / name, target / name)
    shutil.copytree(PROJECT_DIR / "data", target / "data")
    return target

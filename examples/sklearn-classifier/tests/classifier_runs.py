"""Copy the example and run train.py in it, as the train-model action does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
COPIED = ("train.py", "prepare.py", "params.yaml", "digits_classifier", "data")


def copy_project(target: Path) -> Path:
    """A fresh copy of the example, so runs never write into the repo."""
    target.mkdir(parents=True)
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(
                source,
                target / name,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        else:
            shutil.copy2(source, target / name)
    return target


def run_training(
    project: Path, params: dict[str, Any] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run train.py the way the train-model action does: a child process."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")
    }
    if params is not None:
        params_file = project / "override.json"
        params_file.write_text(json.dumps(params))
        environ["MLOPS_PARAMS_FILE"] = str(params_file)
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(project / "train.py")],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )

"""Fixtures: fresh copies of the example and one shared default run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from classifier_runs import PROJECT_DIR, copy_project, run_training

# The tests import the digits_classifier package from the example itself.
sys.path.insert(0, str(PROJECT_DIR))


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "sklearn-classifier")


@pytest.fixture(scope="module")
def default_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One training run with the committed params, shared by a module."""
    project = copy_project(tmp_path_factory.mktemp("default") / "project")
    return project, run_training(project)

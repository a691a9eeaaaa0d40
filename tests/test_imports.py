"""Importing any module of the package has no side effects: no directory, no app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

# Runs as a program: importing it would run the CLI.
NOT_IMPORTABLE = {"pipeline.cli.__main__"}

CODE = """
import importlib, pkgutil, sys
import pipeline, schemas
names = []
for package in (pipeline, schemas):
    names.append(package.__name__)
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        names.append(info.name)
skip = set(sys.argv[1:])
for name in names:
    if name not in skip:
        importlib.import_module(name)
import pipeline.app
assert "app" not in vars(pipeline.app), "pipeline.app built an app at import"
print(len(names))
"""


def test_importing_every_module_creates_nothing(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "FRONTLINE_STATE_DIR": str(state_dir),
        "FRONTLINE_WORKER_DATADIR": str(tmp_path / "worker"),
    }
    out = subprocess.run(
        [sys.executable, "-c", CODE, *sorted(NOT_IMPORTABLE)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 50  # the walk found the package's modules
    assert list(tmp_path.iterdir()) == []

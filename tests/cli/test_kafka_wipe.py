"""`frontline kafka wipe` leaves a state a worker can start from: no broker data, no tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.config import PROJECT_ROOT


def test_wipe_removes_the_broker_data_and_the_workers_table_state(tmp_path: Path) -> None:
    state = tmp_path / "state"
    broker_file = state / "kafka" / "node-0" / "meta.properties"
    table_file = state / "workers" / "frontline-6066" / "tables" / "tables-control-0.db"
    log = state / "demo-worker.log"
    for path in (broker_file, table_file, log):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")

    out = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "kafka", "wipe"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "FRONTLINE_STATE_DIR": str(state)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert out.returncode == 0, out.stderr
    assert not (state / "kafka").exists()
    assert not (state / "workers").exists()
    assert log.exists()  # only what the wiped broker made meaningless goes
    assert "workers' table state" in out.stdout

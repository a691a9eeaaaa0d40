"""A short soak on the session broker: lag back to zero, memory without a runaway."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.config import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_short_soak_catches_up_and_memory_does_not_run_away(kafka_bootstrap: str) -> None:
    # Loose bounds for a run this short (the full soak, docs/soak.md, holds 10% / 5%): a
    # worker keeping ~2 KB per article would still fail them.
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "soak.py"),
            *("-n", "24000", "--batches", "8", "--no-write"),
            *("--max-growth", "0.5", "--max-second-half", "0.3", "--timeout", "240"),
            *("--bootstrap", kafka_bootstrap),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "flat, caught up" in out
    # Both diagnostic dumps came back, with the worker-wide RocksDB and heap figures.
    assert out.count("block cache (shared by every store)") == 2
    assert out.count("heap: python blocks") == 2

"""The benchmark's smoke mode runs end to end on the session broker and reports sane figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.integration


def test_bench_smoke(kafka_bootstrap: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    json_path = tmp_path / "result.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "run.py"),
            "--smoke",
            "--bootstrap",
            kafka_bootstrap,
            "--out-dir",
            str(out),
            "--json",
            str(json_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=420,  # a hang guard; how fast it runs is the benchmark's business, not a test's
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    result = orjson.loads(json_path.read_bytes())
    assert result["command"].startswith("python benchmarks/run.py")
    assert result["machine"]["cores"] >= 1
    assert len(result["runs"]) == 1
    run = result["runs"][0]
    assert run["e2e1"]["ledger_records"] == run["e2e1"]["articles"] == 300
    assert run["e2e2"]["ledger_records"] == 300
    assert run["e2e2"]["workers"] == 2
    med = result["median"]
    for key in (
        "ceiling.articles_per_s",
        "extract.articles_per_s",
        "extract.normalize_articles_per_s",
        "e2e1.articles_per_s",
        "e2e2.articles_per_s",
        "e2e1.cpu_ms_per_article",
        "e2e1.peak_rss_mib",
    ):
        assert isinstance(med[key], int | float) and med[key] > 0, key
    for p in ("p50", "p95", "p99"):
        value = med[f"latency.ledger_ms.{p}"]
        assert isinstance(value, int | float) and 0 <= value < 60_000
    assert med["latency.ledger_ms.p50"] <= med["latency.ledger_ms.p99"]
    for ratio, (num, den) in {
        "ratio.e2e1_over_extract": ("e2e1.articles_per_s", "extract.articles_per_s"),
        "ratio.e2e2_over_e2e1": ("e2e2.articles_per_s", "e2e1.articles_per_s"),
    }.items():
        assert med[ratio] == pytest.approx(med[num] / med[den], abs=0.001), ratio
    assert [t["goal"] for t in result["targets"]] == [">= 2,500", ">= 0.60", "< 250", ">= 1.6"]
    # The events of 300 articles reach the tables: rows on each table topic are counted.
    assert run["e2e1"]["events"] > 0
    assert run["e2e1"]["table_rows"] == sum(run["e2e1"]["table_rows_by_topic"].values()) > 0

    md = (out / "benchmarks.md").read_text(encoding="utf-8")
    assert "## Throughput" in md and "## Latency" in md and "--smoke" in md
    assert "shared 2-core" in md
    png = out / "benchmarks.png"
    if png.exists():  # matplotlib is optional
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

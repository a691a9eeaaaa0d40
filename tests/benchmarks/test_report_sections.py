"""Pure parts of the benchmark scripts: merging interleaved rounds, the CPU section."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import orjson

from pipeline.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from compare import merge_rounds
from report import floor_section


def test_interleaved_rounds_merge_to_each_figures_median() -> None:
    rounds = [
        {"articles_per_s": 1000.0, "p99_table_ms": 300.0, "each_run_articles_per_s": [1000.0]},
        {"articles_per_s": 1900.0, "p99_table_ms": None, "each_run_articles_per_s": [1900.0]},
        {"articles_per_s": 1800.0, "p99_table_ms": 200.0, "each_run_articles_per_s": [1800.0]},
    ]
    merged = merge_rounds(rounds)
    assert merged["articles_per_s"] == 1800.0
    assert merged["p99_table_ms"] == 250.0  # a round without the figure does not count
    assert merged["each_run_articles_per_s"] == [1000.0, 1900.0, 1800.0]


def test_cpu_section_sets_the_worker_beside_the_faust_floor(tmp_path: Path) -> None:
    floor = tmp_path / "floor.json"
    floor.write_bytes(
        orjson.dumps(
            {
                "command": "python benchmarks/faust_floor.py",
                "date": "2026-11-22 08:45 UTC",
                "messages": 20000,
                "modes": [
                    {"name": "consume + ack", "cpu_ms_per_message": 0.07},
                    {"name": "consume + ack + one record out", "cpu_ms_per_message": 0.08},
                ],
            }
        )
    )
    med = {"e2e1.cpu_ms_per_article": 0.5, "extract.normalize_articles_per_s": 10000.0}
    text = "\n".join(floor_section(med, floor))
    assert "| bare Faust agent: consume + ack + one record out | 0.080 | 12,500 |" in text
    assert "| pure `normalize` step (no Kafka) | 0.100 | 10,000 |" in text
    assert "| Frontline worker, end to end (this run) | 0.500 | 2,000 |" in text
    assert "come to 0.180 ms; the other 0.320 ms" in text
    assert floor_section(med, tmp_path / "absent.json") == []


def test_cores_section_sets_workers_beside_broker_and_publisher() -> None:
    from report import cores_section

    med = {
        "e2e1.wall_s": 8.0,
        "e2e1.cpu_s": 7.0,
        "e2e1.broker_cpu_s": 3.5,
        "e2e1.client_cpu_s": 4.0,
        "e2e2.wall_s": 6.8,
        "e2e2.cpu_s": 7.4,
        "e2e2.broker_cpu_s": None,  # a broker the run did not start
        "e2e2.client_cpu_s": 4.1,
        "e2e2.drain_cores.workers": 1.6,
        "e2e2.drain_cores.broker": 0.3,
        "e2e2.drain_cores.client": 0.05,
    }
    lines = cores_section(med, cores=2)
    assert "| 1 worker | 8.0 | 7.0 | 3.5 | 4.0 | 16.0 | n/a / n/a / n/a | n/a of 2 |" in lines
    assert "| 2 workers | 6.8 | 7.4 | n/a | 4.1 | 13.6 | 1.60 / 0.30 / 0.05 | 1.95 of 2 |" in lines
    assert cores_section({}, cores=2) == []  # older results without the figures


def test_cpu_sampler_tells_how_busy_a_process_was_in_a_stretch_of_time() -> None:
    import time

    from harness import CpuSampler

    with CpuSampler({"me": [os.getpid()]}, every=0.05) as sampler:
        t0 = time.time()
        while time.time() - t0 < 1.2:  # busy: about one core
            pass
        t1 = time.time()
        time.sleep(1.2)  # idle
        t2 = time.time()
    busy, idle = sampler.cores(t0, t1), sampler.cores(t1, t2)
    assert busy is not None and idle is not None
    assert busy["me"] > 0.3 and idle["me"] < 0.2
    assert sampler.cores(t0, t0 + 0.5) is None  # too short to say


def test_skew_section_names_each_topics_busiest_partition() -> None:
    from report import skew_section

    runs = [{"e2e1": {"events_by_partition": {"events.withdrawal": [90, 5, 5, 0]}}}]
    [_, line] = skew_section(runs)
    assert "`events.withdrawal` 90 / 5 / 5 / 0 (busiest 90%)" in line
    assert skew_section([{"e2e1": {}}]) == [] and skew_section([]) == []

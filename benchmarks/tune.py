"""Try worker settings (FRONTLINE_* env) one at a time against the same broker and data.

    python benchmarks/tune.py -n 5000 --runs 3
    python benchmarks/tune.py --variant big-buffer=FRONTLINE_STREAM_BUFFER_MAXSIZE=16384

Each variant runs the one-worker throughput phase and the half-load latency phase `--runs`
times (median). Results go to benchmarks/results/tuning.json, which `run.py` quotes in
benchmarks/results/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Cleanup, median_of, say, write_results
from run import RESULTS_DIR, Bench, one_run, parse_args, start_broker

# FRONTLINE_* are pipeline.config.Settings fields; PRODUCER_LINGER / BROKER_MAX_POLL_RECORDS
# are Faust's own environment overrides (faust.types.settings reads them over App kwargs).
DEFAULT_VARIANTS: list[tuple[str, list[str]]] = [
    ("baseline", []),
    ("commit every 10k", ["FRONTLINE_BROKER_COMMIT_EVERY=10000"]),
    ("commit interval 5 s", ["FRONTLINE_BROKER_COMMIT_INTERVAL=5.0"]),
    ("stream buffer 16k", ["FRONTLINE_STREAM_BUFFER_MAXSIZE=16384"]),
    ("producer linger 5 ms", ["PRODUCER_LINGER=0.005"]),
    ("producer linger 20 ms", ["PRODUCER_LINGER=0.02"]),
    (
        "linger 5 ms + commit 10k/5 s",
        [
            "PRODUCER_LINGER=0.005",
            "FRONTLINE_BROKER_COMMIT_EVERY=10000",
            "FRONTLINE_BROKER_COMMIT_INTERVAL=5.0",
        ],
    ),
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("-n", "--articles", type=int, default=5000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--latency-seconds", type=float, default=8.0)
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=KEY=VALUE[,KEY=VALUE]",
        help="replaces the default variants (baseline always runs first)",
    )
    p.add_argument("--out", type=Path, default=RESULTS_DIR / "tuning.json")
    a = p.parse_args(argv)
    variants = DEFAULT_VARIANTS
    if a.variant:
        variants = [("baseline", [])]
        for spec in a.variant:
            name, _, env = spec.partition("=")
            variants.append((name, [kv for kv in env.split(",") if kv]))

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    workdir = Path(tempfile.mkdtemp(prefix="frontline-tune-"))
    cleanup = Cleanup()
    cleanup.push("temp dir", lambda: shutil.rmtree(workdir, ignore_errors=True))
    started = datetime.now(UTC)
    results: list[dict[str, Any]] = []
    try:
        base_args = parse_args(["-n", str(a.articles), "--latency-seconds", str(a.latency_seconds)])
        bootstrap, broker_pid = start_broker(base_args, workdir, cleanup)
        # Interleave variants within each round so drift in machine load hits all alike.
        per_variant: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in variants}
        for r in range(a.runs):
            for name, env in variants:
                say(f"=== round {r + 1}/{a.runs}: {name} {' '.join(env)} ===")
                args = parse_args(
                    [
                        "-n",
                        str(a.articles),
                        "--latency-seconds",
                        str(a.latency_seconds),
                        "--phases",
                        "e2e1,latency",
                        *[x for kv in env for x in ("--env", kv)],
                    ]
                )
                b = Bench(args, bootstrap, workdir, broker_pid)
                cleanup.push(f"bench {name}", b.cleanup.run)
                try:
                    per_variant[name].append(one_run(b, r, {"e2e1", "latency"}))
                finally:
                    b.cleanup.run()
        for name, env in variants:
            runs = per_variant[name]
            results.append(
                {
                    "name": name,
                    "env": env,
                    "articles_per_s": median_of([x["e2e1"]["articles_per_s"] for x in runs]),
                    "cpu_ms_per_article": median_of(
                        [x["e2e1"]["cpu_ms_per_article"] for x in runs]
                    ),
                    "p99_ledger_ms": median_of([x["latency"]["ledger_ms"]["p99"] for x in runs]),
                    "p99_table_ms": median_of(
                        [(x["latency"]["table_ms"] or {}).get("p99") for x in runs]
                    ),
                    "each_run_articles_per_s": [x["e2e1"]["articles_per_s"] for x in runs],
                }
            )
    except KeyboardInterrupt:
        say("interrupted; stopping everything")
        cleanup.run()
        return 130
    finally:
        cleanup.run()
    write_results(
        a.out,
        "tune.py",
        argv,
        {"articles": a.articles, "runs": a.runs, "variants": results},
        date=started,
    )
    base = results[0]["articles_per_s"] or 0
    for v in results:
        rel = (v["articles_per_s"] or 0) / base if base else 0
        say(
            f"{v['name']:<22} {v['articles_per_s'] or 0:>8,.0f}/s ({rel:.2f}x) "
            f"cpu {v['cpu_ms_per_article']} ms/article, p99 ledger {v['p99_ledger_ms']} ms, "
            f"p99 table {v['p99_table_ms']} ms"
        )
    say(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

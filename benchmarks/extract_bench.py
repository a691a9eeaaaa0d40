"""Throughput of the pure extractor on one core.

    python benchmarks/extract_bench.py [--corpus PATH] [--seeds PATH] [--articles PATH] [--runs N]

Prints the median of N runs (items/s) for the WCEP corpus of short items, the full-length
seed articles and the full-length development articles, the machine's cores and memory,
and the process's peak RSS. The parse cache is emptied before every pass: each pass parses
its sentences anew, as a worker does for articles it has not seen.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# E402 waived below: the repository root must be on sys.path before the project imports (the
# script runs as `python benchmarks/extract_bench.py`, not as an installed module).
from pipeline.extract import extract, syntax  # noqa: E402
from schemas import Article  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def _articles(path: Path, text_key: str) -> list[Article]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if not line.strip():
                continue
            d = json.loads(line)
            body = d.get(text_key) or d.get("body") or d.get("text")
            if not body or not str(body).strip():
                continue
            out.append(
                Article(
                    id=str(d.get("id") or d.get("item_id") or f"item-{i}"),
                    body=body,
                    published_at=d.get("published_at"),
                    source=d.get("source"),
                )
            )
    return out


def _bench(arts: list[Article], runs: int, min_seconds: float = 0.0) -> tuple[float, int]:
    rates = []
    events = 0
    for _ in range(runs):
        n = 0
        t0 = time.perf_counter()
        while True:
            syntax.clear_cache()
            for a in arts:
                events += len(extract(a))
            n += len(arts)
            if time.perf_counter() - t0 >= min_seconds:
                break
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates), events


def _mem_total() -> str:
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        return f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus", type=Path, default=SHARED / "wcep" / "wcep-afghanistan-corpus.jsonl"
    )
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds" / "seeds.articles.jsonl")
    ap.add_argument(
        "--articles", type=Path, default=SHARED / "articles-dev" / "articles-dev.gold.jsonl"
    )
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    corpus = _articles(args.corpus, "text")
    seeds = _articles(args.seeds, "body")
    extract(corpus[0])  # warm the lazily loaded knowledge
    c_rate, c_events = _bench(corpus, args.runs)
    s_rate, _ = _bench(seeds, args.runs, min_seconds=0.5)
    full = _articles(args.articles, "text") if args.articles.exists() else []
    f_rate, _ = _bench(full, args.runs) if full else (0.0, 0)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{_mem_total()} RAM; python {platform.python_version()}; pinned to 1 core"
    )
    print(
        f"corpus: {len(corpus)} items, median of {args.runs} runs: {c_rate:,.0f} items/s "
        f"({c_events // max(1, args.runs)} events per pass)"
    )
    print(
        f"seeds:  {len(seeds)} full articles, median of {args.runs} runs: {s_rate:,.0f} articles/s"
    )
    if full:
        words = sum(len(a.body.split()) for a in full) // len(full)
        print(
            f"full:   {len(full)} full-length articles (mean {words} words), median of "
            f"{args.runs} runs: {f_rate:,.1f} articles/s"
        )
    print(f"peak RSS: {rss_kb / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

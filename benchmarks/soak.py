"""Soak: push many articles through one worker while sampling its RSS and consumer lag.

    python benchmarks/soak.py                 # 300,000 articles (corpus cycled), docs/soak.md
    python benchmarks/soak.py -n 20000 --no-write
    python benchmarks/soak.py -n 30000 --no-write --trace-memory   # where RSS grows

Passes when the consumer lag returns to zero and, after warm-up (the first third: RocksDB's
cache and memtables fill to their worker-wide limits, table rows towards their caps), the
worker's RSS level stays within --max-growth of its post-warm-up level and within
--max-second-half over the second half. Exit 1 otherwise. Each run sends the worker two
`SIGUSR1`s and prints its RocksDB, Python and malloc figures at both.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafka import TopicPartition

from benchmarks.harness import (
    Cleanup,
    Dataset,
    Worker,
    format_rss_by_mapping,
    machine_info,
    proc_status_kib,
    publish,
    rss_by_mapping_kib,
    say,
)
from pipeline import topics as T
from pipeline.broker.clients import ensure_topics, make_admin, make_consumer
from pipeline.broker.local import LocalKafka, free_port_block
from pipeline.config import PROJECT_ROOT, Settings

DOC = PROJECT_ROOT / "docs" / "soak.md"


def consumer_lag(settings: Settings) -> int | None:
    """Records the worker group has yet to commit, over every topic it reads (the articles
    and the tables' internal topics alike)."""
    admin = make_admin(settings)
    consumer = make_consumer(settings)
    try:
        committed = admin.list_group_offsets(settings.app_id).get(settings.app_id, {})
        articles = T.topic_name(settings, T.ARTICLES)
        parts = consumer.partitions_for_topic(articles) or set()
        tps = set(committed) | {TopicPartition(articles, p) for p in parts}
        ends = consumer.end_offsets(list(tps))
        lag = 0
        for tp in tps:
            meta = committed.get(tp)
            lag += ends[tp] - (meta.offset if meta is not None and meta.offset >= 0 else 0)
        return lag
    except Exception:  # a sample may fail mid-rebalance; skip it
        return None
    finally:
        consumer.close()
        admin.close()


def memory_sections(log_text: str) -> str:
    """The memory parts of the worker's SIGUSR1 dumps (pipeline.ops.diagnostics)."""
    out: list[str] = []
    keep = False
    for line in log_text.splitlines():
        if line.startswith(("memory:", "rocksdb memory", "heap:")):
            keep = True
        elif keep and not line.startswith("  "):
            keep = False
        if keep:
            out.append(line)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", type=int, default=300_000, help="articles to publish")
    ap.add_argument("--batches", type=int, default=30, help="publish in this many bursts")
    ap.add_argument("--warmup", type=float, default=0.34, help="share of articles before baseline")
    ap.add_argument(
        "--max-growth", type=float, default=0.10, help="allowed RSS growth after warm-up"
    )
    ap.add_argument(
        "--max-second-half",
        type=float,
        default=0.05,
        help="allowed RSS growth over the second half after warm-up",
    )
    ap.add_argument("--bootstrap", help="use this broker instead of starting one")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds for the whole soak")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/soak.md")
    ap.add_argument(
        "--trace-memory",
        action="store_true",
        help="run the worker under tracemalloc and print where memory grew after warm-up",
    )
    args = ap.parse_args(argv)
    # A plain `kill` must still stop the broker and worker this script started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    cleanup = Cleanup()
    workdir = Path(tempfile.mkdtemp(prefix="frontline-soak-"))
    samples: list[tuple[float, float, int | None]] = []  # (t, rss MiB, lag)
    memory_report = ""
    mappings: list[str] = []  # RSS by kind of mapping at the baseline and at the end
    stop = threading.Event()
    try:
        bootstrap = args.bootstrap
        if bootstrap is None:
            kafka = LocalKafka(
                kafka_home=PROJECT_ROOT / "infra" / "kafka",
                state_dir=workdir / "kafka",
                base_port=free_port_block(2, start=27092),
            )
            kafka.start()
            cleanup.push("kafka", kafka.stop)
            bootstrap = kafka.bootstrap
        tag = uuid.uuid4().hex[:6]
        settings = Settings(
            kafka_bootstrap=bootstrap,
            topic_prefix=f"soak{tag}.",
            app_id=f"frontline-soak-{tag}",
            state_dir=workdir / "state",
        )
        ensure_topics(settings)
        env = {"PYTHONTRACEMALLOC": "1"} if args.trace_memory else {}
        worker = Worker(settings, "w1", workdir, env)
        cleanup.push("worker", worker.stop)
        deadline = time.monotonic() + 90
        while worker.health() is None:
            worker.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("worker did not start")
            time.sleep(0.5)

        t_start = time.monotonic()

        def sampler() -> None:
            while not stop.is_set():
                rss = proc_status_kib(worker.pid, "VmRSS")
                samples.append(
                    (time.monotonic() - t_start, (rss or 0) / 1024, consumer_lag(settings))
                )
                stop.wait(2.0)

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        data = Dataset()
        per_batch = max(1, args.n // args.batches)
        published = 0
        baseline_t: float | None = None
        for b in range(args.batches):
            items = data.make(per_batch, f"{tag}-b{b}")
            publish(settings, items)
            published += len(items)
            say(f"published {published:,}/{args.n:,}")
            # Let the worker keep up between bursts: a soak, not a flood.
            while True:
                worker.check_alive()
                lag = consumer_lag(settings)
                if lag == 0 or time.monotonic() - t_start > args.timeout:
                    break
                time.sleep(1.0)
            if baseline_t is None and published >= args.warmup * args.n:
                baseline_t = time.monotonic() - t_start
                # RocksDB memory (and, traced, the Python heap) at the baseline.
                os.kill(worker.pid, signal.SIGUSR1)
                mappings.append(format_rss_by_mapping(rss_by_mapping_kib(worker.pid)))
        time.sleep(4)  # a last couple of samples at rest
        mappings.append(format_rss_by_mapping(rss_by_mapping_kib(worker.pid)))
        os.kill(worker.pid, signal.SIGUSR1)  # the same at the end
        wait_until = time.monotonic() + 120  # a snapshot of a big heap takes a while
        while time.monotonic() < wait_until:
            text = worker.log_path.read_text(errors="replace")
            if text.count("diagnostic dump (SIGUSR1)") >= 2 and (
                not args.trace_memory or "growth since the previous dump" in text
            ):
                break
            time.sleep(2)
        memory_report = memory_sections(worker.log_path.read_text(errors="replace"))
        stop.set()
        thread.join(timeout=10)
        final_lag = consumer_lag(settings)
        elapsed = time.monotonic() - t_start
        peak = proc_status_kib(worker.pid, "VmHWM")
    finally:
        stop.set()
        cleanup.run()

    after = [s for s in samples if baseline_t is not None and s[0] >= baseline_t] or samples
    end_t = after[-1][0]

    def level(t0: float, t1: float) -> float:
        """Median RSS over [t0, t1]: a level across bursts, not one sample's peak or dip."""
        window = [s[1] for s in after if t0 <= s[0] <= t1]
        return statistics.median(window) if window else after[-1][1]

    base_rss = level(after[0][0], after[0][0] + 20)
    mid_t = (after[0][0] + end_t) / 2
    mid_rss = level(mid_t - 10, mid_t + 10)
    end_rss = level(end_t - 20, end_t)
    max_rss = max(s[1] for s in after)
    growth = (end_rss - base_rss) / base_rss if base_rss else 0.0
    second_half = (end_rss - mid_rss) / mid_rss if mid_rss else 0.0
    ok = final_lag == 0 and growth <= args.max_growth and second_half <= args.max_second_half
    info = machine_info()
    lines = [
        "# Soak",
        "",
        f"`python benchmarks/soak.py {' '.join(sys.argv[1:])}`".replace(" `", "`")
        + f" — {time.strftime('%Y-%m-%d')}, "
        f"{info.get('cores')} cores, {info.get('memory_gib')} GiB, {info.get('cpu_model')}",
        "",
        "| articles | seconds | articles/s | RSS after warm-up | max RSS after | "
        "RSS at end | peak (VmHWM) | growth | second half | final lag | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {published:,} | {elapsed:.0f} | {published / elapsed:.0f} | {base_rss:.0f} MiB | "
        f"{max_rss:.0f} MiB | {end_rss:.0f} MiB | {(peak or 0) / 1024:.0f} MiB | "
        f"{growth:+.1%} | {second_half:+.1%} | {final_lag} | "
        f"{'flat, caught up' if ok else 'FAILED'} |",
        "",
        f"Levels are medians over 20 s (bursts come every few seconds). Growth: the level at "
        f"the end over the level just after warm-up ({args.warmup:.0%} of the articles; pass: "
        f"at most {args.max_growth:.0%}); second half: the level at the end over the level "
        f"halfway between (pass: at most {args.max_second_half:.0%}). Max: the highest "
        "sample after warm-up (a burst in flight).",
        "",
        "RSS samples (every 2 s; seconds → MiB, lag):",
        "",
        "```",
        *(
            f"{t:7.1f}s  {rss:6.1f} MiB  lag={lag}"
            for t, rss, lag in samples[:: max(1, len(samples) // 40)]
        ),
        "```",
    ]
    if memory_report or mappings:
        lines += ["", "Worker memory at the baseline and at the end (SIGUSR1 dumps):", ""]
        lines += ["```", *mappings, memory_report, "```"]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        DOC.write_text(text, encoding="utf-8")
        say(f"wrote {DOC}")
    with contextlib.suppress(Exception):
        import shutil

        shutil.rmtree(workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

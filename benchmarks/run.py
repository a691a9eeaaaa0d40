"""Frontline benchmark: the pipeline beside its own limits, in one run, on the same data.

    python benchmarks/run.py                  # full run: 20,000 articles, median of 3 runs
    python benchmarks/run.py --smoke          # ~30 s sanity run (used by the test suite)
    python benchmarks/run.py -n 2000 --runs 1 # quick development run

Per run it measures (see docs/performance.md for how to read the figures):
  * client ceiling - a plain kafka-python consumer reading the articles topic, doing nothing;
  * extractor alone - `pipeline.extract.extract` over the same articles, one process, no Kafka
    (and the whole pure per-article step, `pipeline.normalize.normalize`, for reference);
  * end to end - articles -> ledger / events (-> tables.* rows when the tables agents exist)
    with one worker and with two, worker CPU time and peak RSS;
  * latency - publish -> ledger / event / table row at a steady load of half the one-worker
    maximum (the article's CreateTime is its send time; outputs carry their own CreateTime).

It starts its own broker on free loopback ports under a temporary directory (or uses
--bootstrap), gives every phase its own topic prefix and app id, and stops everything it
started, also on Ctrl-C, SIGTERM or an error. Every step has a time limit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    EVENT_TOPICS,
    TABLE_TOPICS,
    Cleanup,
    CpuSampler,
    Dataset,
    Item,
    StepTimeout,
    Worker,
    ensure,
    json_strings,
    machine_info,
    median_of,
    pcts,
    proc_cpu_seconds,
    publish,
    publish_paced,
    read_all,
    say,
    stop_workers,
    wait_assigned,
    wait_for_count,
    wait_settled,
)

from pipeline import topics as T
from pipeline.config import PROJECT_ROOT, Settings
from pipeline.readmodel import EVENT_ID_HEADER

RESULTS_DIR = PROJECT_ROOT / "benchmarks" / "results"
PHASES = ("e2e1", "latency", "ceiling", "extract", "e2e2")


# --------------------------------------------------------------------------- context


class Bench:
    def __init__(
        self,
        args: argparse.Namespace,
        bootstrap: str,
        workdir: Path,
        broker_pid: int | None = None,
    ) -> None:
        self.args = args
        self.bootstrap = bootstrap
        self.broker_pid = broker_pid  # None: a broker this run did not start
        self.workdir = workdir
        self.tag = uuid.uuid4().hex[:6]
        self.dataset = Dataset(long_every=args.long_every)
        self.worker_env = dict(kv.split("=", 1) for kv in args.env)
        self.deadline = time.monotonic() + args.max_minutes * 60
        self.cleanup = Cleanup()

    def settings(self, name: str) -> Settings:
        return Settings(
            kafka_bootstrap=self.bootstrap,
            topic_prefix=f"bench.{self.tag}.{name}.",
            app_id=f"bench-{self.tag}-{name}",
            state_dir=self.workdir / "state",
            topic_partitions=self.args.partitions,
        )

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise StepTimeout(f"the benchmark ran past --max-minutes={self.args.max_minutes}")

    def start_workers(self, settings: Settings, count: int, name: str) -> list[Worker]:
        ensure(settings)
        workers: list[Worker] = []
        self.cleanup.push(f"workers {name}", lambda: stop_workers(workers))
        for i in range(count):
            workers.append(
                Worker(settings, f"{self.tag}-{name}-w{i}", self.workdir, self.worker_env)
            )
        t0 = time.monotonic()
        wait_assigned(
            workers,
            T.topic_name(settings, T.ARTICLES),
            settings.topic_partitions,
            timeout=self.args.step_timeout,
        )
        pids = ", ".join(str(w.pid) for w in workers)
        say(f"  {count} worker(s) (pid {pids}) ready and assigned in {time.monotonic() - t0:.1f}s")
        return workers

    def stop(self, workers: list[Worker]) -> None:
        stop_workers(workers)


# --------------------------------------------------------------------------- phases


def throughput_phase(b: Bench, settings: Settings, workers: list[Worker], items: list[Item]):
    ledger_topic = T.topic_name(settings, T.LEDGER)
    n = len(items)
    cpu0 = [w.cpu_seconds() for w in workers]
    others0 = _other_cpu(b)
    groups = {"workers": [w.pid for w in workers], "client": [os.getpid()]}
    if b.broker_pid is not None:
        groups["broker"] = [b.broker_pid]
    with CpuSampler(groups) as sampler:
        say(f"  publishing {n:,} articles")
        t_pub0, t_pub1, _ = publish(settings, items)
        pub_rate = n / max(t_pub1 - t_pub0, 1e-6)
        say(f"  published in {t_pub1 - t_pub0:.1f}s ({pub_rate:,.0f}/s); waiting for the ledger")
        t_done = wait_for_count(
            settings, ledger_topic, n, b.args.step_timeout, workers, label=f"{len(workers)}w"
        )
    # While the backlog drains (publisher done, ledger not yet complete): are the cores full?
    drain_cores = sampler.cores(t_pub1, t_done)
    say(f"  ledger complete after {t_done - t_pub0:.1f}s; waiting for the tables to settle")
    wait_settled(
        settings,
        [T.topic_name(settings, t) for t in (*EVENT_TOPICS, *TABLE_TOPICS)],
        quiet=b.args.settle,
        timeout=b.args.step_timeout,
    )
    # CPU and RSS include the table agents' work, which ends after the ledger.
    cpu1 = [w.cpu_seconds() for w in workers]
    others1 = _other_cpu(b)
    rss = [w.peak_rss_mib() for w in workers]
    keys = {it.key for it in items}
    ledger = [r for r in read_all(settings, ledger_topic) if r.key in keys]
    ts = sorted(r.ts for r in ledger)
    dlq = sum(1 for r in ledger if r.value and orjson.loads(r.value).get("outcome") == "dlq")
    pub_end_ms = t_pub1 * 1000
    after = [t for t in ts if t > pub_end_ms]
    full_rate = (len(ts) - 1) / max((ts[-1] - ts[0]) / 1000, 1e-3)
    event_recs = {t: read_all(settings, T.topic_name(settings, t)) for t in EVENT_TOPICS}
    events = sum(len(v) for v in event_recs.values())
    # How evenly the table work can spread over workers: a partition's events go to one.
    by_partition = {
        t: [sum(1 for r in recs if r.partition == p) for p in range(settings.topic_partitions)]
        for t, recs in event_recs.items()
    }
    table_recs = {t: read_all(settings, T.topic_name(settings, t)) for t in TABLE_TOPICS}
    table_counts = {t: len(v) for t, v in table_recs.items()}
    tables = sum(table_counts.values())
    # End to end means "tables updated": the phase ends at the last ledger or table record.
    last_ms = max([ts[-1], *(r.ts for recs in table_recs.values() for r in recs)])
    wall = last_ms / 1000 - t_pub0
    if len(after) >= max(0.25 * n, 2):
        ledger_rate = len(after) / max((ts[-1] - pub_end_ms) / 1000, 1e-3)
        rate = len(after) / max((last_ms - pub_end_ms) / 1000, 1e-3)
        method = "drain after publish"
    else:
        ledger_rate = full_rate
        rate = (len(ts) - 1) / max((last_ms - ts[0]) / 1000, 1e-3)
        method = "first ledger record to last output (kept up with the publisher)"
    cpu = sum(c1 - c0 for c0, c1 in zip(cpu0, cpu1, strict=True))
    out = {
        "workers": len(workers),
        "articles": n,
        "ledger_records": len(ledger),
        "dlq": dlq,
        "publish_per_s": round(pub_rate, 1),
        "articles_per_s": round(rate, 1),
        "articles_per_s_ledger_only": round(ledger_rate, 1),
        "articles_per_s_full_window": round(full_rate, 1),
        "tables_lag_s": round((last_ms - ts[-1]) / 1000, 2),
        "method": method,
        "events": events,
        "events_per_article": round(events / n, 3),
        "events_by_partition": by_partition,
        "events_per_s": round(rate * events / n, 1),
        "table_rows": tables if tables else None,
        "table_rows_by_topic": table_counts,
        "table_rows_per_s": round(rate * tables / n, 1) if tables else None,
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_article": round(1000 * cpu / n, 3),
        "cpu_utilisation": round(cpu / max(wall, 1e-3), 2),
        # What else the machine's cores did meanwhile (the broker: None if not ours).
        "broker_cpu_s": _spent(others0[0], others1[0]),
        "drain_cores": drain_cores,
        "client_cpu_s": _spent(others0[1], others1[1]),
        "wall_s": round(wall, 2),
        "peak_rss_mib": max((r for r in rss if r is not None), default=None),
        "peak_rss_mib_each": rss,
    }
    if dlq:
        say(f"  WARNING: {dlq} of {n} articles were dead-lettered (is the extractor broken?)")
    say(
        f"  {len(workers)} worker(s): {rate:,.0f} articles/s to the last output "
        f"({ledger_rate:,.0f}/s to the ledger; {method}), "
        f"{events:,} events, {tables or 'n/a'} table rows, cpu {cpu:.1f}s, "
        f"rss {out['peak_rss_mib']} MiB"
    )
    return out


def _other_cpu(b: Bench) -> tuple[float | None, float]:
    """CPU seconds so far of the broker (if this run started it) and of this process (the
    publisher and the measuring consumers)."""
    broker = None
    if b.broker_pid is not None:
        with contextlib.suppress(OSError, ValueError):
            broker = proc_cpu_seconds(b.broker_pid)
    return broker, time.process_time()


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def latency_phase(b: Bench, settings: Settings, workers: list[Worker], max_rate: float, tag: str):
    rate = max(20.0, 0.5 * max_rate)
    duration = b.args.latency_seconds
    items = b.dataset.make(int(rate * duration) + 1, tag)
    ledger_topic = T.topic_name(settings, T.LEDGER)
    base = len(read_all(settings, ledger_topic))
    say(f"  latency: {len(items):,} articles at {rate:,.0f}/s for {duration:.0f}s")
    t0 = time.time()
    sent = publish_paced(settings, items, rate, stop_at=time.monotonic() + duration + 30)
    t1 = time.time()
    wait_for_count(
        settings, ledger_topic, base + len(sent), b.args.step_timeout, workers, label="latency"
    )
    wait_settled(
        settings,
        [T.topic_name(settings, t) for t in (*EVENT_TOPICS, *TABLE_TOPICS)],
        quiet=b.args.settle,
        timeout=b.args.step_timeout,
    )
    warm_ms = t0 * 1000 + 1000 * min(b.args.warmup, duration / 4)
    ok_keys = {k for k, ts in sent.items() if ts >= warm_ms}

    ledger_lat = [r.ts - sent[r.key] for r in read_all(settings, ledger_topic) if r.key in ok_keys]
    event_sent: dict[str, int] = {}
    event_lat: list[float] = []
    for t in EVENT_TOPICS:
        for r in read_all(settings, T.topic_name(settings, t)):
            aid = r.headers.get("article_id")
            if aid in sent:
                eid = r.headers.get("event_id")
                if eid:
                    event_sent[eid.decode()] = sent[aid]
                if aid in ok_keys:
                    event_lat.append(r.ts - sent[aid])
    article_sent = {k.decode(): v for k, v in sent.items()}
    table_lat: list[float] = []
    for t in TABLE_TOPICS:
        for r in read_all(settings, T.topic_name(settings, t)):
            if r.ts < warm_ms:
                continue
            cause = r.headers.get(EVENT_ID_HEADER)
            if cause is not None:  # the worker names the event behind each row change
                started = event_sent.get(cause.decode("utf-8", "replace"))
                if started is not None and started <= r.ts:
                    table_lat.append(r.ts - started)
                continue
            # Older workers: the row was emitted because of the newest event it reflects.
            refs: set[str] = {v.decode("utf-8", "replace") for v in r.headers.values()}
            if r.value:
                with contextlib.suppress(orjson.JSONDecodeError):
                    json_strings(orjson.loads(r.value), refs)
            cands = [event_sent[s] for s in refs if s in event_sent]
            cands += [article_sent[s] for s in refs if s in article_sent]
            cands = [c for c in cands if c <= r.ts]
            if cands:
                table_lat.append(r.ts - max(cands))
    out = {
        "offered_per_s": round(rate, 1),
        "achieved_per_s": round(len(sent) / max(t1 - t0, 1e-3), 1),
        "articles": len(sent),
        "ledger_ms": pcts(ledger_lat),
        "event_ms": pcts(event_lat),
        "table_ms": pcts(table_lat) if table_lat else None,
    }
    say(
        f"  latency p50/p95/p99 ms: ledger {_fmt_p(out['ledger_ms'])}, "
        f"event {_fmt_p(out['event_ms'])}, table {_fmt_p(out['table_ms'])}"
    )
    return out


def _fmt_p(p: dict[str, Any] | None) -> str:
    if not p or not p.get("n"):
        return "n/a"
    return "/".join(f"{p[k]:.0f}" for k in ("p50", "p95", "p99"))


def client_ceiling(b: Bench, settings: Settings) -> dict[str, Any]:
    from kafka import TopicPartition

    from pipeline.broker.clients import make_consumer

    topic = T.topic_name(settings, T.ARTICLES)
    consumer = make_consumer(settings)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        total = int(sum(consumer.end_offsets(tps).values()))
        count = 0
        nbytes = 0
        deadline = time.monotonic() + b.args.step_timeout
        t0 = time.perf_counter()
        while count < total:
            if time.monotonic() > deadline:
                raise StepTimeout(f"client ceiling read {count}/{total}")
            for msgs in consumer.poll(timeout_ms=500).values():
                count += len(msgs)
                for m in msgs:
                    nbytes += len(m.value or b"")
        elapsed = time.perf_counter() - t0
    finally:
        consumer.close()
    rate = count / max(elapsed, 1e-6)
    say(f"  client ceiling: {count:,} records in {elapsed:.2f}s = {rate:,.0f}/s")
    return {
        "records": count,
        "seconds": round(elapsed, 3),
        "articles_per_s": round(rate, 1),
        "mb_per_s": round(nbytes / max(elapsed, 1e-6) / 1e6, 2),
    }


def extractor_alone(b: Bench, items: list[Item]) -> dict[str, Any]:
    from pipeline.extract import extract
    from pipeline.normalize import normalize
    from schemas import Article

    articles = [Article.model_validate(orjson.loads(it.value)) for it in items]
    limit = b.args.step_timeout

    def timed(fn: Any, seq: list[Any]) -> tuple[int, float, int]:
        deadline = time.monotonic() + limit
        produced = 0
        t0 = time.perf_counter()
        done = 0
        for x in seq:
            produced += fn(x)
            done += 1
            if done % 256 == 0 and time.monotonic() > deadline:
                break
        return done, time.perf_counter() - t0, produced

    for a in articles[:50]:  # load lexicons and compile patterns before timing
        extract(a)
    done, secs, events = timed(lambda a: len(extract(a)), articles)
    now = datetime.now(UTC)
    ndone, nsecs, _ = timed(
        lambda it: len(
            normalize(it.value, extractor=extract, received_at=now, max_bytes=1_000_000).records
        ),
        items,
    )
    out = {
        "articles": done,
        "articles_per_s": round(done / max(secs, 1e-9), 1),
        "events_per_article": round(events / max(done, 1), 3),
        "normalize_articles_per_s": round(ndone / max(nsecs, 1e-9), 1),
    }
    say(
        f"  extractor alone: {out['articles_per_s']:,.0f} articles/s "
        f"({out['events_per_article']} events/article); "
        f"normalize(): {out['normalize_articles_per_s']:,.0f}/s"
    )
    return out


def one_run(b: Bench, r: int, phases: set[str]) -> dict[str, Any]:
    n = b.args.articles
    tag = f"{b.tag}r{r}"
    items = b.dataset.make(n, tag)
    res: dict[str, Any] = {}
    s1 = b.settings(f"r{r}w1")
    if phases & {"e2e1", "latency", "ceiling"}:
        say(f"run {r + 1}: one worker")
        workers = b.start_workers(s1, 1, f"r{r}w1")
        try:
            res["e2e1"] = throughput_phase(b, s1, workers, items)
            b.check_time()
            if "latency" in phases:
                res["latency"] = latency_phase(
                    b, s1, workers, res["e2e1"]["articles_per_s"], tag + "L"
                )
        finally:
            b.stop(workers)
        b.check_time()
    if "ceiling" in phases:
        say(f"run {r + 1}: client ceiling")
        res["ceiling"] = client_ceiling(b, s1)
        b.check_time()
    if "extract" in phases:
        say(f"run {r + 1}: extractor alone")
        res["extract"] = extractor_alone(b, items)
        b.check_time()
    if "e2e2" in phases:
        say(f"run {r + 1}: two workers")
        s2 = b.settings(f"r{r}w2")
        workers = b.start_workers(s2, 2, f"r{r}w2")
        try:
            res["e2e2"] = throughput_phase(b, s2, workers, items)
        finally:
            b.stop(workers)
        b.check_time()
    return res


# --------------------------------------------------------------------------- summary


def _get(d: dict[str, Any], path: str) -> Any:
    cur: Any = d
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


METRICS = [
    "e2e1.articles_per_s",
    "e2e1.articles_per_s_ledger_only",
    "e2e1.tables_lag_s",
    "e2e1.events_per_s",
    "e2e1.table_rows_per_s",
    "e2e1.publish_per_s",
    "e2e1.cpu_ms_per_article",
    "e2e1.cpu_utilisation",
    "e2e1.peak_rss_mib",
    "e2e1.events_per_article",
    "e2e2.articles_per_s",
    "e2e2.articles_per_s_ledger_only",
    "e2e2.tables_lag_s",
    "e2e2.events_per_s",
    "e2e2.table_rows_per_s",
    "e2e2.cpu_ms_per_article",
    "e2e2.cpu_utilisation",
    "e2e2.peak_rss_mib",
    *[
        f"{e}.{m}"
        for e in ("e2e1", "e2e2")
        for m in ("cpu_s", "broker_cpu_s", "client_cpu_s", "wall_s")
    ],
    *[f"{e}.drain_cores.{g}" for e in ("e2e1", "e2e2") for g in ("workers", "broker", "client")],
    "ceiling.articles_per_s",
    "ceiling.mb_per_s",
    "extract.articles_per_s",
    "extract.normalize_articles_per_s",
    "extract.events_per_article",
    "latency.offered_per_s",
    "latency.achieved_per_s",
    *[f"latency.{s}_ms.{p}" for s in ("ledger", "event", "table") for p in ("p50", "p95", "p99")],
]


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    med = {m: median_of([_get(r, m) for r in runs]) for m in METRICS}

    def ratio(a: str, bb: str) -> float | None:
        x, y = med.get(a), med.get(bb)
        return round(x / y, 3) if x and y else None

    med["ratio.e2e1_over_extract"] = ratio("e2e1.articles_per_s", "extract.articles_per_s")
    med["ratio.e2e1_over_normalize"] = ratio(
        "e2e1.articles_per_s", "extract.normalize_articles_per_s"
    )
    med["ratio.e2e1_over_ceiling"] = ratio("e2e1.articles_per_s", "ceiling.articles_per_s")
    med["ratio.e2e2_over_e2e1"] = ratio("e2e2.articles_per_s", "e2e1.articles_per_s")
    return med


def targets(med: dict[str, Any]) -> list[dict[str, Any]]:
    def row(name: str, value: Any, goal: str, ok: bool | None, fmt: str) -> dict[str, Any]:
        shown = "n/a" if value is None else fmt.format(value)
        return {"target": name, "value": shown, "goal": goal, "met": ok}

    def cmp(v: Any, fn: Any) -> bool | None:
        return None if v is None else bool(fn(v))

    e1 = med.get("e2e1.articles_per_s")
    rx = med.get("ratio.e2e1_over_extract")
    p99 = med.get("latency.table_ms.p99")
    r2 = med.get("ratio.e2e2_over_e2e1")
    return [
        row("one worker, articles/s", e1, ">= 2,500", cmp(e1, lambda v: v >= 2500), "{:,.0f}"),
        row("one worker / extractor alone", rx, ">= 0.60", cmp(rx, lambda v: v >= 0.6), "{:.2f}"),
        row("p99 publish -> table row, ms", p99, "< 250", cmp(p99, lambda v: v < 250), "{:.0f}"),
        row("two workers / one worker", r2, ">= 1.6", cmp(r2, lambda v: v >= 1.6), "{:.2f}"),
    ]


# --------------------------------------------------------------------------- main


def start_broker(
    args: argparse.Namespace, workdir: Path, cleanup: Cleanup
) -> tuple[str, int | None]:
    """A private single-node broker on free loopback ports; stopped by `cleanup`.

    Other test sessions start brokers on this host too: a port taken between the check and
    the bind is retried on another block."""
    import random

    from pipeline.broker.local import BrokerError, LocalKafka, free_port_block

    for attempt in range(3):
        kafka = LocalKafka(
            kafka_home=PROJECT_ROOT / "infra" / "kafka",
            state_dir=workdir / f"kafka-{attempt}",
            base_port=free_port_block(2, start=20092 + 2 * random.randrange(0, 1000)),
            heap=Settings().local_kafka_heap,
        )
        cleanup.push("broker", kafka.stop)
        t0 = time.monotonic()
        try:
            bootstrap = kafka.start(timeout=min(120.0, args.step_timeout))
        except BrokerError as exc:
            kafka.stop()
            if "Address already in use" not in str(exc) or attempt == 2:
                raise
            say(f"broker port {kafka.base_port} was taken meanwhile; trying another")
            continue
        say(f"broker on {bootstrap} ({time.monotonic() - t0:.1f}s)")
        return bootstrap, kafka.node_pid(kafka.ports()[0].node_id)
    raise AssertionError("unreachable")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--articles", type=int, default=20_000, help="articles per run")
    p.add_argument("--runs", type=int, default=3, help="runs; figures are their median")
    p.add_argument("--long-every", type=int, default=50, help="a full-length seed every N items")
    p.add_argument("--partitions", type=int, default=4, help="partitions per topic")
    p.add_argument("--latency-seconds", type=float, default=15.0, help="paced-load duration")
    p.add_argument("--warmup", type=float, default=2.0, help="latency samples skipped (s)")
    p.add_argument("--settle", type=float, default=2.0, help="quiet time before reading tables")
    p.add_argument("--step-timeout", type=float, default=300.0, help="limit per step (s)")
    p.add_argument("--max-minutes", type=float, default=45.0, help="limit for the whole run")
    p.add_argument("--phases", default=",".join(PHASES), help=f"comma list of {','.join(PHASES)}")
    p.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="worker env (tuning)"
    )
    p.add_argument("--bootstrap", help="use this broker instead of starting one")
    p.add_argument(
        "--out-dir", type=Path, help="where benchmarks.md/.png go (default benchmarks/results/)"
    )
    p.add_argument("--json", type=Path, help="where the raw results go")
    p.add_argument("--no-docs", action="store_true", help="do not write the .md and .png")
    p.add_argument("--smoke", action="store_true", help="tiny run for the test suite (~30 s)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (worker logs)")
    args = p.parse_args(argv)
    if args.smoke:
        args.articles = min(args.articles, 300)
        args.runs = 1
        args.latency_seconds = min(args.latency_seconds, 3.0)
        args.warmup = 0.5
        args.settle = 1.0
        # Generous limits: on a contended machine two workers once took over 60 s to share
        # the partitions (a CI-like run failed on it); the smoke checks that it works.
        args.step_timeout = min(args.step_timeout, 150.0)
        args.max_minutes = min(args.max_minutes, 6.0)
        if args.out_dir is None:  # never overwrite the results with smoke figures
            args.out_dir = Path(tempfile.gettempdir()) / "frontline-bench-smoke"
    for kv in args.env:
        if "=" not in kv:
            p.error(f"--env wants KEY=VALUE, got {kv!r}")
    return args


def command_line(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return " ".join(["python", "benchmarks/run.py", *args])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    unknown = phases - set(PHASES)
    if unknown:
        print(f"unknown phases: {sorted(unknown)}", file=sys.stderr)
        return 2

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)

    started = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="frontline-bench-"))
    cleanup = Cleanup()
    if not args.keep:
        cleanup.push("temp dir", lambda: shutil.rmtree(workdir, ignore_errors=True))
    machine = machine_info()
    say(
        f"machine: {machine['cores']} cores, {machine['memory_gib']} GiB, {machine['cpu_model']}; "
        f"load {machine['loadavg_at_start']}"
    )
    runs: list[dict[str, Any]] = []
    try:
        bootstrap, broker_pid = (
            (args.bootstrap, None) if args.bootstrap else start_broker(args, workdir, cleanup)
        )
        b = Bench(args, bootstrap, workdir, broker_pid)
        cleanup.push("bench", b.cleanup.run)
        for r in range(args.runs):
            say(f"=== run {r + 1}/{args.runs} ({args.articles:,} articles) ===")
            runs.append(one_run(b, r, phases))
    except KeyboardInterrupt:
        say("interrupted; stopping everything")
        cleanup.run()
        return 130
    except Exception:
        say("failed; stopping everything")
        if args.keep:
            say(f"logs kept in {workdir}")
        cleanup.run()
        raise
    finally:
        with contextlib.suppress(Exception):
            cleanup.run()

    med = summarise(runs)
    result = {
        "command": command_line(argv),
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": machine,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "runs": runs,
        "median": med,
        "targets": targets(med),
    }
    from report import print_summary, write_docs

    json_path = args.json or (
        (args.out_dir / "benchmarks.json") if args.out_dir else RESULTS_DIR / "latest.json"
    )
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    if not args.no_docs:
        out_dir = args.out_dir or RESULTS_DIR
        write_docs(result, out_dir)
        say(f"wrote {out_dir / 'benchmarks.md'} and {out_dir / 'benchmarks.png'}")
    say(f"raw results: {json_path}")
    print_summary(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

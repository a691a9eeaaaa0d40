"""Benchmark machinery: data, a private broker, worker subprocesses, and the measurements.

Everything here is started by the benchmark and stopped by it (see `Cleanup`). Nothing is
shared with a developer's own broker: free loopback ports, a temporary state dir, and a
unique topic prefix / app id per phase.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from kafka import TopicPartition
from pydantic import ValidationError

from pipeline import topics as T
from pipeline.broker.clients import ensure_topics, make_consumer, make_producer
from pipeline.client import prepare_article
from pipeline.config import PROJECT_ROOT, Settings, settings_env
from pipeline.inputs import adapt_record

CORPUS = PROJECT_ROOT.parent / "shared" / "data" / "wcep" / "wcep-afghanistan-corpus.jsonl"
SEEDS = PROJECT_ROOT / "examples" / "seeds.articles.jsonl"
TABLE_TOPICS = (T.TABLES_CONTROL, T.TABLES_WITHDRAWALS, T.TABLES_CLAIMS, T.TABLES_ACTIVITY)
EVENT_TOPICS = (T.EVENTS_WITHDRAWAL, T.EVENTS_CONTROL)


class StepTimeout(RuntimeError):
    """A benchmark step did not finish within its time limit."""


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- machine


def write_results(
    path: Path,
    script: str,
    argv: list[str] | None,
    fields: dict[str, Any],
    *,
    date: datetime | None = None,
) -> None:
    """A results file: the command that made it (`argv` None: this process's), when, on
    which machine, then `fields`."""
    given = sys.argv[1:] if argv is None else argv
    data = {
        "command": " ".join([f"python benchmarks/{script}", *given]),
        "date": (date or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        **fields,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    say(f"wrote {path}")


def machine_info() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gib = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    kafka = "unknown"
    libs = PROJECT_ROOT / "infra" / "kafka" / "libs"
    for jar in sorted(libs.glob("kafka_2.13-*.jar")):
        if "-test" not in jar.name and "-sources" not in jar.name:
            kafka = jar.name.removeprefix("kafka_2.13-").removesuffix(".jar")
    versions = {}
    for mod in ("faust", "aiokafka", "kafka"):
        with contextlib.suppress(Exception):
            versions[mod] = __import__(mod).__version__
    return {
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "cpu_model": model,
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "kafka": kafka,
        "libraries": versions,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Item:
    key: bytes
    value: bytes
    long: bool


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                out.append(adapt_record(orjson.loads(line)))
    return out


class Dataset:
    """The corpus (short items) cycled, with a full-length seed every `long_every` items."""

    def __init__(self, corpus: Path = CORPUS, seeds: Path = SEEDS, long_every: int = 50) -> None:
        self.short = _read_jsonl(corpus)
        self.long = _read_jsonl(seeds)
        self.long_every = long_every

    def make(self, n: int, tag: str) -> list[Item]:
        items: list[Item] = []
        i = 0
        while len(items) < n:
            is_long = bool(self.long and self.long_every and i % self.long_every == 0)
            pool = self.long if is_long else self.short
            base = dict(pool[i % len(pool)])
            base["id"] = f"{tag}-{i:07d}"
            i += 1
            try:
                key, value = prepare_article(base)
            except ValidationError:
                continue  # a corpus line that is not a valid article (none expected)
            items.append(Item(key.encode(), value, is_long))
        return items


# --------------------------------------------------------------------------- broker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- processes


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (0.0 once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class CpuSampler:
    """CPU seconds of groups of processes, sampled by a thread every `every` seconds, so
    that a phase's parts can be told apart (e.g. how many cores were busy while a backlog
    drained, after the publisher stopped)."""

    def __init__(self, groups: dict[str, list[int]], every: float = 0.2) -> None:
        self._groups = groups
        self._every = every
        self._samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def _sample(self) -> None:
        cpu = {g: sum(proc_cpu_seconds(p) for p in pids) for g, pids in self._groups.items()}
        self._samples.append((time.time(), cpu))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self._every)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def cores(self, t0: float, t1: float) -> dict[str, float] | None:
        """Cores each group kept busy between two `time.time()` instants (the samples
        nearest inside them); None if under a second apart or not sampled."""
        inside = [s for s in self._samples if t0 <= s[0] <= t1]
        if len(inside) < 2 or inside[-1][0] - inside[0][0] < 1.0:
            return None
        (a, first), (b, last) = inside[0], inside[-1]
        return {g: round((last[g] - first[g]) / (b - a), 2) for g in self._groups}


def proc_status_kib(pid: int, name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_by_mapping_kib(pid: int) -> dict[str, int]:
    """Resident KiB by kind of mapping (/proc/PID/smaps): the brk heap, anonymous mappings
    (malloc arenas, pymalloc arenas, thread stacks), shared libraries, other files; plus the
    thread count. Tells growth the allocator keeps from growth in mapped files."""
    out = {"heap": 0, "anon": 0, "libs": 0, "files": 0, "other": 0, "threads": 0}
    kind = "other"
    try:
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            head, _, rest = line.partition(" ")
            if "-" in head and not head.endswith(":"):
                fields = line.split(maxsplit=5)
                path = fields[5].strip() if len(fields) > 5 else ""
                if path == "[heap]":
                    kind = "heap"
                elif not path:
                    kind = "anon"
                elif path.startswith("/"):
                    kind = "libs" if ".so" in path else "files"
                else:
                    kind = "other"
            elif head == "Rss:":
                out[kind] += int(rest.split()[0])
        out["threads"] = proc_status_kib(pid, "Threads") or 0
    except OSError:
        pass
    return out


def format_rss_by_mapping(kib: dict[str, int]) -> str:
    parts = [f"{k} {v / 1024:.1f}" for k, v in kib.items() if k != "threads"]
    return f"RSS by mapping (MiB): {', '.join(parts)}; threads {kib.get('threads', 0)}"


class Worker:
    """A `frontline worker` subprocess with its own web port and data dir."""

    def __init__(self, settings: Settings, name: str, workdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.datadir = workdir / name
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{name}.log"
        child_env = {
            **os.environ,
            **settings_env(settings),
            **env,
            "FRONTLINE_WEB_PORT": str(self.port),
            "FRONTLINE_WORKER_DATADIR": str(self.datadir),
            "PYTHONUNBUFFERED": "1",
        }
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker", "-l", "warn"],
            env=child_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
            start_new_session=True,  # we stop it ourselves, in order, even on Ctrl-C
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def health(self) -> dict[str, Any] | None:
        try:
            url = f"http://127.0.0.1:{self.port}/health"
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return dict(orjson.loads(resp.read()))
        except (OSError, ValueError):
            return None
        return None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def peak_rss_mib(self) -> float | None:
        kib = proc_status_kib(self.pid, "VmHWM")
        return None if kib is None else round(kib / 1024, 1)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def wait_assigned(workers: list[Worker], articles_topic: str, partitions: int, timeout: float):
    """Until every worker answers /health and the articles partitions are all assigned,
    each worker holding at least one (so no rebalance happens mid-measurement)."""
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while time.monotonic() < deadline:
        for w in workers:
            w.check_alive()
        owned = [_owned(w, articles_topic) for w in workers]
        union = set().union(*owned)
        if len(union) == partitions and all(owned):
            # Stable for a moment: a second check after a short pause.
            time.sleep(1.0)
            again = [_owned(w, articles_topic) for w in workers]
            if again == owned:
                return
        if time.monotonic() - last_report > 10:
            say(f"  waiting for {len(workers)} worker(s) to be assigned {articles_topic} ...")
            last_report = time.monotonic()
        time.sleep(0.5)
    logs = "\n".join(w.log_tail(1500) for w in workers)
    raise StepTimeout(f"workers not assigned within {timeout:.0f}s:\n{logs}")


def _owned(worker: Worker, topic: str) -> set[str]:
    assigned = (worker.health() or {}).get("assigned", [])
    return {a for a in assigned if a.rsplit(":", 1)[0] == topic}


# --------------------------------------------------------------------------- kafka helpers


def topic_end_total(consumer: Any, topic: str) -> int:
    parts = consumer.partitions_for_topic(topic) or set()
    if not parts:
        return 0
    tps = [TopicPartition(topic, p) for p in parts]
    return int(sum(consumer.end_offsets(tps).values()))


@dataclass
class Rec:
    topic: str
    ts: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    partition: int


def read_all(settings: Settings, topic: str, timeout: float = 60.0) -> list[Rec]:
    """Every record of `topic` up to its end offsets now."""
    consumer = make_consumer(settings, max_partition_fetch_bytes=8 * 1024 * 1024)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if end[tp] > 0}
        out: list[Rec] = []
        deadline = time.monotonic() + timeout
        while remaining:
            if time.monotonic() > deadline:
                raise StepTimeout(f"reading {topic} did not finish in {timeout:.0f}s")
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            for tp, msgs in batch.items():
                for m in msgs:
                    if m.offset < end[tp]:
                        out.append(
                            Rec(
                                topic,
                                m.timestamp,
                                m.key,
                                m.value,
                                dict(m.headers or []),
                                tp.partition,
                            )
                        )
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        return out
    finally:
        consumer.close()


def publish(
    settings: Settings, items: Iterable[Item], *, progress_every: int = 0
) -> tuple[float, float, int]:
    """Send keyed articles as fast as the production publisher goes; (t0, t1, count), epoch s."""
    producer = make_producer(settings, batch_size=256 * 1024, linger_ms=5)
    topic = T.topic_name(settings, T.ARTICLES)
    errors: list[Exception] = []
    count = 0
    t0 = time.time()
    try:
        for item in items:
            producer.send(topic, key=item.key, value=item.value).add_errback(errors.append)
            count += 1
            if progress_every and count % progress_every == 0:
                say(f"  published {count:,}")
        producer.flush(timeout=120)
    finally:
        producer.close(timeout=10)
    t1 = time.time()
    if errors:
        raise RuntimeError(f"{len(errors)} publish errors, first: {errors[0]!r}")
    return t0, t1, count


def publish_paced(
    settings: Settings, items: list[Item], rate: float, stop_at: float
) -> dict[bytes, int]:
    """Send at a steady `rate` per second; returns article key -> send timestamp (ms).

    The timestamp is also the record's CreateTime, so it is what the broker stores."""
    producer = make_producer(settings)
    topic = T.topic_name(settings, T.ARTICLES)
    sent: dict[bytes, int] = {}
    errors: list[Exception] = []
    interval = 1.0 / rate
    start = time.monotonic()
    i = 0
    try:
        while i < len(items) and time.monotonic() < stop_at:
            due = int((time.monotonic() - start) / interval) + 1
            while i < min(due, len(items)):
                ts = int(time.time() * 1000)
                item = items[i]
                producer.send(topic, key=item.key, value=item.value, timestamp_ms=ts).add_errback(
                    errors.append
                )
                sent[item.key] = ts
                i += 1
            next_t = start + i * interval
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(min(delay, 0.005))
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    if errors:
        raise RuntimeError(f"{len(errors)} publish errors, first: {errors[0]!r}")
    return sent


def wait_for_count(
    settings: Settings,
    topic: str,
    target: int,
    timeout: float,
    workers: list[Worker] | None = None,
    label: str = "",
) -> float:
    """Until `topic` holds `target` records; returns when it did (epoch seconds)."""
    consumer = make_consumer(settings)
    try:
        deadline = time.monotonic() + timeout
        last = (time.monotonic(), 0)
        while True:
            n = topic_end_total(consumer, topic)
            if n >= target:
                return time.time()
            now = time.monotonic()
            if now > deadline:
                raise StepTimeout(f"{label}: {topic} reached {n}/{target} in {timeout:.0f}s")
            for w in workers or []:
                w.check_alive()
            if now - last[0] >= 5:
                rate = (n - last[1]) / (now - last[0])
                say(f"  {label}: {n:,}/{target:,} ledger records ({rate:,.0f}/s)")
                last = (now, n)
            time.sleep(0.2)
    finally:
        consumer.close()


def wait_settled(settings: Settings, topics: list[str], quiet: float, timeout: float) -> None:
    """Until none of `topics` grows for `quiet` seconds (tables flush on their own schedule)."""
    consumer = make_consumer(settings)
    try:
        deadline = time.monotonic() + timeout
        prev = None
        since = time.monotonic()
        while time.monotonic() < deadline:
            cur = [topic_end_total(consumer, t) for t in topics]
            if cur != prev:
                prev, since = cur, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.25)
    finally:
        consumer.close()


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return float(s[k])


def pcts(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else None,
        "n": len(values),
    }


def median_of(values: list[Any]) -> Any:
    vals = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not vals:
        return None
    return statistics.median(vals)


def json_strings(value: Any, out: set[str]) -> None:
    """All string values (and dict keys) in parsed JSON."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            out.update(k for k in v if isinstance(k, str))
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


@dataclass
class Cleanup:
    """Things to stop, in reverse order, however the benchmark ends."""

    actions: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def push(self, name: str, fn: Callable[[], None]) -> None:
        self.actions.append((name, fn))

    def remove(self, fn: Callable[[], None]) -> None:
        self.actions = [(n, f) for n, f in self.actions if f is not fn]

    def run(self) -> None:
        while self.actions:
            name, fn = self.actions.pop()
            try:
                fn()
            except Exception as exc:  # keep stopping the rest
                say(f"cleanup of {name} failed: {exc!r}")


def stop_workers(workers: list[Worker]) -> None:
    for w in workers:
        w.stop()


def ensure(settings: Settings) -> None:
    ensure_topics(settings)

"""Faults on the real broker: a killed worker, a restarted broker. Nothing may be lost."""

from __future__ import annotations

import signal
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline import topics as T
from pipeline.broker.local import LocalKafka, free_port_block
from pipeline.cli.audit_cmd import run_audit
from pipeline.client import FrontlineClient
from pipeline.config import PROJECT_ROOT, Settings
from pipeline.faust_fixes.delivery import EXIT_UNDELIVERED
from pipeline.inputs import iter_path
from pipeline.ops.watchdog import EXIT_STALLED
from schemas.common import Place
from tests.conftest import SHARED, WorkerProcess, _free_port, describe_workers

pytestmark = pytest.mark.integration

CORPUS = SHARED / "data" / "wcep" / "wcep-afghanistan-corpus.jsonl"


def corpus_items(n: int) -> list[dict[str, object]]:
    base = [i for i in iter_path(str(CORPUS)) if i.data]
    out = []
    for k in range(n):
        item = base[k % len(base)]
        data = dict(item.data or {})
        data["id"] = f"fault-{k}"
        out.append(data)
    return out


def ledger_count(client: FrontlineClient) -> int:
    return len({(r.partition, r.offset) for r in client.stream("ledger")})


def ledger_articles(client: FrontlineClient) -> int:
    """Distinct articles the ledger accounts for (replays counted once)."""
    return len({r.value["article_id"] for r in client.stream("ledger") if r.value})


def wait_ledger(client: FrontlineClient, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ledger_articles(client) >= n:
            return
        time.sleep(0.5)
    raise AssertionError(f"ledger did not reach {n} articles in {timeout}s\n{describe_workers()}")


def wait_mid_stream(client: FrontlineClient, n: int, timeout: float = 120) -> None:
    """Until the ledger holds `n` records: the worker is well into the stream (a fault is
    injected next, whether or not it got there in time; the test's own asserts say so)."""
    deadline = time.monotonic() + timeout
    while ledger_count(client) < n and time.monotonic() < deadline:
        time.sleep(0.1)


def broker_settings(kafka: LocalKafka, tmp_path: Path, app_id: str, **overrides: Any) -> Settings:
    """Settings for a test that runs its own broker(s)."""
    base: dict[str, Any] = {
        "kafka_bootstrap": kafka.bootstrap,
        "app_id": app_id,
        "state_dir": tmp_path / "state",
        "web_port": _free_port(),
        "topic_partitions": 2,
        "store": "memory://",
    }
    return Settings(**{**base, **overrides})


STALL_SECONDS = 45.0


def wait_with_restarts(
    done: Callable[[], bool],
    progress: Callable[[], object],
    restart: Callable[[], None],
    timeout: float,
    exited: Callable[[], bool] = lambda: False,
) -> int:
    """Wait for `done`; restart the worker when it exited (its watchdog gave up on it) or when
    `progress` stops moving for STALL_SECONDS.

    A supervisor's job (README, "Restarts after a crash"): a worker stuck in front of records
    Faust dropped exits by itself, and is restarted here as `restart: on-failure` would. What
    the test asserts, that nothing is lost or double-counted, must hold across such restarts.
    Returns how many restarts it took.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    moved = time.monotonic()
    restarts = 0
    while time.monotonic() < deadline:
        if done():
            return restarts
        if exited():  # the worker's watchdog gave up on it: restart, as a supervisor would
            restart()
            restarts += 1
            moved = time.monotonic()
            continue
        now_progress = progress()
        if now_progress != last:
            last, moved = now_progress, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            restart()
            restarts += 1
            moved = time.monotonic()
        time.sleep(1.0)
    raise AssertionError(f"not done in {timeout}s ({restarts} restarts)\n{describe_workers()}")


def explain_table_problems(client: FrontlineClient, settings: Settings, text: str) -> str:
    """For a failing audit: the group's committed offsets against the end offsets of every
    input, and, for a few keys with missing reports, which of their events the row lacks."""
    from pipeline.broker.clients import make_admin, make_consumer

    lines = []
    admin = make_admin(settings)
    consumer = make_consumer(settings)
    try:
        committed = admin.list_group_offsets(settings.app_id).get(settings.app_id, {})
        ends = consumer.end_offsets(list(committed))
        for tp, meta in sorted(committed.items()):
            lines.append(f"committed {tp.topic}[{tp.partition}] {meta.offset} / end {ends[tp]}")
    finally:
        consumer.close()
        admin.close()
    rows: dict[str, dict[str, Any]] = {}
    for r in client.stream(T.TABLES_CONTROL):
        if isinstance(r.value, dict):
            rows[r.key.decode() if isinstance(r.key, bytes) else str(r.key)] = r.value
    problems = [ln for ln in text.splitlines() if ln.startswith("TABLE: control")]
    keys = [ln.split()[2].rstrip(":") for ln in problems]
    for r in client.stream("territorial-control"):
        # Events are keyed by province; the control row by the event's own place.
        location = r.value.get("location") if isinstance(r.value, dict) else None
        if not isinstance(location, dict):
            continue
        key = Place.model_validate(location).key
        if key in keys[:3] and isinstance(r.value, dict):
            # Rows no longer carry their event ids (schemas.rows.BOOKKEEPING_FIELDS).
            reports = rows.get(key, {}).get("reports")
            lines.append(f"{key}: event @{r.partition}:{r.offset}; row reports {reports}")
    return "\n".join(lines)


def wait_audit_clean(client: FrontlineClient, timeout: float = 120) -> dict[str, object]:
    """The audit, once the table agents have caught up with the events."""
    deadline = time.monotonic() + timeout
    while True:
        code, data, text = run_audit(client)
        if code == 0:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"{text}\n{describe_workers()}")
        time.sleep(2)


def table_digest(client: FrontlineClient) -> dict[str, dict[str, tuple[object, ...]]]:
    """What a reader sees in the tables, independent of the order events arrived in."""
    model = client.read_tables(["control", "withdrawals", "claims"])
    out: dict[str, dict[str, tuple[object, ...]]] = {}
    for name, fields in (
        ("control", ("status", "controller", "since", "last_event_date", "reports", "events")),
        ("withdrawals", ("status", "troops", "remaining_troops", "deadline", "reports")),
        ("claims", ("territory_share_percent", "event_date", "reports", "events")),
    ):
        rows = {k: r.model_dump(mode="json") for k, r in model.table(name).items()}
        out[name] = {k: tuple(str(r.get(f)) for f in fields) for k, r in rows.items()}
    return out


def test_sigkill_mid_stream_then_restart_loses_nothing(
    make_settings: Callable[..., Settings],
    start_worker: Callable[[Settings], WorkerProcess],
) -> None:
    # The reference: the same articles through an undisturbed worker.
    tag = time.monotonic_ns()
    calm = make_settings(topic_prefix=f"calm{tag}.", app_id=f"frontline-calm-{tag}")
    calm_client = FrontlineClient(calm)
    calm_worker = start_worker(calm)
    calm_client.publish(corpus_items(5000))
    wait_ledger(calm_client, 5000, timeout=180)
    wait_audit_clean(calm_client)
    reference = table_digest(calm_client)
    calm_worker.stop()

    # Commits every 3 s, so that the kill lands on processed but uncommitted articles
    # (with per-100 commits and batched agents it could land just after a commit).
    settings = make_settings(broker_commit_every=1_000_000, broker_commit_interval=3.0)
    client = FrontlineClient(settings)
    worker = start_worker(settings)
    report = client.publish(corpus_items(5000))
    assert report.sent == 5000
    # Kill it hard once it is well into the stream.
    wait_mid_stream(client, 1000)
    worker.stop(sig=signal.SIGKILL)
    processed_before = ledger_count(client)
    assert processed_before < 5000, "the kill must land mid-stream"

    current = [start_worker(settings)]

    def restart() -> None:
        if current[0].proc.poll() is None:
            # What the stuck worker was waiting on goes to its log (pipeline.ops.diagnostics).
            current[0].proc.send_signal(signal.SIGUSR1)
            time.sleep(2)
        current[0].stop()
        current[0] = start_worker(settings)

    def table_rows() -> int:
        return sum(1 for _ in client.stream(T.TABLES_CONTROL)) + sum(
            1 for _ in client.stream(T.TABLES_ACTIVITY)
        )

    audit: list[dict[str, object]] = []
    last_text: list[str] = []

    def audit_clean() -> bool:
        code, data, text = run_audit(client)
        last_text[:] = [text]
        if code == 0:
            audit.append(data)
        return code == 0

    def exited() -> bool:
        return current[0].proc.poll() is not None

    restarts = wait_with_restarts(
        lambda: ledger_articles(client) >= 5000,
        lambda: ledger_articles(client),
        restart,
        360,
        exited,
    )
    try:
        restarts += wait_with_restarts(audit_clean, table_rows, restart, 240, exited)
    except AssertionError as exc:
        text = last_text[0] if last_text else ""
        detail = explain_table_problems(client, settings, text)
        raise AssertionError(f"{text}\n{detail}\n{exc}") from None
    if restarts:
        warnings.warn(f"the restarted worker stalled; restarted {restarts} time(s)", stacklevel=1)
    data = audit[-1]
    partitions = data["partitions"]
    assert isinstance(partitions, list)
    assert sum(p["published"] for p in partitions) == 5000
    assert sum(p["processed"] for p in partitions) == 5000
    assert sum(p["reprocessed"] for p in partitions) > 0, "the kill should force a replay"
    assert table_digest(client) == reference


def test_worker_reconnects_after_the_broker_restarts(
    tmp_path: Path, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    kafka = LocalKafka(
        kafka_home=PROJECT_ROOT / "infra" / "kafka",
        state_dir=tmp_path / "kafka",
        base_port=free_port_block(2, start=23092),
    )
    kafka.start()
    try:
        settings = broker_settings(kafka, tmp_path, "frontline-restart")
        client = FrontlineClient(settings)
        worker = start_worker(settings)
        client.publish(corpus_items(50))
        wait_ledger(client, 50, timeout=60)

        kafka.stop()
        time.sleep(2)
        kafka.start()

        more = corpus_items(100)[50:]
        client.publish(more)
        wait_ledger(client, 100, timeout=120)
        wait_audit_clean(client)
        assert worker.proc.poll() is None, "the worker must ride out the outage"
        worker.stop()  # before the broker, so it can leave its group cleanly
    finally:
        kafka.stop()


def test_a_broker_outage_longer_than_the_delivery_timeout_loses_nothing(
    tmp_path: Path, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    # The broker goes away while the worker has records in flight, for longer than the
    # producer's delivery timeout: records it gives up must not let their input be committed
    # (before pipeline.faust_fixes.delivery the ledger never reached 3,000: articles lost).
    kafka = LocalKafka(
        kafka_home=PROJECT_ROOT / "infra" / "kafka",
        state_dir=tmp_path / "kafka",
        base_port=free_port_block(2, start=24092),
    )
    kafka.start()
    current: list[WorkerProcess] = []
    try:
        settings = broker_settings(
            kafka, tmp_path, "frontline-outage", producer_delivery_timeout_seconds=5.0
        )
        client = FrontlineClient(settings)
        current.append(start_worker(settings))
        client.publish(corpus_items(3000))
        wait_mid_stream(client, 500)
        kafka.stop_node(1, kill=True)  # at once: records stay in flight
        time.sleep(3 * settings.producer_delivery_timeout_seconds)
        kafka.start()
        exit_codes: list[int | None] = []

        def restart() -> None:
            exit_codes.append(current[0].proc.poll())
            current[0].stop()
            current[0] = start_worker(settings)

        wait_with_restarts(
            lambda: ledger_articles(client) >= 3000,
            lambda: ledger_articles(client),
            restart,
            240,
            lambda: current[0].proc.poll() is not None,
        )
        wait_audit_clean(client)
        # The outage did expire records in flight, and the worker ended rather than commit
        # past them (before it exited at once, Faust's own crash, status 1, could come first).
        assert EXIT_UNDELIVERED in exit_codes, f"exits: {exit_codes}\n{describe_workers()}"
        # A send that failed is the broker's fault: no good article dead-lettered for it.
        blamed = [
            r.headers.get("error.class")
            for r in client.stream("dlq")
            if r.headers.get("error.stage") == b"pipeline"
        ]
        assert blamed == [], f"articles dead-lettered for a failed send: {blamed}"
    finally:
        for w in current:
            w.stop()
        kafka.stop()


def test_a_wedged_worker_exits_and_its_restart_loses_nothing(
    make_settings: Callable[..., Settings],
    start_worker: Callable[[Settings], WorkerProcess],
) -> None:
    # Wedged on purpose: an output topic (tables.activity) is deleted under a running worker.
    # Its records then wait in the producer for a topic the cluster no longer has, Faust's
    # commit waits on them, and nothing moves: no error, no progress. The watchdog must turn
    # that into an exit (70) and the restart, once the topic is back, must lose nothing.
    from pipeline.broker.clients import ensure_topics, make_admin

    settings = make_settings(watchdog_stall_seconds=10.0)
    client = FrontlineClient(settings)
    worker = start_worker(settings)
    client.publish(corpus_items(300))
    wait_ledger(client, 300, timeout=90)
    activity = T.topic_name(settings, T.TABLES_ACTIVITY)
    admin = make_admin(settings)
    try:
        admin.delete_topics([activity])
        client.publish(corpus_items(900)[300:])
        try:
            code = worker.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the wedged worker did not exit\n{worker.log()}") from None
        assert code == EXIT_STALLED, worker.log()
        log = worker.log_path.read_text(errors="replace")
        assert "no progress for" in log and "diagnostic dump" in log
        deadline = time.monotonic() + 60
        while activity in admin.list_topics() and time.monotonic() < deadline:
            time.sleep(0.5)  # deletion finishes in the background
    finally:
        admin.close()
    ensure_topics(settings)
    # What the supervisor does, and does again if the restarted worker exits in turn: its
    # start-up can hit Faust's fetch-before-seek race (pipeline.faust_fixes.offsets), which leaves
    # a hole the watchdog answers with exit 70 (a CI-like run saw exactly that).
    current = [start_worker(settings)]

    def restart() -> None:
        current[0].stop()
        current[0] = start_worker(settings)

    def exited() -> bool:
        return current[0].proc.poll() is not None

    wait_with_restarts(
        lambda: ledger_articles(client) >= 900,
        lambda: ledger_articles(client),
        restart,
        240,
        exited,
    )
    wait_with_restarts(
        lambda: run_audit(client)[0] == 0,
        lambda: sum(1 for _ in client.stream(T.TABLES_CONTROL)),
        restart,
        240,
        exited,
    )
    wait_audit_clean(client)


def test_adding_and_removing_workers_mid_stream_loses_nothing(
    make_settings: Callable[..., Settings],
    start_worker: Callable[[Settings], WorkerProcess],
) -> None:
    settings = make_settings(topic_partitions=4)
    client = FrontlineClient(settings)
    first = start_worker(settings)
    second = start_worker(
        settings.model_copy(
            update={"web_port": _free_port(), "worker_datadir": settings.state_dir / "w2"}
        )
    )
    client.publish(corpus_items(3000))
    wait_mid_stream(client, 600)
    third = start_worker(
        settings.model_copy(
            update={"web_port": _free_port(), "worker_datadir": settings.state_dir / "w3"}
        )
    )
    first.stop()  # a graceful leave mid-stream: its partitions move to the others
    wait_ledger(client, 3000, timeout=240)
    wait_audit_clean(client)
    assert second.proc.poll() is None and third.proc.poll() is None


@pytest.mark.slow
def test_three_broker_cluster_survives_losing_a_broker(
    tmp_path: Path, start_worker: Callable[[Settings], WorkerProcess]
) -> None:
    kafka = LocalKafka(
        kafka_home=PROJECT_ROOT / "infra" / "kafka",
        state_dir=tmp_path / "cluster",
        base_port=free_port_block(6, start=26092),
        nodes=3,
        heap="384m",
    )
    kafka.start()
    worker: WorkerProcess | None = None
    try:
        settings = broker_settings(
            kafka,
            tmp_path,
            "frontline-cluster",
            topic_partitions=3,
            topic_replication=3,
            topic_min_insync=2,
        )
        client = FrontlineClient(settings)
        worker = start_worker(settings)
        client.publish(corpus_items(1500))
        # Mid-stream, once the worker is processing (Faust cannot start while a broker is
        # down: declaring changelogs needs the controller), kill a broker hard.
        wait_mid_stream(client, 300)
        kafka.stop_node(3, kill=True)
        client.publish(corpus_items(3000)[1500:])  # acks=all still succeeds with 2 of 3 in sync
        kafka.start_node(3)
        try:
            wait_ledger(client, 3000, timeout=150)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}; ledger has {ledger_count(client)}\n{worker.log()}"
            ) from exc
        wait_audit_clean(client)
        assert worker.proc.poll() is None
    finally:
        if worker is not None:
            worker.stop()
        kafka.stop()

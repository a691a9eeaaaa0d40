"""On the real broker: an extractor crash is a dead letter, never an article without events.

The worker is the real one, started through `tests.agents.poisoned_extractor_worker`, whose
extraction engine raises on articles carrying a marker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from pipeline.broker.clients import ensure_topics
from pipeline.cli.audit_cmd import run_audit
from pipeline.client import FrontlineClient, StreamRecord
from pipeline.config import Settings
from tests.agents.poisoned_extractor_worker import POISON
from tests.conftest import LIVE_WORKERS, WorkerProcess, describe_workers
from tests.conftest import wait_for_stream as wait_for

pytestmark = pytest.mark.integration

LAUNCHER = "tests.agents.poisoned_extractor_worker"


@pytest.fixture
def worker(make_settings: Callable[..., Settings], tmp_path: Path) -> Iterator[WorkerProcess]:
    # One partition: the three articles are read in the order they were published.
    settings = make_settings(topic_partitions=1)
    ensure_topics(settings)
    w = WorkerProcess(settings, tmp_path / "poisoned-worker.log", module=LAUNCHER)
    LIVE_WORKERS.append(w)
    try:
        w.wait_ready()
        yield w
    finally:
        w.stop()
        LIVE_WORKERS.remove(w)


def test_an_extractor_crash_is_dead_lettered_and_the_worker_goes_on(
    worker: WorkerProcess,
) -> None:
    client = FrontlineClient(worker.settings)
    bodies = {
        "ok-before": "France withdraws its troops from Kapisa.",
        "poisoned": f"Canada withdraws its troops. {POISON}",
        "ok-after": "The Taliban captured Kandahar on Tuesday.",
    }
    raws: dict[str, bytes] = {}
    for article_id, body in bodies.items():  # in this order, on the one partition
        raws[article_id] = orjson.dumps(
            {"id": article_id, "body": body, "published_at": "2021-08-10"}
        )
        client.publish_raw([raws[article_id]], key=article_id.encode())

    # The ledger: each article once, at its own offset; the poisoned one dead-lettered.
    ledger = wait_for(client, "ledger", lambda recs: len({_source(r) for r in recs}) >= 3)
    outcomes: dict[str, set[tuple[int, int, str, str | None]]] = {}
    for rec in ledger:
        entry = rec.value
        outcomes.setdefault(entry["article_id"], set()).add(
            (*_source(rec), entry["outcome"], entry["error_class"])
        )
    assert set(outcomes) == set(bodies), outcomes
    assert all(len(seen) == 1 for seen in outcomes.values()), outcomes  # replays agree
    [(partition, offset, outcome, error_class)] = outcomes["poisoned"]
    assert (outcome, error_class) == ("dlq", "PoisonedArticleError")
    assert {next(iter(outcomes[a]))[2] for a in ("ok-before", "ok-after")} == {"events"}
    assert next(iter(outcomes["ok-after"]))[1] > offset  # read after the crash

    # The dead letter: the original bytes and key, and why.
    dead = wait_for(client, "dlq", lambda recs: len(recs) >= 1)
    for rec in dead:  # at least once: the same dead letter may be there twice
        assert rec.raw == raws["poisoned"] and rec.key == b"poisoned"
        h = rec.headers
        assert h["error.stage"] == b"extract"
        assert h["error.class"] == b"PoisonedArticleError"
        assert h["error.message"].startswith(b"extractor bug on 'poisoned': xxx")
        assert len(h["error.message"]) == 2000  # bounded
        assert h["error.time"]
        assert (int(h["source.partition"]), int(h["source.offset"])) == (partition, offset)

    # The other two produced their events; the poisoned one none.
    events = [
        r.value for name in ("withdrawals", "territorial-control") for r in client.stream(name)
    ]
    by_article: dict[str, set[str]] = {}
    for ev in events:
        by_article.setdefault(ev["article_id"], set()).add(ev["event_type"])
    assert by_article == {"ok-before": {"withdrawal"}, "ok-after": {"territorial_control"}}

    # The audit accounts for all three once, tables included.
    deadline = time.monotonic() + 60
    while True:
        code, data, text = run_audit(client)
        if code == 0:
            break
        assert time.monotonic() < deadline, f"{text}\n{describe_workers()}"
        time.sleep(1)
    partitions = data["partitions"]
    assert isinstance(partitions, list)
    [part] = partitions
    assert (part["published"], part["processed"]) == (3, 3), text
    assert (part["with_events"], part["dead_lettered"]) == (2, 1), text
    assert data["events_expected"] == data["events_found"] == 2, text
    assert worker.proc.poll() is None, worker.log()


def _source(rec: StreamRecord) -> tuple[int, int]:
    """Where a ledger record's article was read: (partition, offset)."""
    return rec.value["source_partition"], rec.value["source_offset"]

"""TableWriter against real Faust tables (RocksDB and memory stores; the producer is a
recording stand-in): what it sends is what Faust's own recovery reads back.

The integration test `test_digests_survive_a_restart_through_the_changelog` checks the same
against a real broker and a real worker restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.types import TP

from pipeline.state.changelog import TableWriter
from pipeline.state.writebehind import bind


class Event:
    """A stream event stand-in (weak-referenceable, as Faust's current event must be)."""

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(topic="source", partition=partition)


class RecordingOutput:
    """Records each send; its delivery succeeds with the next offset, or fails if told."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None, int | None]] = []
        self.fail = False

    async def send(
        self, topic: str, key: bytes, value: bytes | None, headers: Any = (), *, partition: Any
    ) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        offset = len(self.sent)
        self.sent.append((topic, key, value, partition))
        if self.fail:
            fut.set_exception(TimeoutError("not delivered"))
        else:
            fut.set_result(SimpleNamespace(topic_partition=TP(topic, partition), offset=offset))
        return fut


def _table(tmp_path: Path, name: str, store: str) -> Any:
    app = faust.App(name, store=store, datadir=str(tmp_path / name), broker="kafka://127.0.0.1:1")
    return app, app.Table("things", key_type=str, partitions=2)


def _write_all(app: Any, table: Any, writes: list[tuple[int, str, Any]]) -> RecordingOutput:
    out = RecordingOutput()

    async def run() -> None:
        writer = TableWriter(app, out)  # type: ignore[arg-type]
        for partition, key, value in writes:
            event = Event(partition)
            bind(event)
            await writer.write(table, event, key, value)
        bind(None)
        writer.checkpoint()
        await asyncio.sleep(0)  # the done-callbacks run

    asyncio.run(run())
    return out


def test_writes_reach_the_store_and_faust_recovery_reads_their_changelog(
    tmp_path: Path,
) -> None:
    app, table = _table(tmp_path, "writer", "rocksdb://")
    writes = [(1, "kabul", {"holder": "TAL"}), (0, "herat", "x"), (1, "gone", 1), (1, "gone", None)]
    out = _write_all(app, table, writes)

    assert table.get("kabul") == {"holder": "TAL"} and table.get("herat") == "x"
    assert table.get("gone") is None
    changelog = table.changelog_topic.get_topic_name()
    assert [(t, p) for t, _, _, p in out.sent] == [(changelog, p) for p, _, _ in writes]
    assert out.sent[-1][2] is None  # a delete is a tombstone

    # A fresh worker's store, filled the way Faust recovers a table from its changelog.
    _, fresh = _table(tmp_path, "recovered", "rocksdb://")
    batch = [
        SimpleNamespace(
            message=SimpleNamespace(
                tp=TP(changelog, p), partition=p, offset=i, key=key, value=value
            )
        )
        for i, (_, key, value, p) in enumerate(out.sent)
    ]
    fresh.data.apply_changelog_batch(batch, to_key=fresh._to_key, to_value=fresh._to_value)
    assert fresh.get("kabul") == {"holder": "TAL"} and fresh.get("herat") == "x"
    assert fresh.get("gone") is None


def test_the_persisted_offset_is_each_partitions_last_acknowledged_record(
    tmp_path: Path,
) -> None:
    app, table = _table(tmp_path, "offsets", "rocksdb://")
    _write_all(app, table, [(1, "a", 1), (0, "b", 2), (1, "c", 3)])
    changelog = table.changelog_topic.get_topic_name()
    assert table.data.persisted_offset(TP(changelog, 0)) == 1
    assert table.data.persisted_offset(TP(changelog, 1)) == 2


def test_an_undelivered_record_leaves_the_persisted_offset_behind(tmp_path: Path) -> None:
    app, table = _table(tmp_path, "undelivered", "rocksdb://")
    out = RecordingOutput()
    out.fail = True

    async def run() -> None:
        writer = TableWriter(app, out)  # type: ignore[arg-type]
        event = Event(0)
        bind(event)
        await writer.write(table, event, "a", 1)
        writer.checkpoint()
        await asyncio.sleep(0)

    asyncio.run(run())
    # Recovery then replays the changelog from the older offset: nothing is skipped.
    assert table.data.persisted_offset(TP(table.changelog_topic.get_topic_name(), 0)) is None


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_both_stores_see_sets_and_deletes(tmp_path: Path, store: str) -> None:
    app, table = _table(tmp_path, "stores", store)
    _write_all(app, table, [(0, "a", [1, 2]), (0, "b", 1), (0, "b", None)])
    assert table.get("a") == [1, 2] and table.get("b") is None

"""The table agents' per-batch write-behind: reads see the batch's writes, each key is written
and each row published once, with its last value and the event that last wrote it."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from faust.streams import current_event

from pipeline.state.writebehind import WriteBehind
from schemas.rows import PUBLISHED_OBSERVATIONS, DedupEntry


class RecordingTable(dict[str, Any]):
    """A dict that records which current event each write happened under."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, Any, Any]] = []

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes.append((key, value, current_event()))
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.writes.append((key, None, current_event()))
        super().__delitem__(key)


async def _write(table: RecordingTable, event: Any, key: str, value: Any) -> None:
    """What TableWriter.write does to a table, recorded."""
    assert current_event() is event  # bound: a RocksDB store routes by it
    if value is None:
        del table[key]
    else:
        table[key] = value


def flush(wb: WriteBehind) -> int:
    async def run() -> int:
        written = await wb.flush_tables(_write)
        assert current_event() is None  # unbound after the flush
        return written

    return asyncio.run(run())


class Ev:
    def __init__(self, name: str) -> None:
        self.name = name


def test_reads_see_earlier_writes_and_each_key_is_written_once_with_its_owner() -> None:
    table = RecordingTable()
    table["a"] = 1
    table.writes.clear()
    wb = WriteBehind()
    e1, e2 = Ev("e1"), Ev("e2")
    wb.event = e1
    assert wb.get(table, "a") == 1
    wb.set(table, "a", 2)
    wb.set(table, "b", 10)
    wb.event = e2
    assert wb.get(table, "a") == 2  # the batch's own write, not the stored value
    wb.set(table, "a", 3)
    assert table == {"a": 1}  # nothing reaches the table before the flush
    assert flush(wb) == 2
    assert table == {"a": 3, "b": 10}
    owners = {key: ev.name for key, _, ev in table.writes}
    assert owners == {"a": "e2", "b": "e1"}  # the event that last wrote each key


def test_none_deletes_and_models_are_stored_as_json() -> None:
    table = RecordingTable()
    table["gone"] = {"x": 1}
    wb = WriteBehind()
    wb.event = Ev("e")
    wb.set(table, "gone", None)
    wb.set(table, "missing", None)  # deleting an absent key is a no-op
    entry = DedupEntry(key="k", happenings=[])
    wb.set(table, "entry", entry)
    flush(wb)
    assert "gone" not in table and "missing" not in table
    assert table["entry"] == entry.model_dump(mode="json")
    assert isinstance(wb.get(table, "entry", DedupEntry.model_validate), DedupEntry)


def test_rows_are_published_once_per_key_with_the_last_value() -> None:
    wb = WriteBehind()
    wb.event = Ev("e1")
    wb.publish("control", "AF01", {"reports": 1})
    wb.publish("control", "AF02", {"reports": 1})
    wb.event = Ev("e2")
    wb.publish("control", "AF01", {"reports": 2})
    rows = wb.rows()
    assert [(t, k, orjson.loads(v), ev.name) for t, k, v, ev, _ in rows] == [
        ("control", "AF01", {"reports": 2}, "e2"),
        ("control", "AF02", {"reports": 1}, "e1"),
    ]
    assert wb.rows() == []


def test_published_rows_leave_out_the_id_bookkeeping_the_table_keeps() -> None:
    table = RecordingTable()
    wb = WriteBehind()
    wb.event = Ev("e")
    row = {"reports": 3, "event_ids": ["e1", "e2", "e3"], "happening_ids": ["h1"], "refs": {}}
    wb.set(table, "AF01", row)
    wb.publish("activity", "AF01", row)
    flush(wb)
    [(_, _, value, _, _)] = wb.rows()
    assert table["AF01"] == row  # the reducer needs its ids back on the next event
    assert orjson.loads(value) == {"reports": 3}


class CountedDumps(DedupEntry):
    """A row that counts how often it is dumped to JSON."""

    dumps: int = 0

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        self.dumps += 1
        return super().model_dump(exclude={"dumps"}, **kwargs)


def test_a_row_written_and_published_is_dumped_once() -> None:
    table = RecordingTable()
    wb = WriteBehind()
    wb.event = Ev("e")
    entry = CountedDumps(key="k", happenings=[])
    wb.set(table, "k", entry)
    wb.publish("dedup", "k", entry)
    flush(wb)
    [(_, _, value, _, _)] = wb.rows()
    assert entry.dumps == 1
    assert orjson.loads(value) == table["k"] == {"key": "k", "happenings": []}


def test_a_projected_row_is_made_from_the_json_written_to_the_table() -> None:
    table = RecordingTable()
    wb = WriteBehind()
    wb.event = Ev("e")
    entry = CountedDumps(key="k", happenings=[])
    wb.set(table, "k", entry)
    wb.publish("activity", "g", entry, lambda data: {"of": data["key"]})
    flush(wb)
    [(topic, key, value, _, _)] = wb.rows()
    assert (topic, key, orjson.loads(value)) == ("activity", "g", {"of": "k"})
    assert entry.dumps == 1 and table["k"] == {"key": "k", "happenings": []}


def test_published_control_rows_carry_only_the_newest_observations() -> None:
    wb = WriteBehind()
    wb.event = Ev("e")
    observations = [{"event_id": f"e{i}"} for i in range(PUBLISHED_OBSERVATIONS + 5)]
    row = {"place_key": "AF01", "observations": observations}
    wb.publish("control", "AF01", row)
    [(_, _, value, _, _)] = wb.rows()
    sent = orjson.loads(value)["observations"]
    assert sent == observations[-PUBLISHED_OBSERVATIONS:]
    assert len(row["observations"]) == PUBLISHED_OBSERVATIONS + 5  # the table's row untouched

"""Write-behind for one batch of events: table writes and row publishes coalesced per key.

The table agents take events in batches (`Stream.take_events`). While a batch is handled,
reads see the batch's own earlier writes, parsed models stay parsed, and each touched key is
written to its Faust table, and each row published to its `tables.*` topic, once at the end
with its final value. Events cluster on a few places, so a batch of a hundred events about one
province writes its 30 activity windows once instead of a hundred times.

Faust routes a table read or write to the partition of the *current event*, a context
variable its stream sets as it consumes. Under `take_events` that is whichever event the stream
buffered last, so every table access here first binds the variable to the event it belongs to
(for a deferred write, the event that last wrote the key): all events of a key share its
partition, because every agent's stream is keyed by its table key. Only the context variable
is set, never `Stream.current_event`, which the take buffer itself reads.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from faust.streams import _current_event  # faust has no public setter
from pydantic import BaseModel

from schemas.rows import published_row

M = TypeVar("M")
# (table, event, key, value or None to delete): `TableWriter.write`.
TableWrite = Callable[[Any, Any, str, Any], Awaitable[None]]
# A published row made from a value's JSON form (e.g. a projection of a table value).
Project = Callable[[Any], Any]


def bind(event: Any) -> None:
    """Make `event` Faust's current event in this task (None unbinds)."""
    _current_event.set(weakref.ref(event) if event is not None else None)


def _json(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class WriteBehind:
    """Pending table values and table rows of one batch."""

    def __init__(self) -> None:
        self.event: Any = None  # the event being handled: the owner of writes made now
        self.cause: str | None = None  # its event id, named in the headers of its rows
        self._values: dict[tuple[int, str], Any] = {}
        self._dirty: dict[tuple[int, str], tuple[Any, str, Any]] = {}
        self._rows: dict[tuple[str, str], tuple[Any, Any, str | None, Project | None]] = {}
        # id -> (value, its JSON form): a row both written and published is dumped once.
        self._dumped: dict[int, tuple[Any, Any]] = {}

    def _dump(self, value: Any) -> Any:
        seen = self._dumped.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        data = _json(value)
        self._dumped[id(value)] = (value, data)  # holding the value keeps its id unique
        return data

    def get(self, table: Any, key: str, parse: Callable[[Any], M] | None = None) -> Any:
        """The key's value as of this point in the batch (`parse` applied to a stored one)."""
        slot = (id(table), key)
        try:
            return self._values[slot]
        except KeyError:
            pass
        bind(self.event)
        raw = table.get(key)
        value = parse(raw) if parse is not None and raw is not None else raw
        self._values[slot] = value
        return value

    def set(self, table: Any, key: str, value: Any) -> None:
        """Set (or with None, delete) the key; the table sees it at `flush_tables`."""
        slot = (id(table), key)
        self._values[slot] = value
        self._dirty[slot] = (table, key, self.event)

    def publish(self, topic: str, key: str, value: Any, project: Project | None = None) -> None:
        """Queue a row (a model or JSON-ready value) for the `tables.*` topic `topic`; with
        `project`, the row is `project(JSON of value)`, made when the batch is flushed."""
        self._rows[(topic, key)] = (value, self.event, self.cause, project)

    async def flush_tables(self, write: TableWrite) -> int:
        """Write every dirty key to its table with `write`; return how many."""
        for slot, (table, key, event) in self._dirty.items():
            bind(event)
            value = self._values[slot]
            if value is None:
                if table.get(key) is not None:
                    await write(table, event, key, None)
            else:
                await write(table, event, key, self._dump(value))
        bind(None)
        written = len(self._dirty)
        self._dirty.clear()
        return written

    def rows(self) -> list[tuple[str, str, bytes, Any, str | None]]:
        """The queued rows as (topic, key, JSON bytes, event, cause), then forgets them (and
        every value dumped in this batch)."""
        out = []
        for (topic, key), (value, event, cause, project) in self._rows.items():
            data = self._dump(value)
            if project is not None:
                data = project(data)
            out.append((topic, key, orjson.dumps(published_row(data)), event, cause))
        self._rows.clear()
        self._dumped.clear()
        return out

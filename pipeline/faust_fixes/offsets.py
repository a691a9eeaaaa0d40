"""Defect contained: faust-streaming counts records its fetcher dropped as processed.

Faust must never count an offset as processed that no agent handled.

faust-streaming 0.15.3 can drop fetched records around a rebalance: after restoring tables it
resumes the stream partitions and only then seeks them to their committed offsets, while its
fetcher already runs, so records fetched in between are cleared with the queues and their
re-fetched copies are dropped as already read (found with `kill -USR1` task dumps and the
committed offsets; reordering the two steps made restarts with nothing committed hang
instead). Two pieces of its commit logic then turn that hole into lost articles:

- a jump in offsets is treated as a gap of already-done records (`Consumer._add_gap`), which
  is right for compacted or transactional topics and never for ours; and
- the first run of acknowledged offsets is committed even when it starts *after* the
  committed offset (`Consumer._new_offset` only refuses when it starts two or more after).

`install()` replaces both on the app's consumer: no gap is ever filled, and a commit only
moves when the acknowledged run starts at the committed offset. A hole then holds the commit
where it is. Holding alone is not enough: the records in the hole are never handled, so a
table misses their events for as long as the worker lives (the broker-outage fault test
found a control row one report short, the commit held behind it). So once a hole has held a
partition for `reread_skipped_after_seconds` with no record before it still in flight, the
partition is read again from its committed offset; what was handled after the hole is
handled again, which every agent tolerates. At least once, never at most once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


def first_committable(committed: int | None, acked: list[int]) -> bool:
    """May a commit start from these acknowledged offsets? Only without a hole before them."""
    return committed is None or not acked or min(acked) <= committed


def in_flight_before(tp: Any, first_acked: int, unacked: Iterable[Any]) -> bool:
    """Is a record of `tp` before `first_acked` delivered to an agent and not yet acked?"""
    return any(m.tp == tp and m.offset < first_acked for m in unacked)


@dataclass
class HoleWatch:
    """Pure: which partitions a hole has held for `grace` seconds (monotonic clock)."""

    grace: float
    _since: dict[Any, float] = field(default_factory=dict)

    def due(self, tp: Any, now: float, *, hole: bool) -> bool:
        """Feed one look at `tp`; True when it is time to read the hole again. After that,
        the next re-read is due no sooner than one more `grace`."""
        if not hole:
            self._since.pop(tp, None)
            return False
        since = self._since.setdefault(tp, now)
        if now - since < self.grace:
            return False
        self._since[tp] = now
        return True


def install(
    app: Any, *, reread_after: float = 5.0, clock: Callable[[], float] = time.monotonic
) -> HoleWatch:
    """Replace the gap filling and the commit-offset rule on the app's consumer, and read a
    partition again from its commit once a hole has held it for `reread_after` seconds."""
    consumer = app.consumer
    new_offset = consumer._new_offset
    watch = HoleWatch(reread_after)
    rereads: dict[Any, asyncio.Future[None]] = {}  # held so the loop cannot drop them

    async def reread(tp: Any, offset: int) -> None:
        log.warning(
            "%s[%s]: records from offset %s were never handled; reading them again",
            tp.topic,
            tp.partition,
            offset,
        )
        try:
            await consumer.seek_wait({tp: offset})
        except Exception:  # revoked meanwhile: its next owner reads from the commit anyway
            log.warning("re-read of %s[%s] failed", tp.topic, tp.partition, exc_info=True)
        finally:
            rereads.pop(tp, None)

    async def refuse_gap(tp: Any, offset_from: int, offset_to: int) -> None:
        log.warning(
            "%s[%s]: offsets %s..%s skipped by the fetcher are not counted as processed; "
            "the commit stays before them until they are read again",
            tp.topic,
            tp.partition,
            offset_from,
            offset_to,
        )

    def contiguous_new_offset(tp: Any) -> int | None:
        committed = consumer._committed_offset[tp]
        acked = consumer._acked[tp]
        if first_committable(committed, acked):
            watch.due(tp, clock(), hole=False)
            result: int | None = new_offset(tp)
            return result
        hole = not in_flight_before(tp, min(acked), list(consumer._unacked_messages))
        if watch.due(tp, clock(), hole=hole) and tp not in rereads:
            rereads[tp] = asyncio.ensure_future(reread(tp, committed))
        return None

    consumer._add_gap = refuse_gap
    consumer._new_offset = contiguous_new_offset
    return watch

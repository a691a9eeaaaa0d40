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
where it is; the worker makes no progress on it, and the watchdog
(`pipeline.ops.watchdog`) restarts the worker, which re-reads from the hole. At least
once, never at most once.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def first_committable(committed: int | None, acked: list[int]) -> bool:
    """May a commit start from these acknowledged offsets? Only without a hole before them."""
    return committed is None or not acked or min(acked) <= committed


def install(app: Any) -> None:
    """Replace the gap filling and the commit-offset rule on the app's consumer."""
    consumer = app.consumer
    new_offset = consumer._new_offset

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
        if not first_committable(consumer._committed_offset[tp], consumer._acked[tp]):
            return None
        result: int | None = new_offset(tp)
        return result

    consumer._add_gap = refuse_gap
    consumer._new_offset = contiguous_new_offset

"""Watchdog: a worker that has work but makes no progress dumps its state and exits.

Faust workers can wedge without an error: records Faust dropped around a rebalance hold the
commit before them (pipeline.faust_fixes.offsets), and a restarted worker was seen to sit idle in
front of a backlog. Waiting does not help and nothing is logged, so the worker checks
itself: when its input has uncommitted records, recovery is over, and no article or event
has been handled for `watchdog_stall_seconds`, it logs the SIGUSR1 diagnostic dump and
exits with status 70. Its supervisor (docker-compose `restart: on-failure`, systemd,
Kubernetes) starts it again; offsets are committed only after their writes reached Kafka, so
the restarted worker picks up exactly what was left, and replays are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline import topics as T
from pipeline.ops import diagnostics

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)

EXIT_STALLED = 70  # EX_SOFTWARE


@dataclass
class StallDetector:
    """Pure: has progress stood still, with work waiting, for `stall_seconds`?"""

    stall_seconds: float
    _progress: object = None
    _since: float | None = field(default=None)

    def observe(self, now: float, progress: object, backlog: int) -> bool:
        """Feed one sample (monotonic seconds); True when the worker counts as stalled."""
        if backlog <= 0:
            self._since = None  # nothing to do: the clock starts when work appears
            return False
        if progress != self._progress or self._since is None:
            self._progress = progress
            self._since = now
            return False
        return now - self._since >= self.stall_seconds

    def reset(self) -> None:
        self._since = None


async def broker_reachable(app: Any, timeout: float = 10.0) -> bool:
    """Whether the cluster answers a metadata request now."""
    client = app.producer._producer.client
    try:
        return bool(await asyncio.wait_for(client.force_metadata_update(), timeout))
    except Exception:
        return False


async def uncommitted_backlog(app: Any, inputs: frozenset[str], timeout: float = 10.0) -> int:
    """Records on the worker's assigned `inputs` partitions beyond its committed offsets
    (nothing committed counts from 0). End offsets are asked of the broker through Faust's
    consumer thread; if that thread does not answer, the worker is wedged: 1."""
    consumer = app.consumer
    tps = [tp for tp in consumer.assignment() if tp.topic in inputs]
    if not tps:
        return 0
    try:
        ends = await asyncio.wait_for(consumer.highwaters(*tps), timeout)
    except TimeoutError:
        return 1
    backlog = 0
    for tp in tps:
        end = ends.get(tp)
        if end is None:
            continue
        committed = consumer._committed_offset.get(tp)
        backlog += max(0, int(end) - int(committed or 0))
    return backlog


def register(rt: Runtime, *, exit: Callable[[int], object] = os._exit) -> None:
    app = rt.app
    stall_seconds = rt.settings.watchdog_stall_seconds
    if stall_seconds <= 0:
        return
    detector = StallDetector(stall_seconds)
    inputs = frozenset(
        T.topic_name(rt.settings, base)
        for base in (
            T.ARTICLES,
            T.EVENTS_WITHDRAWAL,
            T.EVENTS_CONTROL,
            T.REPARTITION_CLAIMS,
        )
    )
    interval = max(1.0, min(10.0, stall_seconds / 6))

    @app.timer(interval)
    async def watchdog() -> None:
        recovery: Any = app.tables.recovery  # type: ignore[attr-defined]
        if recovery.in_recovery or not recovery.completed.is_set():
            return
        tables = rt.stats.get("tables", {})
        progress = (rt.stats.get("articles"), tables.get("events"))
        try:
            backlog = await uncommitted_backlog(app, inputs)
        except Exception:  # mid-rebalance: no verdict this round
            return
        if not detector.observe(time.monotonic(), progress, backlog):
            return
        if not await broker_reachable(app):
            # An outage, not a wedged worker: Faust reconnects by itself once it is over.
            detector.reset()
            return
        log.error(
            "no progress for %.0f s with %d uncommitted input records: exiting (status %d) "
            "so that the supervisor restarts this worker; nothing is lost",
            stall_seconds,
            backlog,
            EXIT_STALLED,
        )
        diagnostics.dump(app)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        exit(EXIT_STALLED)

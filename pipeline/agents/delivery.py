"""A record the producer gives up on must not let the input behind it be committed.

aiokafka retries a record until `producer_delivery_timeout_seconds` (a broker outage that
long, or a broker that refuses it: too large, not authorised), then fails its future. Faust
commits offsets after `producer.flush()` returns, and flush returns once every record is done,
delivered or not: the input behind a failed record was committed and its output lost (our
broker-outage fault test with a 5 s timeout lost events this way). Every send of the worker
goes through `app.producer.send` (our `Output`, Faust's topic sends, table changelogs), so
`install()` watches each future there, and the commit refuses to go ahead once one failed:
the worker logs why and exits (status 75) for its supervisor to restart it, and the input is
read again from the last commit. At least once, never at most once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)

EXIT_UNDELIVERED = 75  # EX_TEMPFAIL: restart and try again


class DeliveryGuard:
    """Counts records the producer failed to deliver; pure bookkeeping, no I/O."""

    def __init__(self, stats: dict[str, Any]) -> None:
        self._stats = stats
        stats.update({"failed": 0, "last_error": None})

    @property
    def failed(self) -> int:
        return int(self._stats["failed"])

    def done(self, fut: asyncio.Future[Any]) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            self._stats["failed"] += 1
            self._stats["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
            log.error("a record could not be delivered: %r", exc)


def install(rt: Runtime, *, exit: Callable[[int], object] = os._exit) -> DeliveryGuard:
    """Watch every send of the app's producer; stop the commit (and the worker) after a
    failed one."""
    app = rt.app
    guard = DeliveryGuard(rt.stats.setdefault("delivery", {}))
    producer: Any = app.producer
    send = producer.send

    async def watched_send(*args: Any, **kwargs: Any) -> Any:
        fut = await send(*args, **kwargs)
        fut.add_done_callback(guard.done)
        return fut

    producer.send = watched_send
    consumer: Any = app.consumer
    commit = consumer._commit

    async def commit_if_delivered(offsets: Any) -> bool:
        # Faust flushed the producer just before: every record is done, and one turn of the
        # loop runs the done-callbacks that were queued with their results.
        await asyncio.sleep(0)
        if guard.failed:
            log.critical(
                "%d record(s) could not be delivered (last: %s); not committing %d "
                "partition(s): exiting (status %d) so that the input is read again",
                guard.failed,
                rt.stats["delivery"]["last_error"],
                len(offsets),
                EXIT_UNDELIVERED,
            )
            for handler in logging.getLogger().handlers:
                handler.flush()
            exit(EXIT_UNDELIVERED)
            return False
        result: bool = await commit(offsets)
        return result

    consumer._commit = commit_if_delivered
    return guard

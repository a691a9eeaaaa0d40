"""Defect contained: faust-streaming commits the input of records its producer failed to deliver.

A record the producer gives up on must not let the input behind it be committed.

aiokafka retries a record until `producer_delivery_timeout_seconds` (a broker outage that
long, or a broker that refuses it: too large, not authorised), then fails its future; a send
can also fail outright when the topic's metadata stays out of reach that long. Faust commits
offsets after `producer.flush()` returns, and flush returns once every record is done,
delivered or not: the input behind a failed record was committed and its output lost (our
broker-outage fault test with a 5 s timeout lost events this way). A send that raised was
worse: the normalize agent took it for the article's fault and dead-lettered a good article,
and Faust's ProducerBuffer (table changelogs) crashed the worker with status 1.

Every send of the worker goes through `app.producer.send` (our `Output`, Faust's topic sends,
table changelogs), so `install()` watches each one. The first failure ends the worker at once
with status 75 for its supervisor to restart it, and the input is read again from the last
commit; the commit also refuses to go ahead after a failure, in case the exit is delayed.
At least once, never at most once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

EXIT_UNDELIVERED = 75  # EX_TEMPFAIL: restart and try again


class DeliveryGuard:
    """Counts records the producer failed to deliver and calls `on_failure` after each."""

    def __init__(self, stats: dict[str, Any], on_failure: Callable[[], object] = lambda: None):
        self._stats = stats
        self._on_failure = on_failure
        stats.update({"failed": 0, "last_error": None})

    @property
    def failed(self) -> int:
        return int(self._stats["failed"])

    def failure(self, exc: BaseException) -> None:
        self._stats["failed"] += 1
        self._stats["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
        log.error("a record could not be delivered: %r", exc)
        self._on_failure()

    def done(self, fut: asyncio.Future[Any]) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            self.failure(exc)


def install(
    app: Any, stats: dict[str, Any], *, exit: Callable[[int], object] = os._exit
) -> DeliveryGuard:
    """Watch every send of the app's producer; end the worker (status 75) after a failed one
    and never commit past it. Counters go to `stats["delivery"]`."""

    def stop(why: str) -> None:
        log.critical(
            "%d record(s) could not be delivered (last: %s); %s: exiting (status %d) so that "
            "the input is read again from the last commit",
            guard.failed,
            stats["delivery"]["last_error"],
            why,
            EXIT_UNDELIVERED,
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        exit(EXIT_UNDELIVERED)

    guard = DeliveryGuard(
        stats.setdefault("delivery", {}), on_failure=lambda: stop("nothing after it commits")
    )
    producer: Any = app.producer
    send = producer.send

    async def watched_send(*args: Any, **kwargs: Any) -> Any:
        try:
            fut = await send(*args, **kwargs)
        except Exception as exc:
            guard.failure(exc)
            raise
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
            stop(f"not committing {len(offsets)} partition(s)")
            return False
        result: bool = await commit(offsets)
        return result

    consumer._commit = commit_if_delivered
    return guard

"""Records out of the agents, handed straight to Faust's aiokafka producer.

`Topic.send` builds a future, a channel message and callbacks per record: with three or more
records per article that was the largest single cost of the normalize agent after extraction
(py-spy). Records sent here go to the same aiokafka producer, so the flush Faust awaits before
committing offsets covers them exactly as before. A record the producer later fails to deliver
is logged and counted in `stats["send_errors"]` (Faust's own path would drop it unseen).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes]]


class Output:
    """Send raw records to topics by name through the app's producer."""

    def __init__(self, app: Any, stats: dict[str, Any]) -> None:
        self._app = app
        self._stats = stats
        stats.setdefault("send_errors", 0)

    def _delivered(self, fut: Any) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            self._stats["send_errors"] += 1
            log.error("a record could not be delivered: %r", exc)

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: Headers = ()
    ) -> None:
        fut = await self._app.producer.send(
            topic, key, value, partition=None, timestamp=None, headers=list(headers)
        )
        fut.add_done_callback(self._delivered)

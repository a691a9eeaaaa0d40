"""Records out of the agents, handed straight to Faust's aiokafka producer.

`Topic.send` builds a future, a channel message and callbacks per record: with three or more
records per article that was the largest single cost of the normalize agent after extraction
(py-spy). Records sent here go to the same aiokafka producer, so the flush Faust awaits before
committing offsets covers them exactly as before, and a record the producer later fails to
deliver stops the commit (pipeline.faust_fixes.delivery) like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Headers = Sequence[tuple[str, bytes]]


class Output:
    """Send raw records to topics by name through the app's producer."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Headers = (),
        *,
        partition: int | None = None,
    ) -> Any:
        """Hand the record to the producer; return the future of its delivery."""
        return await self._app.producer.send(
            topic, key, value, partition=partition, timestamp=None, headers=list(headers)
        )

"""Defect contained: faust-streaming commits before its producer buffer is flushed.

A crash then loses table writes whose input is already committed.

Table changelog records go through Faust's ProducerBuffer (`send_soon`). On commit Faust calls
`buffer.flush()`, which gives up after 100 ms without a message sent, then commits offsets:
records still in the buffer are lost if the worker dies next, while their input is already
committed. Found by `frontline audit` in the SIGKILL test (table rows a report short).

Agents call `drain()` after each batch, before the stream acks it: everything it wrote is
then in aiokafka, whose flush Faust does await before committing. Frontline's own table writes
no longer use that buffer (`pipeline.state.changelog`); the drain stays for anything Faust
still queues there.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def drain(app: Any, *, timeout: float = 30.0) -> None:
    """Wait until Faust's producer buffer has handed every record to aiokafka."""
    buffer = app.producer.buffer
    if not buffer.size:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # The buffer's sender task sets `message_sent` after each record. No await between the
    # size check and clear(), so a record sent in between cannot be missed. (Polling with
    # short sleeps instead cost up to a timer tick per event.)
    while buffer.size:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        buffer.message_sent.clear()
        try:
            await asyncio.wait_for(buffer.message_sent.wait(), timeout=min(remaining, 0.1))
        except TimeoutError:
            continue

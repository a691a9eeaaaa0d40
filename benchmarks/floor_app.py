"""A bare Faust app for `faust_floor.py`: the same consumer settings as the worker, no work.

Run by faust_floor.py as `python floor_app.py worker`, configured by environment variables:
FLOOR_N (messages to wait for), FLOOR_MODE (0: consume and ack only; 1: also send one
100-byte record per message, as the worker sends its ledger record), FLOOR_ID, FLOOR_BOOTSTRAP,
FLOOR_SOURCE, FLOOR_SINK, FLOOR_DATADIR, FLOOR_PORT. Logs one `FLOOR {...}` JSON line and
exits when FLOOR_N messages were handled.
"""

from __future__ import annotations

import os
import time
from typing import Any

import faust
import orjson

N = int(os.environ["FLOOR_N"])
MODE = int(os.environ["FLOOR_MODE"])
SINK = os.environ["FLOOR_SINK"]

app = faust.App(
    os.environ["FLOOR_ID"],
    broker=f"kafka://{os.environ['FLOOR_BOOTSTRAP']}",
    store="memory://",
    datadir=os.environ["FLOOR_DATADIR"],
    processing_guarantee="at_least_once",
    consumer_auto_offset_reset="earliest",
    producer_linger=0.01,  # the worker's default FRONTLINE_PRODUCER_LINGER_MS
    web_bind="127.0.0.1",
    web_host="127.0.0.1",
    web_port=int(os.environ["FLOOR_PORT"]),
    autodiscover=False,
)
source = app.topic(
    os.environ["FLOOR_SOURCE"],
    key_type=bytes,
    value_type=bytes,
    key_serializer="raw",
    value_serializer="raw",
)
PAYLOAD = b"x" * 100


@app.agent(source, concurrency=1)
async def floor(stream: Any) -> None:
    handled = 0
    started: tuple[float, float] | None = None
    # The worker's batching: take_events(500, 20 ms), acked after each batch.
    async for events in stream.take_events(500, within=0.02):
        if started is None:
            started = (time.monotonic(), time.process_time())
        for event in events:
            if MODE >= 1:
                await app.producer.send(SINK, event.message.key, PAYLOAD, None, None, None)
            handled += 1
        if handled >= N:
            await app.producer.flush()
            wall = time.monotonic() - started[0]
            cpu = time.process_time() - started[1]
            line = {"mode": MODE, "messages": handled, "wall_s": wall, "cpu_s": cpu}
            app.log.warning("FLOOR %s", orjson.dumps(line).decode())
            os._exit(0)


if __name__ == "__main__":
    app.main()

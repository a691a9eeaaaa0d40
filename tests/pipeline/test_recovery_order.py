"""The recovery fix seeks stream partitions before resuming them (pipeline.agents.recovery).

Faust 0.15.3 resumed first and sought afterwards, while its fetcher was already running:
records fetched in between were dropped and, when the re-fetched copies were dropped as
already read, never processed (the restart stall of the SIGKILL fault test). The end-to-end
proof is that test; this one pins the order without a broker.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faust.types import TP

from pipeline.agents.recovery import SeekThenResumeRecovery
from pipeline.app import create_app
from pipeline.config import Settings


def test_recovery_completion_seeks_before_resuming_stream_partitions(tmp_path: Any) -> None:
    rt = create_app(Settings(state_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    app = rt.app
    recovery = app.tables.recovery
    assert isinstance(recovery, SeekThenResumeRecovery)

    calls: list[str] = []
    stream_tp = TP(topic="frontline.articles", partition=0)
    consumer = app.consumer

    async def perform_seek() -> None:
        calls.append("seek")

    async def maybe_start() -> None:
        calls.append("fetcher")

    consumer.assignment = lambda: {stream_tp}  # type: ignore[method-assign]
    consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    consumer.resume_partitions = lambda tps: calls.append(f"resume {sorted(tps)}")  # type: ignore[method-assign]
    consumer.resume_flow = lambda: calls.append("flow")  # type: ignore[method-assign]
    app._fetcher.maybe_start = maybe_start  # type: ignore[method-assign]
    app.consumer_generation_id = 7

    async def wait(coro: Any, timeout: Any = None) -> None:  # the service is not started
        await coro

    recovery._wait = wait  # type: ignore[method-assign]

    asyncio.run(recovery.on_recovery_completed(generation_id=7))

    assert calls[0] == "seek", calls
    assert calls.index("seek") < calls.index(f"resume {[stream_tp]}") < calls.index("fetcher")
    assert recovery.completed.is_set()


def test_recovery_completion_does_nothing_for_a_stale_generation(tmp_path: Any) -> None:
    rt = create_app(Settings(state_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    app = rt.app
    calls: list[str] = []

    async def perform_seek() -> None:
        calls.append("seek")

    app.consumer.assignment = lambda: set()  # type: ignore[method-assign]
    app.consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    app.consumer.resume_partitions = lambda tps: calls.append("resume")  # type: ignore[method-assign]
    app.consumer_generation_id = 8  # a newer rebalance already started

    asyncio.run(app.tables.recovery.on_recovery_completed(generation_id=7))

    assert calls == []

"""The commit guard of pipeline.faust_fixes.delivery, on stand-in producer and consumer objects
(the broker-outage test in test_faults.py runs it against a real worker and broker)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from pipeline.faust_fixes.delivery import EXIT_UNDELIVERED, DeliveryGuard, install


def _runtime(deliver: list[BaseException | None]) -> tuple[Any, list[Any]]:
    committed: list[Any] = []

    async def send(*args: Any, **kwargs: Any) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        outcome = deliver.pop(0)
        if outcome is None:
            fut.set_result(None)
        else:
            fut.set_exception(outcome)
        return fut

    async def commit(offsets: Any) -> bool:
        committed.append(offsets)
        return True

    app = SimpleNamespace(
        producer=SimpleNamespace(send=send), consumer=SimpleNamespace(_commit=commit)
    )
    return SimpleNamespace(app=app, stats={}), committed


def test_guard_counts_failures_only() -> None:
    async def run() -> dict[str, Any]:
        stats: dict[str, Any] = {}
        guard = DeliveryGuard(stats)
        loop = asyncio.get_running_loop()
        ok, bad, gone = loop.create_future(), loop.create_future(), loop.create_future()
        for fut in (ok, bad, gone):
            fut.add_done_callback(guard.done)
        ok.set_result(1)
        bad.set_exception(TimeoutError("batch expired"))
        gone.cancel()
        await asyncio.sleep(0)
        bad.exception()  # retrieved: no "never retrieved" warning
        return stats

    stats = asyncio.run(run())
    assert stats["failed"] == 1 and "batch expired" in stats["last_error"]


def test_commit_goes_ahead_when_every_record_was_delivered() -> None:
    rt, committed = _runtime([None, None])
    exits: list[int] = []

    async def run() -> bool:
        install(rt.app, rt.stats, exit=exits.append)
        for _ in range(2):
            await rt.app.producer.send("t", b"k", b"v")
        return bool(await rt.app.consumer._commit({"tp": 5}))

    assert asyncio.run(run()) is True
    assert committed == [{"tp": 5}] and exits == []


def test_a_record_given_up_stops_the_commit_and_the_worker() -> None:
    rt, committed = _runtime([None, TimeoutError("expired after the delivery timeout")])
    exits: list[int] = []

    async def run() -> bool:
        install(rt.app, rt.stats, exit=exits.append)
        await rt.app.producer.send("t", b"k", b"v")
        fut = await rt.app.producer.send("t", b"k", b"v")
        result = bool(await rt.app.consumer._commit({"tp": 5}))
        fut.exception()
        return result

    assert asyncio.run(run()) is False
    # once when the record failed; the commit, reached only because exit was stubbed, refuses
    assert committed == [] and exits == [EXIT_UNDELIVERED, EXIT_UNDELIVERED]
    assert rt.stats["delivery"]["failed"] == 1


def test_a_record_given_up_ends_the_worker_at_once() -> None:
    # Waiting for the next commit left Faust time to crash on the same outage with status 1
    # (CI, stop 12): the supervisor then saw a crash, not "restart and read again".
    rt, committed = _runtime([TimeoutError("expired after the delivery timeout")])
    exits: list[int] = []

    async def run() -> None:
        install(rt.app, rt.stats, exit=exits.append)
        fut = await rt.app.producer.send("t", b"k", b"v")
        await asyncio.sleep(0)
        fut.exception()

    asyncio.run(run())
    assert exits == [EXIT_UNDELIVERED] and committed == []


def test_a_send_that_raises_counts_as_undelivered() -> None:
    # aiokafka raises from send() itself when the topic's metadata stays out of reach for the
    # whole timeout; Faust's ProducerBuffer then crashed the worker with status 1.
    rt, committed = _runtime([])
    exits: list[int] = []

    async def failing_send(*args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("no metadata for topic")

    rt.app.producer.send = failing_send

    async def run() -> bool:
        install(rt.app, rt.stats, exit=exits.append)
        try:
            await rt.app.producer.send("t", b"k", b"v")
        except TimeoutError:
            pass
        else:
            raise AssertionError("the send's error must reach its caller")
        return bool(await rt.app.consumer._commit({"tp": 5}))

    assert asyncio.run(run()) is False
    assert committed == [] and exits[0] == EXIT_UNDELIVERED
    assert "no metadata" in rt.stats["delivery"]["last_error"]

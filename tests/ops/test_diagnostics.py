"""The SIGUSR1 dump follows await chains through tasks and async generators."""

from __future__ import annotations

import asyncio
import re

from pipeline.ops.diagnostics import format_tasks


def test_task_dump_reaches_the_innermost_await_across_tasks_and_generators() -> None:
    async def innermost_wait(ev: asyncio.Event) -> None:
        await ev.wait()

    async def generator(ev: asyncio.Event):  # type: ignore[no-untyped-def]
        await innermost_wait(ev)
        yield 1

    async def consume(ev: asyncio.Event) -> None:
        async for _ in generator(ev):
            pass

    async def main() -> str:
        ev = asyncio.Event()
        inner = asyncio.create_task(consume(ev), name="consumer-task")

        async def awaits_task() -> None:
            await inner

        outer = asyncio.create_task(awaits_task(), name="outer-task")
        await asyncio.sleep(0.01)
        dump = format_tasks(asyncio.get_running_loop())
        ev.set()
        await outer
        return dump

    dump = asyncio.run(main())
    outer_part = dump.split("TASK outer-task", 1)[1].split("TASK ", 1)[0]
    assert "-> task consumer-task" in outer_part
    for name in ("in consume", "in generator", "in innermost_wait"):
        assert name in outer_part, (name, outer_part)


def test_heap_section_counts_python_blocks_and_the_native_heap() -> None:
    from pipeline.ops.diagnostics import format_heap

    text = format_heap()
    match = re.search(r"python blocks ([\d,]+)", text)
    assert match is not None
    blocks = int(match.group(1).replace(",", ""))
    assert blocks > 1000
    assert re.search(r"malloc \w+ \(MiB\): in use", text) or "no figures" in text

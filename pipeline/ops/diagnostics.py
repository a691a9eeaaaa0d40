"""What a stuck worker is waiting on: `kill -USR1 <pid>` writes it to the worker's log.

Faust's own SIGUSR1 dump prints one frame per task, which for an agent is `await coro`:
nothing about what the agent awaits. This walks each task's await chain to the innermost
frame, and adds the consumer's and producer's state that decide whether records move.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from types import FrameType
from typing import Any

from pipeline.ops.memory import malloc_usage

log = logging.getLogger(__name__)


def _inner(awaitable: Any) -> Any:
    """What a wrapper object (a Task's or coroutine's `__await__` iterator, an async
    generator's `asend`) stands for: found through the garbage collector's references,
    since these C types expose no attribute for it."""
    for ref in gc.get_referents(awaitable):
        if hasattr(ref, "cr_frame") or hasattr(ref, "ag_frame") or isinstance(ref, asyncio.Future):
            return ref
    return None


def _await_chain(coro: Any) -> list[str]:
    lines: list[str] = []
    for _ in range(96):
        if coro is None:
            break
        if isinstance(coro, asyncio.Future):
            if isinstance(coro, asyncio.Task):
                lines.append(f"    -> task {coro.get_name()}")
                coro = coro.get_coro()
                continue
            lines.append(f"    awaiting {coro!r}"[:300])
            break
        frame: FrameType | None = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            code = frame.f_code
            lines.append(f"    {code.co_filename}:{frame.f_lineno} in {code.co_name}")
        nxt = getattr(coro, "cr_await", None)
        if nxt is None:
            nxt = getattr(coro, "ag_await", None)
        if nxt is None and hasattr(coro, "gi_frame"):
            nxt = getattr(coro, "gi_yieldfrom", None)
        if (
            nxt is not None
            and not any(hasattr(nxt, a) for a in ("cr_frame", "ag_frame", "gi_frame"))
            and not isinstance(nxt, asyncio.Future)
        ):
            inner = _inner(nxt)
            if inner is None:
                lines.append(f"    awaiting {nxt!r}"[:300])
                break
            nxt = inner
        coro = nxt
    return lines


def format_tasks(loop: asyncio.AbstractEventLoop) -> str:
    """Every pending task with its full await chain, innermost frame last."""
    out: list[str] = []
    for task in sorted(asyncio.all_tasks(loop), key=lambda t: t.get_name()):
        coro = task.get_coro()
        out.append(f"TASK {task.get_name()} {getattr(coro, '__qualname__', coro)!r}")
        out.extend(_await_chain(coro))
    return "\n".join(out)


def format_faust_state(app: Any) -> str:
    """The consumer's and producer's state that decides whether records flow."""
    lines: list[str] = []
    try:
        consumer = app.consumer
        assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in consumer.assignment())
        lines.append(f"assigned: {assigned}")
        thread = getattr(consumer, "_thread", None)
        inner = getattr(thread, "_consumer", None)
        if inner is not None:
            paused = sorted(f"{tp.topic}:{tp.partition}" for tp in inner.paused())
            lines.append(f"aiokafka paused: {paused}")
        active = getattr(consumer, "_active_partitions", None)
        if active is not None:
            lines.append(f"faust active partitions: {sorted(map(str, active))}")
        lines.append(f"faust paused partitions: {sorted(map(str, consumer._paused_partitions))}")
        lines.append(f"consumer can_resume_flow: {consumer.can_resume_flow.is_set()}")
        lines.append(f"flow control active: {app.flow_control.is_active()}")
        for tp in sorted(consumer.assignment()):
            if tp.topic in app.tables.changelog_topics:
                continue
            lines.append(
                f"  {tp.topic}:{tp.partition} read={consumer._read_offset.get(tp)}"
                f" committed={consumer._committed_offset.get(tp)}"
                f" acked-uncommitted={len(consumer._acked.get(tp, ()))}"
            )
        recovery = app.tables.recovery
        lines.append(
            f"recovery: in_recovery={recovery.in_recovery}"
            f" active_remaining={recovery.active_remaining_total()}"
            f" standby_remaining={recovery.standby_remaining_total()}"
        )
        buffer = app.producer.buffer
        lines.append(f"producer buffer size: {buffer.size}")
        aio: Any = getattr(app.producer, "_producer", None)
        sender = getattr(aio, "_sender", None)
        if aio is not None and sender is not None:
            lines.append(f"aiokafka in flight nodes: {sorted(sender._in_flight)}")
            lines.append(f"aiokafka muted partitions: {len(sender._muted_partitions)}")
            task = getattr(sender, "sender_task", None) or getattr(sender, "_sender_task", None)
            lines.append(f"aiokafka sender task: {task!r}"[:300])
            acc = aio._message_accumulator
            queued = sum(len(q) for q in acc._batches.values())
            lines.append(f"aiokafka accumulator batches: {queued}")
    except Exception as exc:  # a diagnostic must never take the worker down
        lines.append(f"(state incomplete: {exc!r})")
    return "\n".join(lines)


_last_snapshot: Any = None


def format_memory(top: int = 15) -> str:
    """Where memory grew since the previous dump (only when started with
    PYTHONTRACEMALLOC=1: tracing costs too much to leave on)."""
    global _last_snapshot
    import tracemalloc

    if not tracemalloc.is_tracing():
        return "memory: tracemalloc off (start the worker with PYTHONTRACEMALLOC=1)"
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    if _last_snapshot is None:
        stats = snapshot.statistics("lineno")[:top]
        lines = ["memory: largest allocation sites (first dump)"]
        lines += [f"  {s}" for s in stats]
    else:
        diff = snapshot.compare_to(_last_snapshot, "lineno")[:top]
        lines = ["memory: growth since the previous dump"]
        lines += [f"  {d}" for d in diff]
    _last_snapshot = snapshot
    return "\n".join(lines)


ROCKSDB_MEMORY = (
    ("memtables", "rocksdb.cur-size-all-mem-tables"),
    ("table readers", "rocksdb.estimate-table-readers-mem"),
    ("pinned blocks", "rocksdb.block-cache-pinned-usage"),
    ("live data", "rocksdb.estimate-live-data-size"),
)


def format_rocksdb_memory(app: Any) -> str:
    """RocksDB memory per table, summed over its partitions, and the shared block cache."""
    lines = ["rocksdb memory (KiB; per table over its open partitions):"]
    cache_usage: int | None = None
    for name, table in sorted(getattr(app, "tables", {}).items()):
        dbs = getattr(getattr(table, "data", None), "_dbs", None)
        if not dbs:
            continue
        sums = dict.fromkeys((label for label, _ in ROCKSDB_MEMORY), 0)
        for db in list(dbs.values()):
            for label, prop in ROCKSDB_MEMORY:
                sums[label] += db.property_int_value(prop) or 0
            cache_usage = db.property_int_value("rocksdb.block-cache-usage")
        cells = ", ".join(f"{label} {value // 1024}" for label, value in sums.items())
        lines.append(f"  {name} [{len(dbs)}]: {cells}")
    if cache_usage is not None:
        lines.append(f"  block cache (shared by every store): {cache_usage // 1024}")
    return "\n".join(lines)


def format_heap() -> str:
    """Python's live blocks and objects, and the allocator's own figures (jemalloc or glibc):
    cheap enough for every dump; tells Python growth from native growth from fragmentation."""
    blocks = sys.getallocatedblocks()  # pymalloc's count: 0 under PYTHONMALLOC=malloc
    lines = [
        f"heap: python blocks {f'{blocks:,}' if blocks else 'n/a (PYTHONMALLOC=malloc)'}, "
        f"gc objects {len(gc.get_objects()):,} (+{gc.get_freeze_count():,} frozen)"
    ]
    usage = malloc_usage()
    if usage is None:
        lines.append("  malloc: no figures from this allocator")
    else:
        mib = 1024 * 1024
        held = "free in heap" if usage.allocator == "glibc" else "resident, not allocated"
        lines.append(
            f"  malloc {usage.allocator} (MiB): in use {usage.in_use / mib:.1f}, {held} "
            f"{usage.free / mib:.1f}, mmapped {usage.mmapped / mib:.1f}"
        )
    return "\n".join(lines)


def format_thread_loops() -> str:
    """Tasks of the event loops other threads run (Faust's consumer thread has its own)."""
    out: list[str] = []
    for thread in threading.enumerate():
        loop = getattr(getattr(thread, "service", None), "thread_loop", None)
        if loop is None or loop is asyncio.get_running_loop():
            continue
        try:
            out.append(f"THREAD {thread.name} loop tasks:\n{format_tasks(loop)}")
        except RuntimeError as exc:  # the set changed while we read it: say so, go on
            out.append(f"THREAD {thread.name}: tasks unreadable ({exc})")
    return "\n".join(out)


def dump(app: Any) -> None:
    """Log the task dump and the Faust state at WARNING (so it shows at any log level)."""
    loop = asyncio.get_running_loop()
    log.warning(
        "diagnostic dump (SIGUSR1)\n%s\n%s\n%s\n%s\n%s\n%s",
        format_faust_state(app),
        format_rocksdb_memory(app),
        format_heap(),
        format_memory(),
        format_tasks(loop),
        format_thread_loops(),
    )

"""`frontline worker`: run the Faust worker (normalize agent, tables, HTTP read side)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline.broker.clients import BrokerUnavailable, ensure_topics
from pipeline.cli import CliError
from pipeline.config import Settings, get_settings
from pipeline.topics import changelog_specs, topic_specs


def use_uvloop() -> None:
    """Run the worker (and Faust's consumer thread) on libuv's event loop."""
    try:
        import mode.loop

        mode.loop.use("uvloop")
    except ImportError as exc:
        raise CliError(
            "FRONTLINE_EVENT_LOOP=uvloop but uvloop is not installed (pip install uvloop)",
            exit_code=2,
        ) from exc


def choose_allocator(settings: Settings) -> None:
    """Re-execute this worker with jemalloc preloaded when settings ask for it and it is not
    serving malloc yet (it must be in place before the first allocation, hence a re-exec).
    Why jemalloc: docs/soak.md."""
    from pipeline.ops import memory

    try:
        env = memory.preload_env(
            settings.allocator,
            os.environ,
            active=memory.active_allocator(),
            library=memory.find_jemalloc(settings.jemalloc_path),
            malloc_conf=settings.jemalloc_conf,
        )
    except memory.AllocatorError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    if env is not None:
        memory.reexec(env)


def run_worker(settings: Settings, loglevel: str = "info") -> int:
    choose_allocator(settings)
    import faust

    from pipeline.app import create_app
    from pipeline.ops import diagnostics, memory

    memory.fix_malloc_thresholds(settings.malloc_mmap_threshold_bytes)

    if settings.event_loop == "uvloop":
        use_uvloop()
    runtime = create_app(settings)
    # The app's own topics and its tables' changelogs, in one pass, before Faust starts.
    tables = [(t.changelog_topic_name, t.partitions) for t in runtime.app.tables.values()]
    try:
        ensure_topics(settings, topic_specs(settings) + changelog_specs(settings, tables))
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc

    class Worker(faust.Worker):
        def _on_sigusr1(self) -> None:
            # Faust's dump shows one frame per task; ours follows each await chain.
            diagnostics.dump(runtime.app)

    worker = Worker(runtime.app, loglevel=loglevel, quiet=True)
    # At WARN and above Faust installs a terminal spinner that lowers the root logger to
    # DEBUG, so every aiokafka debug call builds a LogRecord: 12% of a busy worker's CPU
    # (py-spy), and cursor escapes in log files. The spinner is for humans at a terminal.
    worker.spinner = None
    memory.tune_gc(settings.gc_gen0_threshold)
    worker.execute_from_commandline()
    return 0


def worker_settings(args: argparse.Namespace, base: Settings) -> Settings:
    """`base` with the command line's options applied (validated like the environment)."""
    options = {
        name: value
        for name, value in (("web_port", args.web_port), ("worker_datadir", args.datadir))
        if value is not None
    }
    if not options:
        return base
    return Settings.model_validate({**base.model_dump(), **options})


def _worker(args: argparse.Namespace) -> int:
    return run_worker(worker_settings(args, get_settings()), loglevel=args.loglevel)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run a Faust worker (scale by starting more)")
    p.add_argument("--web-port", type=int, help="HTTP port (one per worker on a host)")
    p.add_argument("--datadir", type=Path, help="table state directory (one per worker)")
    p.add_argument(
        "-l", "--loglevel", default="info", choices=("crit", "error", "warn", "info", "debug")
    )
    p.set_defaults(func=_worker)

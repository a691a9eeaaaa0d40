"""Process-wide memory settings of a worker: Python's garbage collector and glibc's malloc.

glibc serves a request of at least `M_MMAP_THRESHOLD` bytes with its own mmap, returned to
the system when freed, but raises that threshold to the size of every such block freed (up
to 32 MiB). RocksDB's memtable arenas and block reads are exactly such blocks: after the
first flushes they land in the heap, and the holes they leave are kept by the process. The
soak showed it: "free in heap" grew 20 -> 39 MiB over 80,000 articles (SIGUSR1 dumps) and
stayed at 15 -> 16 MiB with a fixed threshold. Setting the threshold explicitly is what
turns glibc's adjustment off. What the heap still keeps free (Python's and aiokafka's
buffers of every size) goes back to the system every `malloc_trim_seconds`.

Where jemalloc is installed (Debian: libjemalloc2) the worker runs on it instead, Python's
small objects included (`PYTHONMALLOC=malloc`; `FRONTLINE_ALLOCATOR`,
`pipeline.cli.worker_cmd`): the same figures and the same periodic release then go through
its `mallctl`, and glibc's thresholds are left alone. Over 300,000 articles the soak's RSS
grew 12.0% after warm-up on glibc, 2.1% and 5.1% on jemalloc (docs/soak.md).
"""

from __future__ import annotations

import ctypes
import gc
import glob
import logging
import os
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3


@cache
def _glibc(name: str) -> Any:
    """glibc's function `name`, or None where there is no glibc (or one without it)."""
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


# Where distributions install jemalloc's shared library (Debian and Ubuntu put it under
# their multiarch directory, e.g. /usr/lib/x86_64-linux-gnu).
JEMALLOC_GLOBS = (
    "/usr/lib/*-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
    "/usr/local/lib/libjemalloc.so.2",
)
# Set in the environment of a worker re-executed with jemalloc preloaded: never twice.
PRELOADED_MARK = "FRONTLINE_ALLOCATOR_PRELOADED"
MALLCTL_ARENAS_ALL = 4096  # jemalloc's "all arenas" index in arena.<i>.* names


@cache
def _jemalloc(name: str) -> Any:
    """jemalloc's function `name` when jemalloc serves this process's malloc, else None."""
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def active_allocator() -> Literal["jemalloc", "glibc", "other"]:
    if _jemalloc("mallctl") is not None:
        return "jemalloc"
    return "glibc" if _glibc("mallinfo2") is not None else "other"


def find_jemalloc(explicit: Path | None = None) -> Path | None:
    """The jemalloc library to preload: `explicit` if it exists, else the first one found."""
    if explicit is not None:
        return explicit if explicit.is_file() else None
    for pattern in JEMALLOC_GLOBS:
        for hit in sorted(glob.glob(pattern)):
            return Path(hit)
    return None


class AllocatorError(RuntimeError):
    """jemalloc was asked for and cannot be had."""


def preload_env(
    choice: Literal["auto", "jemalloc", "system"],
    environ: Mapping[str, str],
    *,
    active: str,
    library: Path | None,
    malloc_conf: str,
) -> dict[str, str] | None:
    """The environment to re-execute this process with so that jemalloc serves malloc, or
    None to carry on as it is. Raises AllocatorError when "jemalloc" cannot be honoured."""
    if choice == "system" or active == "jemalloc":
        return None
    if environ.get(PRELOADED_MARK):  # preloaded once and still not active: do not loop
        if choice == "jemalloc":
            raise AllocatorError(f"{library} was preloaded but does not serve malloc")
        return None
    if library is None:
        if choice == "jemalloc":
            raise AllocatorError(
                "FRONTLINE_ALLOCATOR=jemalloc but no jemalloc library was found "
                "(Debian/Ubuntu: apt install libjemalloc2; or set FRONTLINE_JEMALLOC_PATH)"
            )
        return None
    env = dict(environ)
    env["LD_PRELOAD"] = " ".join(p for p in (str(library), env.get("LD_PRELOAD", "")) if p)
    env.setdefault("MALLOC_CONF", malloc_conf)  # an operator's own MALLOC_CONF wins
    # Python's small objects too: pymalloc's arenas go back only when wholly empty, and the
    # soak's RSS grew +6.4% with them against +2.1% with every object in jemalloc.
    env.setdefault("PYTHONMALLOC", "malloc")
    env[PRELOADED_MARK] = "1"
    return env


def reexec(env: Mapping[str, str]) -> None:
    """Replace this process with itself, same command line, in `env`."""
    os.execve(sys.executable, sys.orig_argv, dict(env))


def _mallctl_size(name: str) -> int | None:
    mallctl = _jemalloc("mallctl")
    value = ctypes.c_size_t(0)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    rc = mallctl(name.encode(), ctypes.byref(value), ctypes.byref(size), None, 0)
    return int(value.value) if rc == 0 else None


def fix_malloc_thresholds(mmap_threshold: int) -> bool:
    """Fix glibc's mmap and trim thresholds (0: leave glibc's dynamic ones). False where
    glibc does not serve malloc."""
    if mmap_threshold <= 0 or active_allocator() != "glibc":
        return False
    mallopt = _glibc("mallopt")
    if mallopt is None:
        log.info("no glibc mallopt here; malloc thresholds left as they are")
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold))
    ok = bool(mallopt(M_TRIM_THRESHOLD, 2 * mmap_threshold)) and ok
    return ok


class MallocUsage(NamedTuple):
    """The allocator's own figures, in bytes: handed out; held but free (glibc: free in its
    heap; jemalloc: resident minus allocated); mapped outside the heap (glibc: its own mmaps;
    jemalloc: all it maps)."""

    allocator: str
    in_use: int
    free: int
    mmapped: int


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
            "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def malloc_usage() -> MallocUsage | None:
    """jemalloc's figures, or glibc's (mallinfo2); None with neither (or glibc < 2.33)."""
    if active_allocator() == "jemalloc":
        epoch = ctypes.c_uint64(1)  # writing the epoch refreshes jemalloc's statistics
        _jemalloc("mallctl")(b"epoch", None, None, ctypes.byref(epoch), ctypes.sizeof(epoch))
        figures = [_mallctl_size(f"stats.{n}") for n in ("allocated", "resident", "mapped")]
        if any(f is None for f in figures):
            return None
        allocated, resident, mapped = (int(f or 0) for f in figures)
        return MallocUsage("jemalloc", allocated, max(0, resident - allocated), mapped)
    mallinfo2 = _glibc("mallinfo2")
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return MallocUsage("glibc", info.uordblks, info.fordblks, info.hblkhd)


def release_free_heap() -> bool:
    """Hand the allocator's free pages back to the system (jemalloc: purge every arena;
    glibc: malloc_trim). False where neither could, or glibc released nothing."""
    if active_allocator() == "jemalloc":
        name = f"arena.{MALLCTL_ARENAS_ALL}.purge".encode()
        return _jemalloc("mallctl")(name, None, None, None, 0) == 0
    trim = _glibc("malloc_trim")
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    return bool(trim(0))


def tune_gc(gen0_threshold: int) -> None:
    """Freeze the objects built so far out of later collections; set the young threshold."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)

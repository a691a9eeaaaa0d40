"""Process-wide memory settings of a worker: Python's garbage collector and glibc's malloc.

glibc serves a request of at least `M_MMAP_THRESHOLD` bytes with its own mmap, returned to
the system when freed, but raises that threshold to the size of every such block freed (up
to 32 MiB). RocksDB's memtable arenas and block reads are exactly such blocks: after the
first flushes they land in the heap, and the holes they leave are kept by the process. The
soak showed it: "free in heap" grew 20 -> 39 MiB over 80,000 articles (SIGUSR1 dumps) and
stayed at 15 -> 16 MiB with a fixed threshold. Setting the threshold explicitly is what
turns glibc's adjustment off. What the heap still keeps free (Python's and aiokafka's
buffers of every size) goes back to the system every `malloc_trim_seconds`.
"""

from __future__ import annotations

import ctypes
import gc
import logging
from functools import cache
from typing import Any, NamedTuple

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


def fix_malloc_thresholds(mmap_threshold: int) -> bool:
    """Fix glibc's mmap and trim thresholds (0: leave glibc's dynamic ones). False where
    there is no glibc."""
    if mmap_threshold <= 0:
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
    """glibc's heap, in bytes: handed out, free inside the heap, in separate mappings."""

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
    """glibc's own figures (mallinfo2); None without glibc >= 2.33."""
    mallinfo2 = _glibc("mallinfo2")
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return MallocUsage(in_use=info.uordblks, free=info.fordblks, mmapped=info.hblkhd)


def release_free_heap() -> bool:
    """Hand the heap's free pages back to the system (glibc's malloc_trim). False where
    there is no glibc or nothing was released."""
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

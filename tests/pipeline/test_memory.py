"""Worker memory settings (pipeline.memory), no broker."""

from __future__ import annotations

import gc
import platform

import pytest

from pipeline.memory import fix_malloc_thresholds, malloc_usage, release_free_heap, tune_gc


def test_zero_leaves_glibc_thresholds_alone() -> None:
    assert fix_malloc_thresholds(0) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_thresholds_are_fixed_on_glibc() -> None:
    assert fix_malloc_thresholds(128 * 1024) is True


def test_tune_gc_freezes_startup_objects_and_sets_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_gc(5000)
        assert gc.get_threshold() == (5000, before[1], before[2])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_free_heap_pages_are_released() -> None:
    junk = [bytearray(4096) for _ in range(20_000)]  # ~80 MiB in small heap chunks
    del junk
    assert release_free_heap() is True


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallinfo2 is glibc's")
def test_malloc_usage_sees_a_large_live_allocation() -> None:
    before = malloc_usage()
    held = [bytearray(8192) for _ in range(2000)]  # 16 MiB in heap chunks
    during = malloc_usage()
    assert before is not None and during is not None
    assert during.in_use - before.in_use > 10 * 1024 * 1024
    del held

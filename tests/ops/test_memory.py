"""Worker memory settings (pipeline.ops.memory), no broker."""

from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.ops.memory import (
    PRELOADED_MARK,
    AllocatorError,
    find_jemalloc,
    fix_malloc_thresholds,
    malloc_usage,
    preload_env,
    release_free_heap,
    tune_gc,
)


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


# -- the allocator choice (jemalloc preloaded by re-executing the worker) ----------------

JE = Path("/opt/jemalloc/libjemalloc.so.2")
CONF = "background_thread:true"


def _plan(choice: str, environ: dict[str, str] | None = None, **kw: Any) -> dict[str, str] | None:
    args: dict[str, Any] = {"active": "glibc", "library": JE, "malloc_conf": CONF}
    args.update(kw)
    return preload_env(choice, environ or {}, **args)  # type: ignore[arg-type]


def test_auto_preloads_jemalloc_where_it_is_found() -> None:
    env = _plan("auto", {"LD_PRELOAD": "/lib/other.so", "PATH": "/bin"})
    assert env is not None
    assert env["LD_PRELOAD"].split() == [str(JE), "/lib/other.so"]
    assert env["MALLOC_CONF"] == CONF
    assert env[PRELOADED_MARK] == "1" and env["PATH"] == "/bin"
    assert env["PYTHONMALLOC"] == "malloc"  # Python's small objects go to jemalloc too


def test_an_operators_malloc_conf_and_pythonmalloc_win() -> None:
    env = _plan("jemalloc", {"MALLOC_CONF": "narenas:1", "PYTHONMALLOC": "pymalloc"})
    assert env is not None
    assert (env["MALLOC_CONF"], env["PYTHONMALLOC"]) == ("narenas:1", "pymalloc")


def test_nothing_to_do_when_system_is_asked_or_jemalloc_already_serves() -> None:
    assert _plan("system") is None
    assert _plan("auto", active="jemalloc") is None
    assert _plan("jemalloc", active="jemalloc") is None


def test_auto_without_the_library_keeps_the_system_malloc() -> None:
    assert _plan("auto", library=None) is None


def test_jemalloc_without_the_library_is_a_clear_error() -> None:
    with pytest.raises(AllocatorError, match="libjemalloc2"):
        _plan("jemalloc", library=None)


def test_a_preload_that_did_not_take_is_not_retried() -> None:
    marked = {PRELOADED_MARK: "1"}
    assert _plan("auto", marked) is None  # no exec loop
    with pytest.raises(AllocatorError, match="does not serve malloc"):
        _plan("jemalloc", marked)


def test_an_explicit_library_path_must_exist(tmp_path: Path) -> None:
    assert find_jemalloc(tmp_path / "missing.so") is None
    lib = tmp_path / "libjemalloc.so.2"
    lib.write_bytes(b"")
    assert find_jemalloc(lib) == lib


@pytest.mark.skipif(find_jemalloc() is None, reason="jemalloc is not installed here")
def test_worker_reexecutes_itself_on_jemalloc() -> None:
    # The real re-exec, in a child: afterwards jemalloc serves malloc and its figures and
    # purge work (what the worker's diagnostics and heap timer rely on).
    code = (
        "from pipeline.cli.worker_cmd import choose_allocator\n"
        "from pipeline.config import Settings\n"
        "from pipeline.ops import memory\n"
        "choose_allocator(Settings(allocator='jemalloc'))\n"
        "before = memory.malloc_usage()\n"
        "held = [bytearray(8192) for _ in range(2000)]\n"
        "during = memory.malloc_usage()\n"
        "import sys\n"
        "print(memory.active_allocator(), during.in_use - before.in_use > 10 * 2**20,"
        " memory.release_free_heap(), memory.fix_malloc_thresholds(131072),"
        " sys.getallocatedblocks() == 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", PRELOADED_MARK)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    # ... and Python's small objects are jemalloc's too (pymalloc counts no blocks).
    assert out.stdout.split() == ["jemalloc", "True", "True", "False", "True"]

"""The watchdog's stall rule (pure): no progress, with work waiting, for stall_seconds."""

from __future__ import annotations

from pipeline.ops.watchdog import StallDetector


def test_no_progress_with_a_backlog_for_the_whole_period_is_a_stall() -> None:
    d = StallDetector(stall_seconds=60)
    assert not d.observe(0, progress=(10, 5), backlog=100)
    assert not d.observe(59, progress=(10, 5), backlog=100)
    assert d.observe(60, progress=(10, 5), backlog=100)


def test_progress_restarts_the_clock() -> None:
    d = StallDetector(stall_seconds=60)
    d.observe(0, progress=1, backlog=100)
    d.observe(50, progress=2, backlog=100)
    assert not d.observe(100, progress=2, backlog=100)
    assert d.observe(110, progress=2, backlog=100)


def test_an_idle_worker_with_nothing_to_do_is_never_stalled() -> None:
    d = StallDetector(stall_seconds=60)
    for t in range(0, 1000, 10):
        assert not d.observe(t, progress=7, backlog=0)


def test_a_backlog_appearing_after_a_quiet_spell_gets_the_full_period() -> None:
    d = StallDetector(stall_seconds=60)
    d.observe(0, progress=7, backlog=0)
    d.observe(500, progress=7, backlog=0)
    assert not d.observe(510, progress=7, backlog=30)  # new articles just arrived
    assert not d.observe(560, progress=7, backlog=30)
    assert d.observe(571, progress=7, backlog=30)

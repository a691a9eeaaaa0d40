"""Faust never commits past an offset no agent handled (pipeline.faust_fixes.offsets), no broker."""

from __future__ import annotations

import asyncio
from pathlib import Path

from faust.types import TP

from pipeline.app import create_app
from pipeline.config import Settings
from pipeline.faust_fixes.offsets import first_committable

ARTICLES = TP(topic="frontline.articles", partition=0)


def test_acked_offsets_after_a_hole_are_not_committable() -> None:
    assert first_committable(None, [5, 6])  # nothing committed yet: from wherever it starts
    assert first_committable(10, [10, 11, 12])
    assert first_committable(10, [8, 9, 10])  # replays below the committed offset
    assert not first_committable(10, [11, 12])  # offset 10 was never handled
    assert first_committable(10, [])


def test_the_consumer_does_not_commit_past_a_dropped_record(tmp_path: Path) -> None:
    app = create_app(Settings(state_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")).app
    consumer = app.consumer
    consumer._committed_offset[ARTICLES] = 547
    consumer._acked[ARTICLES] = [548, 549, 550]  # 547 was dropped by the fetcher
    assert consumer._new_offset(ARTICLES) is None  # Faust's own logic answered 551
    consumer._acked[ARTICLES] = [547, 548, 549]
    assert consumer._new_offset(ARTICLES) == 550


def test_a_jump_in_offsets_is_not_counted_as_done(tmp_path: Path) -> None:
    app = create_app(Settings(state_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")).app
    consumer = app.consumer
    consumer._committed_offset[ARTICLES] = 100
    asyncio.run(consumer._add_gap(ARTICLES, 101, 120))
    assert not consumer._gap[ARTICLES]
    consumer._acked[ARTICLES] = [121]
    assert consumer._new_offset(ARTICLES) is None

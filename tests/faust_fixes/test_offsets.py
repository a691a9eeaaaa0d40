"""Faust never commits past an offset no agent handled (pipeline.faust_fixes.offsets), no broker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from faust.types import TP

from pipeline.app import create_app
from pipeline.config import Settings
from pipeline.faust_fixes import offsets
from pipeline.faust_fixes.offsets import HoleWatch, first_committable, in_flight_before

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


def test_a_hole_is_due_for_a_reread_only_after_the_grace_period() -> None:
    watch = HoleWatch(grace=5.0)
    assert not watch.due(ARTICLES, 100.0, hole=True)
    assert not watch.due(ARTICLES, 104.9, hole=True)
    assert watch.due(ARTICLES, 105.0, hole=True)
    assert not watch.due(ARTICLES, 106.0, hole=True)  # one re-read per grace period
    assert watch.due(ARTICLES, 110.0, hole=True)
    assert not watch.due(ARTICLES, 111.0, hole=False)  # the hole closed: the clock restarts
    assert not watch.due(ARTICLES, 115.0, hole=True)


def test_a_record_still_being_handled_is_no_hole() -> None:
    @dataclass
    class Msg:
        tp: TP
        offset: int

    other = TP(topic="frontline.articles", partition=1)
    assert in_flight_before(ARTICLES, 12, [Msg(ARTICLES, 10)])
    assert not in_flight_before(ARTICLES, 12, [Msg(ARTICLES, 13), Msg(other, 10)])


def test_a_partition_held_by_a_hole_is_read_again_from_its_commit(tmp_path: Path) -> None:
    now = [0.0]
    app = create_app(Settings(state_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")).app
    consumer = app.consumer
    offsets.install(app, reread_after=5.0, clock=lambda: now[0])
    seeks: list[dict[TP, int]] = []

    async def seek_wait(partitions: dict[TP, int]) -> None:
        seeks.append(dict(partitions))

    consumer.seek_wait = seek_wait

    async def commits() -> None:
        consumer._committed_offset[ARTICLES] = 547
        consumer._acked[ARTICLES] = [548, 549]  # 547 was skipped by the fetcher
        assert consumer._new_offset(ARTICLES) is None
        now[0] = 6.0
        assert consumer._new_offset(ARTICLES) is None
        await asyncio.sleep(0)
        assert seeks == [{ARTICLES: 547}]
        consumer._acked[ARTICLES] = [547, 548, 549]  # read again and handled
        assert consumer._new_offset(ARTICLES) == 550

    asyncio.run(commits())

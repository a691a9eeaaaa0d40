from __future__ import annotations

import itertools
from datetime import date

import pytest

from pipeline.tables import NotApplicableError, claims
from schemas.rows import MAX_CLAIM_HISTORY, ClaimRow


def fold(events):
    row = None
    for ev in events:
        row = claims.apply(row, ev)
    return row


def share_events(make):
    return [
        make.control(
            "s1",
            "2021-07-09",
            change="hold",
            place=make.AFGHANISTAN,
            share=85.0,
            claim="claimed",
            claimant=make.TALIBAN,
        ),
        make.control("s2", "2021-06-01", change="hold", place=make.AFGHANISTAN, share=50.0),
        make.control(
            "s3", "2021-08-01", change="hold", place=make.AFGHANISTAN, share=90.0, source="BBC"
        ),
    ]


def test_latest_claim_and_history(make):
    row = fold(share_events(make))
    assert row.actor_code == "TALIBAN"
    assert row.territory_share_percent == 90.0
    assert row.event_date == date(2021, 8, 1)
    assert row.claimant.code == "TALIBAN"  # defaults to the actor
    assert row.country == "AFG"
    assert [c.event_id for c in row.history] == ["s2", "s1", "s3"]
    assert row.reports == 3
    assert row.sources.count == 2


def test_order_independent(make):
    evs = share_events(make)
    ref = fold(evs).model_dump(mode="json", exclude={"event_ids", "happening_ids"})
    for perm in itertools.permutations(evs):
        got = fold(perm).model_dump(mode="json", exclude={"event_ids", "happening_ids"})
        assert got == ref


def test_accepts_only_share_events(make):
    assert not claims.accepts(make.control("c", "2021-01-01"))
    assert not claims.accepts(make.withdrawal("w", "2021-01-01"))
    with pytest.raises(NotApplicableError):
        claims.apply(None, make.control("c", "2021-01-01"))


def test_republished_noop(make):
    evs = share_events(make)
    row = fold(evs)
    assert claims.apply(row, evs[0]) is row


def test_history_bounded_keeps_latest(make):
    row = None
    n = MAX_CLAIM_HISTORY + 15
    for i in range(n):
        day = date.fromordinal(date(2012, 1, 1).toordinal() + i)
        ev = make.control(
            f"s{i:03d}", day, change="hold", place=make.AFGHANISTAN, share=float(i % 100)
        )
        row = claims.apply(row, ev)
    assert len(row.history) == MAX_CLAIM_HISTORY
    assert row.history[-1].event_id == f"s{n - 1:03d}"
    assert row.history[0].event_id == f"s{n - MAX_CLAIM_HISTORY:03d}"
    assert row.reports == n
    assert ClaimRow.model_validate_json(row.model_dump_json()) == row


def test_an_ingestion_dated_claim_is_not_the_latest_over_a_dated_one(make):
    dated = make.control("c1", "2021-07-20", share=85.0, place=make.AFGHANISTAN)
    undated = make.control(
        "c2", "2026-12-02", share=40.0, place=make.AFGHANISTAN, date_basis="ingestion"
    )
    for order in ((dated, undated), (undated, dated)):
        row = None
        for ev in order:
            row = claims.apply(row, ev)
        assert row.territory_share_percent == 85.0
        assert row.date_basis.value == "published_at"
        assert len(row.history) == 2 and row.reports == 2

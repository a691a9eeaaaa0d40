from __future__ import annotations

from datetime import date

import pytest

from pipeline.tables import dedup
from schemas.rows import MAX_HAPPENINGS_PER_KEY, DedupEntry, DedupOutcome


def run(events, entry=None):
    decisions = []
    for ev in events:
        entry, decision = dedup.register(entry, ev)
        decisions.append(decision)
    return entry, decisions


def test_key_parts(make):
    ev = make.control("e1", "2021-08-08", change="gain")
    assert dedup.dedup_key(ev) == "territorial_control|TALIBAN|AF1701|gain"
    w = make.withdrawal("w1", "2012-01-01", status="ongoing", place=None)
    assert dedup.dedup_key(w) == "withdrawal|FRA|-|ongoing"


def test_same_happening_across_articles_one_day_apart(make):
    e1 = make.control("e1", "2021-08-08", source="Reuters")
    e2 = make.control("e2", "2021-08-09", source="BBC")
    entry, (d1, d2) = run([e1, e2])
    assert d1.outcome is DedupOutcome.NEW
    assert d2.outcome is DedupOutcome.DUPLICATE
    assert d1.happening_id == d2.happening_id
    assert d2.canonical_date == date(2021, 8, 8)
    assert d2.event_date == date(2021, 8, 9)
    assert d2.reports == 2 and d2.source_count == 2
    assert len(entry.happenings) == 1
    h = entry.happenings[0]
    assert (h.first_date, h.last_date) == (date(2021, 8, 8), date(2021, 8, 9))
    assert h.sources.names == ["BBC", "Reuters"]


def test_two_days_apart_are_distinct(make):
    _, (d1, d2) = run([make.control("e1", "2021-08-08"), make.control("e2", "2021-08-10")])
    assert d2.outcome is DedupOutcome.NEW
    assert d1.happening_id != d2.happening_id


def test_no_chaining_of_daily_reports(make):
    events = [make.control(f"e{i}", date(2021, 8, 1 + i), change="hold") for i in range(6)]
    entry, decisions = run(events)
    # Day 1 anchors a happening; day 2 joins it; day 3 is new (2 days from the anchor)...
    assert [d.outcome.value for d in decisions] == [
        "new",
        "duplicate",
        "new",
        "duplicate",
        "new",
        "duplicate",
    ]
    assert len(entry.happenings) == 3


def test_other_parts_of_fingerprint_differ(make):
    base = make.control("e1", "2021-08-08")
    others = [
        make.control("x1", "2021-08-08", actor=make.AFG_FORCES),
        make.control("x2", "2021-08-08", place=make.NIJRAB),
        make.control("x3", "2021-08-08", change="contest"),
    ]
    for other in others:
        entry, _ = dedup.register(None, base)
        assert dedup.dedup_key(other) != entry.key


def test_republished_event_is_replay_and_changes_nothing(make):
    e1 = make.control("e1", "2021-08-08")
    entry, _ = run([e1, make.control("e2", "2021-08-08", source="BBC")])
    again, decision = dedup.register(entry, e1)
    assert decision.outcome is DedupOutcome.REPLAY
    assert again is entry
    assert again.happenings[0].reports == 2


def test_nearest_happening_wins(make):
    entry, _ = run([make.control("a", "2021-08-01"), make.control("b", "2021-08-03")])
    entry, d = dedup.register(entry, make.control("c", "2021-08-04"))
    assert d.outcome is DedupOutcome.DUPLICATE
    assert d.canonical_date == date(2021, 8, 3)
    entry, d = dedup.register(entry, make.control("d", "2021-08-02"))
    # Equidistant from 08-01 and 08-03: the earlier anchor wins, deterministically.
    assert d.canonical_date == date(2021, 8, 1)


def test_happening_id_deterministic(make):
    _, (d1,) = run([make.control("e1", "2021-08-08")])
    _, (d2,) = run([make.control("other-id", "2021-08-08")])
    assert d1.happening_id == d2.happening_id == dedup.happening_id_for(d1.key, d1.canonical_date)


def test_entry_roundtrip_and_bounded(make):
    entry = None
    for i in range(MAX_HAPPENINGS_PER_KEY + 20):
        day = date.fromordinal(date(2012, 1, 1).toordinal() + 3 * i)
        entry, _ = dedup.register(entry, make.control(f"e{i}", day))
    assert len(entry.happenings) == MAX_HAPPENINGS_PER_KEY
    assert entry.happenings[0].canonical_date > date(2012, 1, 1)
    assert DedupEntry.model_validate_json(entry.model_dump_json()) == entry


def test_withdrawal_dedup(make):
    e1 = make.withdrawal("w1", "2012-05-25", status="announced", troops=2000)
    e2 = make.withdrawal("w2", "2012-05-26", status="announced", troops=2000, source="Le Monde")
    e3 = make.withdrawal("w3", "2012-05-26", status="ongoing")
    _, (d1, d2) = run([e1, e2])
    _, (d3,) = run([e3])
    assert (d1.outcome, d2.outcome) == (DedupOutcome.NEW, DedupOutcome.DUPLICATE)
    assert d3.outcome is DedupOutcome.NEW  # different status -> different key
    assert d3.key != d1.key


def test_entry_of_another_key_rejected(make):
    entry, _ = dedup.register(None, make.control("e1", "2021-08-08"))
    with pytest.raises(ValueError):
        dedup.register(entry, make.control("e2", "2021-08-08", change="contest"))


def test_published_at_fallback_date(make):
    ev = make.control("e1", None, published_at="2012-03-04")
    _, decision = dedup.register(None, ev)
    assert decision.canonical_date == date(2012, 3, 4)

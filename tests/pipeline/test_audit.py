"""The audit's reconciliation rules, on hand-built records."""

from __future__ import annotations

from typing import Any

from pipeline.audit import ArticleRef, reconcile


def entry(
    partition: int, offset: int, outcome: str = "events", ids: list[str] | None = None
) -> dict[str, Any]:
    return {
        "source_partition": partition,
        "source_offset": offset,
        "outcome": outcome,
        "event_ids": ids or [],
    }


def test_clean_when_every_article_has_an_outcome_and_delivery() -> None:
    report = reconcile(
        [ArticleRef(0, 0), ArticleRef(0, 1), ArticleRef(1, 0)],
        [entry(0, 0, ids=["e1", "e2"]), entry(0, 1, "dlq"), entry(1, 0)],
        ["e1", "e2", "e2"],
        [(0, 1)],
    )
    assert report.clean
    assert report.duplicate_event_records == 1  # at-least-once resend, harmless


def test_an_unprocessed_article_is_missing() -> None:
    report = reconcile([ArticleRef(0, 0), ArticleRef(0, 1)], [entry(0, 0)], [], [])
    assert not report.clean
    assert report.partitions[0].missing == [1]


def test_a_dead_letter_not_in_the_dlq_is_missing() -> None:
    report = reconcile([ArticleRef(2, 5)], [entry(2, 5, "dlq")], [], [])
    assert report.partitions[0].dlq_missing == [5] and not report.clean


def test_events_named_by_the_ledger_must_exist() -> None:
    report = reconcile([ArticleRef(0, 0)], [entry(0, 0, ids=["e1"])], [], [])
    assert report.events_missing == ["e1"] and not report.clean


def test_reprocessing_must_yield_the_same_events() -> None:
    same = reconcile(
        [ArticleRef(0, 0)], [entry(0, 0, ids=["e1"]), entry(0, 0, ids=["e1"])], ["e1"], []
    )
    assert same.clean and same.partitions[0].reprocessed == 1
    diff = reconcile(
        [ArticleRef(0, 0)], [entry(0, 0, ids=["e1"]), entry(0, 0, ids=["e9"])], ["e1", "e9"], []
    )
    assert diff.partitions[0].unstable == [0] and not diff.clean


def _event(event_id: str, place: str, kind: str = "province") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": "territorial_control",
        "article_id": "a",
        "actor": {"name": "Taliban", "code": "TALIBAN", "kind": "armed_group"},
        "location": {"name": place, "kind": kind, "country": "AFG", "adm1": place},
        "evidence": {"text": "x", "start": 0, "end": 1},
        "change": "gain",
    }


def test_table_rows_must_count_each_distinct_event_once() -> None:
    from pipeline.audit import check_tables

    events = [_event("e1", "AF27"), _event("e2", "AF27"), _event("e2", "AF27")]
    assert check_tables(events, {"control": {"AF27": {"reports": 2}}}) == []
    double = check_tables(events, {"control": {"AF27": {"reports": 3}}})
    assert double and "double-counted" in double[0]
    missing = check_tables([*events, _event("e3", "AF30")], {"control": {"AF27": {"reports": 2}}})
    assert missing == ["control AF30: no row for 1 event(s)"]
    ghost = check_tables(events, {"control": {"AF27": {"reports": 2}, "AF01": {"reports": 1}}})
    assert ghost == ["control AF01: a row with no event behind it"]

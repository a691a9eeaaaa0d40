from __future__ import annotations

import itertools
from datetime import date

import pytest

from pipeline.tables import NotApplicableError, withdrawals
from schemas.rows import WithdrawalRow


def fold(events):
    row = None
    for ev in events:
        row = withdrawals.apply(row, ev)
    return row


def events(make):
    return [
        make.withdrawal(
            "w1", "2012-05-25", status="announced", troops=2000, deadline=date(2012, 12, 31)
        ),
        make.withdrawal("w2", "2012-07-01", status="ongoing", percent_complete=25.0),
        make.withdrawal(
            "w3",
            "2012-11-20",
            status="ongoing",
            troops=2000,
            remaining_troops=1500,
            percent_complete=90.0,
            deadline=date(2013, 6, 30),
            deadline_precision="month",
            source="Le Monde",
        ),
        make.withdrawal("w4", "2012-12-15", status="completed"),
    ]


def test_latest_slots_by_event_time(make):
    row = fold(events(make))
    assert row.actor_code == "FRA"
    assert row.status.value == "completed"
    assert row.status_date == date(2012, 12, 15)
    assert row.troops == 2000
    assert row.remaining_troops == 1500
    assert row.percent_complete == 90.0
    assert row.deadline == date(2013, 6, 30)
    assert row.deadline_precision == "month"
    assert row.first_event_date == date(2012, 5, 25)
    assert row.last_event_date == date(2012, 12, 15)
    assert row.reports == 4 and row.events == 4
    assert row.sources.names == ["AFP", "Le Monde"]
    assert row.countries == ["AFG"]
    assert row.evidence.event_id == "w4"


def test_order_independent(make):
    evs = events(make)
    reference = fold(evs).model_dump(mode="json", exclude={"event_ids", "happening_ids"})
    for perm in itertools.permutations(evs):
        got = fold(perm).model_dump(mode="json", exclude={"event_ids", "happening_ids"})
        assert got == reference


def test_late_old_article_does_not_overwrite(make):
    row = fold(events(make))
    old = make.withdrawal(
        "old", "2011-07-13", status="announced", troops=1000, deadline=date(2012, 12, 31)
    )
    row2 = withdrawals.apply(row, old)
    assert row2.status.value == "completed"
    assert row2.troops == 2000
    assert row2.deadline == date(2013, 6, 30)
    assert row2.first_event_date == date(2011, 7, 13)


def test_same_day_status_tiebreak(make):
    a = make.withdrawal("zz", "2021-08-30", status="ongoing", actor=make.USA)
    b = make.withdrawal("aa", "2021-08-30", status="completed", actor=make.USA)
    assert fold([a, b]).status.value == "completed"
    assert fold([b, a]).status.value == "completed"


def test_duplicate_reports_do_not_double_count(make):
    e1 = make.withdrawal("w1", "2012-05-25", troops=2000)
    e2 = make.withdrawal("w2", "2012-05-26", troops=2000, source="Le Monde")
    row = withdrawals.apply(None, e1, happening_id="h-x")
    row = withdrawals.apply(row, e2, happening_id="h-x")
    assert row.reports == 2
    assert row.events == 1
    assert row.troops == 2000  # a latest value, never a sum
    assert row.sources.count == 2


def test_republished_event_noop(make):
    evs = events(make)
    row = fold(evs)
    assert withdrawals.apply(row, evs[1]) is row


def test_not_applicable(make):
    with pytest.raises(NotApplicableError):
        withdrawals.apply(None, make.control("c", "2021-01-01"))
    assert withdrawals.table_key(make.withdrawal("w", "2021-01-01")) == "FRA:AFG"
    assert withdrawals.table_key(make.withdrawal("w", "2021-01-01", place=None)) == "FRA:XXX"


def test_key_mismatch(make):
    row = fold(events(make))
    with pytest.raises(ValueError):
        withdrawals.apply(row, make.withdrawal("u", "2021-01-01", actor=make.USA))
    with pytest.raises(ValueError):
        withdrawals.apply(row, make.withdrawal("v", "2021-01-01", place=make.IRAQ))


def by_key(evs):
    rows: dict[str, WithdrawalRow] = {}
    for ev in evs:
        key = withdrawals.table_key(ev)
        rows[key] = withdrawals.apply(rows.get(key), ev)
    return rows


def test_one_actor_leaving_two_countries_is_two_rows(make):
    """The United States leaving Iraq and leaving Afghanistan: two wars, two rows, each with
    its own status, troops and dates."""
    iraq = make.withdrawal(
        "usa-irq",
        "2011-12-18",
        actor=make.USA,
        place=make.IRAQ,
        status="completed",
        troops=5000,
        text="The last American troops left Iraq on Sunday, ending the war.",
    )
    afghanistan = make.withdrawal(
        "usa-afg",
        "2020-02-29",
        actor=make.USA,
        status="announced",
        remaining_troops=8600,
        deadline=date(2021, 5, 1),
        text="The United States will cut its forces in Afghanistan to 8,600.",
    )
    kabul_base = make.withdrawal(
        "usa-bagram",
        "2021-07-02",
        actor=make.USA,
        place=make.BAGRAM,
        status="completed",
        text="The last US troops left Bagram air base overnight.",
    )
    rows = by_key([iraq, afghanistan, kabul_base])
    assert sorted(rows) == ["USA:AFG", "USA:IRQ"]
    irq, afg = rows["USA:IRQ"], rows["USA:AFG"]
    assert (irq.actor_code, irq.country) == ("USA", "IRQ")
    assert irq.status.value == "completed" and irq.troops == 5000
    assert irq.first_event_date == irq.last_event_date == date(2011, 12, 18)
    assert afg.country == "AFG" and afg.countries == ["AFG"]
    assert afg.status.value == "completed"  # Bagram is in Afghanistan
    assert afg.remaining_troops == 8600 and afg.troops is None
    assert afg.first_event_date == date(2020, 2, 29) and afg.reports == 2
    assert afg.evidence.text.startswith("The last US troops left Bagram")


def test_ingestion_dated_report_never_replaces_a_dated_one(make):
    """An article without a date is dated by when it was read; its "announced" must not
    replace the completed withdrawal a dated article reported."""
    dated = make.withdrawal(
        "dated", "2011-12-18", place=make.IRAQ, actor=make.USA, status="completed", troops=5000
    )
    undated = make.withdrawal(
        "undated",
        "2026-12-02",
        place=make.IRAQ,
        actor=make.USA,
        status="announced",
        troops=3000,
        date_basis="ingestion",
    )
    for order in ([dated, undated], [undated, dated]):
        row = fold(order)
        assert row.status.value == "completed"
        assert row.troops == 5000
        assert row.date_basis.value == "published_at"
        assert row.evidence.event_id == "dated"
        assert row.reports == 2  # it still counts as a report
        assert row.last_event_date == date(2026, 12, 2)
    alone = fold([undated])
    assert alone.date_basis.value == "ingestion"
    assert alone.evidence.date_basis.value == "ingestion"


def test_roundtrip(make):
    row = fold(events(make))
    assert WithdrawalRow.model_validate_json(row.model_dump_json()) == row

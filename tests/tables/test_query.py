from __future__ import annotations

from datetime import date

import pytest

from pipeline.tables import control, withdrawals
from pipeline.tables.query import (
    MAX_LIMIT,
    QueryError,
    RowFilter,
    filter_rows,
    paginate,
    parse_filters,
    query,
)


@pytest.fixture
def control_rows(make):
    from schemas.common import Place, PlaceKind

    rows = []
    for i in range(12):
        place = Place(
            name=f"District {i}",
            kind=PlaceKind.DISTRICT,
            country="AFG",
            adm1=f"AF{1 + i % 3:02d}",
            adm2=f"AF{1 + i % 3:02d}{i:02d}",
        )
        actor = make.TALIBAN if i % 2 else make.AFG_FORCES
        change = "contest" if i % 4 == 0 else "gain"
        ev = make.control(f"e{i}", date(2021, 8, 1 + i), place=place, actor=actor, change=change)
        rows.append(control.apply(None, ev))
    iraq = Place(name="Mosul", kind=PlaceKind.CITY, country="IRQ")
    rows.append(control.apply(None, make.control("m", "2017-07-10", place=iraq, actor=make.USA)))
    return rows


def test_filters(control_rows):
    assert len(filter_rows(control_rows, parse_filters({"country": "afg"}))) == 12
    assert len(filter_rows(control_rows, parse_filters({"country": "IRQ"}))) == 1
    af02 = filter_rows(control_rows, parse_filters({"province": "AF02"}))
    assert {r.adm1 for r in af02} == {"AF02"} and len(af02) == 4
    tal = filter_rows(control_rows, parse_filters({"actor": "TALIBAN"}))
    assert all(
        "TALIBAN" in {getattr(r.controller, "code", None), getattr(r.contender, "code", None)}
        for r in tal
    )
    assert len(tal) == 6  # controllers at odd i
    # Contenders match too: AFG-FORCES controls i = 2, 6, 10 and contests i = 0, 4, 8.
    afg = filter_rows(control_rows, parse_filters({"actor": "AFG-FORCES"}))
    assert sorted(r.last_event_date.day for r in afg) == [1, 3, 5, 7, 9, 11]
    contested = filter_rows(control_rows, parse_filters({"status": "contested"}))
    assert len(contested) == 3
    since = filter_rows(control_rows, parse_filters({"since": "2021-08-10"}))
    assert sorted(r.last_event_date.day for r in since) == [10, 11, 12]
    combined = RowFilter(country="AFG", status="controlled", actor="TALIBAN")
    assert all(r.status.value == "controlled" for r in filter_rows(control_rows, combined))


def test_withdrawal_filters(make):
    rows = [
        withdrawals.apply(None, make.withdrawal("w1", "2012-05-25")),
        withdrawals.apply(
            None, make.withdrawal("w2", "2021-08-30", actor=make.USA, status="completed")
        ),
    ]
    assert [r.actor_code for r in filter_rows(rows, parse_filters({"actor": "usa"}))] == ["USA"]
    assert len(filter_rows(rows, parse_filters({"status": "completed"}))) == 1
    assert len(filter_rows(rows, parse_filters({"country": "AFG"}))) == 2
    assert filter_rows(rows, parse_filters({"province": "AF02"})) == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"country": "Afghanistan"}, "country"),
        ({"province": "Kapisa"}, "province"),
        ({"actor": "bad code!"}, "actor"),
        ({"status": "won"}, "status"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2021-8-1"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "1", "cursor": "abc"}, "cursor"),
        ({"cursor": "!!!not-base64"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_validation_errors(params, param):
    with pytest.raises(QueryError) as info:
        query([], params)
    assert info.value.param == param
    assert isinstance(info.value, ValueError)


def test_offset_pagination(control_rows):
    page = paginate(control_rows, limit=5, offset=10)
    assert page.total == 13 and len(page.items) == 3 and page.next_cursor is None
    keys = [r.place_key for r in paginate(control_rows, limit=500).items]
    assert keys == sorted(keys)


def test_cursor_pagination_walks_everything_once(control_rows):
    seen = []
    cursor = None
    while True:
        page = query(control_rows, {"limit": "5", "cursor": cursor})
        seen += [r.place_key for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(r.place_key for r in control_rows)
    assert len(seen) == len(set(seen)) == 13


def test_query_filters_then_paginates(control_rows):
    page = query(control_rows, {"country": "AFG", "limit": "4"})
    assert page.total == 12 and len(page.items) == 4 and page.next_cursor
    assert page.limit == 4

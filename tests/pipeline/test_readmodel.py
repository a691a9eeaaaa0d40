"""Read model: rows rebuilt from tables.* records, queries, as-of view, status (no broker)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from pipeline.readmodel import EVENT_TIME_HEADER, ReadModel, control_as_of, public_row
from pipeline.tables import activity as A
from pipeline.tables import control as K
from pipeline.tables import withdrawals as W
from pipeline.tables.query import QueryError
from schemas.common import Actor, ClaimStatus, Evidence, Place
from schemas.events import TerritorialControlEvent, WithdrawalEvent
from schemas.rows import ClosedWindowRecord, ControlRow

TALIBAN = Actor(name="Taliban", code="TALIBAN", kind="armed_group")
AFG = Actor(name="Afghan forces", code="AFG-FORCES", kind="state_forces")
KANDAHAR = Place(name="Kandahar", kind="province", country="AFG", adm1="AF33")
KAPISA = Place(name="Kapisa", kind="province", country="AFG", adm1="AF02")


def ctl(
    eid: str, place: Place, actor: Actor, day: str, claim: str = "reported"
) -> TerritorialControlEvent:
    return TerritorialControlEvent(
        event_id=eid,
        article_id=f"a-{eid}",
        source="S",
        published_at=day,
        event_date=date.fromisoformat(day),
        actor=actor,
        location=place,
        claim_status=ClaimStatus(claim),
        change="gain",
        evidence=Evidence(text=eid, start=0, end=1),
    )


def control_row(*events: TerritorialControlEvent) -> ControlRow:
    row = None
    for ev in events:
        row = K.apply(row, ev)
    assert row is not None
    return row


def record(row: object) -> bytes:
    return orjson.dumps(row.model_dump(mode="json"))  # type: ignore[attr-defined]


@pytest.fixture
def model() -> ReadModel:
    m = ReadModel()
    kandahar = control_row(
        ctl("k2", KANDAHAR, AFG, "2021-07-20", "confirmed"),
        ctl("k1", KANDAHAR, TALIBAN, "2021-07-10"),
    )
    kapisa = control_row(ctl("p1", KAPISA, TALIBAN, "2021-08-01", "claimed"))
    m.apply_record(
        "control",
        b"AF33",
        record(kandahar),
        timestamp_ms=1_000,
        headers=[(EVENT_TIME_HEADER, b"900")],
    )
    m.apply_record("control", b"AF02", record(kapisa), timestamp_ms=2_000)
    withdrawal = WithdrawalEvent(
        event_id="u1",
        article_id="a",
        event_date=date(2021, 7, 6),
        actor=Actor(name="United States", code="USA", kind="state"),
        status="ongoing",
        percent_complete=90,
        evidence=Evidence(text="x", start=0, end=1),
    )
    m.apply_record("withdrawals", "USA", record(W.apply(None, withdrawal)), timestamp_ms=1_500)
    return m


def test_latest_value_per_key_and_tombstones(model: ReadModel) -> None:
    assert model.counts() == {"control": 2, "withdrawals": 1, "claims": 0, "activity": 0}
    newer = control_row(
        ctl("p1", KAPISA, TALIBAN, "2021-08-01", "claimed"),
        ctl("p2", KAPISA, TALIBAN, "2021-08-02", "confirmed"),
    )
    model.apply_record("control", b"AF02", record(newer))
    assert model.get_public("control", "AF02")["status"] == "controlled"  # type: ignore[index]
    model.apply_record("control", b"AF02", None)
    assert model.get_public("control", "AF02") is None
    model.apply_record("control", b"bad", b"{not json")
    model.apply_record("control", None, b"{}")
    assert model.invalid == 2 and model.counts()["control"] == 1


def test_a_key_rewritten_between_reads_is_parsed_once_when_read(
    model: ReadModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.readmodel as RM

    parsed: list[str] = []
    real = RM.parse_row

    def counting(table: str, data: object) -> object:
        parsed.append(table)
        return real(table, data)  # type: ignore[arg-type]

    monkeypatch.setattr(RM, "parse_row", counting)
    model.counts()
    parsed.clear()
    rows = [
        control_row(ctl(f"p{i}", KAPISA, TALIBAN, f"2021-08-{i:02d}", "claimed")) for i in (1, 2, 3)
    ]
    for row in rows:
        model.apply_record("control", b"AF02", record(row))
    model.apply_record("control", b"AF02", b"{broken")  # the newest record does not parse
    assert parsed == []  # nothing parsed on arrival
    before = model.invalid
    assert before == 1 and parsed == []  # only the newest was tried, and it is not JSON
    # An unparsable newest record leaves the row read before (the older records of the key
    # were never parsed: after compaction a reader would not see them either).
    assert model.get_public("control", "AF02")["last_event_date"] == "2021-08-01"  # type: ignore[index]
    model.apply_record("control", b"AF02", record(rows[2]))
    assert model.get_public("control", "AF02")["last_event_date"] == "2021-08-03"  # type: ignore[index]
    assert parsed == ["control"]


def test_public_rows_drop_bookkeeping(model: ReadModel) -> None:
    row = model.get_public("control", "AF33")
    assert row is not None
    assert row["controller"]["code"] == "AFG-FORCES" and row["since"] == "2021-07-20"
    assert not {"observations", "base", "event_ids", "happening_ids"} & set(row)
    assert "refs" not in (model.get_public("withdrawals", "USA") or {})


def test_read_model_does_not_keep_id_bookkeeping_that_grows_with_every_report(
    model: ReadModel,
) -> None:
    kandahar = model.table("control")["AF33"]
    assert isinstance(kandahar, ControlRow)
    assert kandahar.event_ids == [] and kandahar.happening_ids == []
    assert len(kandahar.observations) == 2  # kept: the "as of" view folds them
    assert model.table("withdrawals")["USA"].refs == {}  # type: ignore[union-attr]


def test_read_model_keeps_the_newest_reports_and_the_whole_history() -> None:
    places = [TALIBAN, AFG] * 30  # control changes hands 60 times
    events = [
        ctl(f"e{i:02d}", KANDAHAR, actor, (date(2021, 1, 1) + timedelta(days=i)).isoformat())
        for i, actor in enumerate(places)
    ]
    row = control_row(*events)
    assert len(row.observations) == 60
    m = ReadModel()
    m.apply_record("control", b"AF33", record(row))
    kept = m.table("control")["AF33"]
    assert isinstance(kept, ControlRow)
    assert [o.event_id for o in kept.observations] == [f"e{i:02d}" for i in range(40, 60)]
    assert kept.history == row.history  # "as of" any retained day still answers
    early, full = control_as_of(kept, date(2021, 1, 11)), control_as_of(row, date(2021, 1, 11))
    assert early is not None and full is not None and early.controller is not None
    assert early.controller.code == "TALIBAN"  # e10, on Jan 11 (e11 on Jan 12: AFG)
    assert (early.status, early.controller, early.since) == (
        full.status,
        full.controller,
        full.since,
    )


def test_list_page_filters_and_paginates(model: ReadModel) -> None:
    page = model.list_page("control", {"status": "claimed"})
    assert [r["place_key"] for r in page["items"]] == ["AF02"] and page["total"] == 1
    page = model.list_page("control", {"limit": "1"})
    assert page["next_cursor"] and page["items"][0]["place_key"] == "AF02"
    rest = model.list_page("control", {"cursor": page["next_cursor"]})
    assert [r["place_key"] for r in rest["items"]] == ["AF33"]
    with pytest.raises(QueryError) as err:
        model.list_page("control", {"limit": "9999"})
    assert err.value.param == "limit"
    with pytest.raises(QueryError) as err:
        model.list_page("withdrawals", {"as_of": "2021-01-01"})
    assert err.value.param == "as_of"


def test_as_of_view_uses_the_history(model: ReadModel) -> None:
    page = model.list_page("control", {"as_of": "2021-07-15"})
    rows = {r["place_key"]: r for r in page["items"]}
    assert set(rows) == {"AF33"}  # Kapisa had no state yet
    assert rows["AF33"]["controller"]["code"] == "TALIBAN"
    assert rows["AF33"]["since"] == "2021-07-10"
    assert rows["AF33"]["last_event_date"] == "2021-07-10"
    later = model.list_page("control", {"as_of": "2021-07-25"})["items"]
    assert [(r["place_key"], r["since"]) for r in later] == [("AF33", "2021-07-20")]
    row = model.table("control")["AF33"]
    assert isinstance(row, ControlRow)
    assert control_as_of(row, date(2021, 7, 1)) is None
    with pytest.raises(QueryError):
        model.list_page("control", {"as_of": "15/07/2021"})


def test_activity_windows_open_and_final() -> None:
    m = ReadModel()
    state = A.new_state(A.CONTROL_ACTIVITY)
    result = A.observe(
        state, A.CONTROL_ACTIVITY, group="AF33", event_date=date(2021, 7, 10), event_id="e1"
    )
    for key in result.updated:
        m.apply_record("activity", key, record(result.state.windows[key]))
    final = ClosedWindowRecord(
        spec="control-30d",
        group="AF33",
        window_start=date(2021, 6, 11),
        window_end=date(2021, 7, 11),
        count=1,
        reports=1,
        watermark=date(2021, 7, 18),
    )
    m.apply_record("activity", "control-30d|AF33|2021-06-11", record(final))
    page = m.list_page("activity", {"spec": "control-30d", "group": "AF33", "limit": "500"})
    assert page["total"] == 30
    first = page["items"][0]
    assert first["final"] is True and first["closed"] is True
    assert all(not w["final"] for w in page["items"][1:])
    assert m.list_page("activity", {"closed": "true"})["total"] == 1
    assert m.list_page("activity", {"since": "2021-07-11"})["total"] == 29
    bad_params = (
        {"closed": "maybe"},
        {"since": "x"},
        {"spec": "a b"},
        {"spec": "nope"},
        {"x": "1"},
    )
    for bad in bad_params:
        with pytest.raises(QueryError):
            m.list_page("activity", bad)


def test_activity_group_rows_are_read_as_one_row_per_window() -> None:
    state = A.new_state(A.CONTROL_ACTIVITY)
    for i, day in enumerate((date(2021, 7, 10), date(2021, 7, 12), date(2021, 8, 20))):
        state = A.observe(
            state, A.CONTROL_ACTIVITY, group="AF33", event_date=day, event_id=f"e{i}"
        ).state
    closed = [w for w in state.windows.values() if w.closed]
    assert closed and len(closed) < len(state.windows)  # some windows closed by 08-20
    group_key = A.group_key("control-30d", "AF33")
    group_row = orjson.dumps(A.group_row_data(state.model_dump(mode="json"), "AF33"))
    final_key = A.window_key("control-30d", "AF33", closed[0].window_start)
    final = ClosedWindowRecord(
        spec="control-30d",
        group="AF33",
        window_start=closed[0].window_start,
        window_end=closed[0].window_end,
        count=closed[0].count,
        reports=closed[0].reports,
        watermark=date(2021, 8, 20),
    )

    def page(m: ReadModel, **params: str) -> dict[str, object]:
        return m.list_page("activity", {"spec": "control-30d", "limit": "500", **params})

    # The final record may come before or after the group row (other key, other partition).
    pairs = [(group_key, group_row), (final_key, record(final))]
    for ordered in (pairs, pairs[::-1]):
        m = ReadModel()
        for key, value in ordered:
            m.apply_record("activity", key, value)
        assert page(m)["total"] == len(state.windows)
        assert set(m.table("activity")) == {
            A.window_key("control-30d", "AF33", w.window_start) for w in state.windows.values()
        }
        assert m.table("activity")[final_key] == final
        assert page(m, closed="true")["total"] == len(closed)
        assert m.counts()["activity"] == len(state.windows)
    # A newer group row replaces the group's windows; a tombstone removes them.
    later = A.advance(state, A.CONTROL_ACTIVITY, date(2021, 12, 31)).state
    m.apply_record(
        "activity", group_key, orjson.dumps(A.group_row_data(later.model_dump(mode="json"), "AF33"))
    )
    assert page(m)["total"] == len({*later.windows, final_key})
    m.apply_record("activity", group_key, None)
    assert page(m)["total"] == 1  # the final record stays


def test_status_reports_freshness(model: ReadModel) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    status = model.status(now)
    assert status["counts"]["control"] == 2
    assert status["last_table_update_at"] == datetime.fromtimestamp(2, tz=UTC).isoformat()
    assert status["last_event_at"] == datetime.fromtimestamp(0.9, tz=UTC).isoformat()
    assert status["now"] == now.isoformat()
    assert ReadModel().status(now)["last_event_at"] is None


def test_topic_records_map_to_tables(model: ReadModel) -> None:
    row = model.table("control")["AF33"]
    m = ReadModel()
    m.apply_topic_record("p.tables.control", "p.", b"AF33", record(row))
    m.apply_topic_record("p.events.withdrawal", "p.", b"X", b"{}")  # not a table topic
    assert m.snapshot("control") == {"AF33": public_row(row)}


def test_withdrawal_rows_keyed_by_actor_alone_are_left_out(model: ReadModel) -> None:
    """Rows of the versions that mixed every country an actor left: readers skip them (a
    replay rebuilds the per-country rows), neither served nor counted invalid."""
    legacy = orjson.loads(record(W.apply(None, model_withdrawal())))
    for name in ("key", "country"):
        legacy.pop(name)
    model.apply_record("withdrawals", b"FRA", orjson.dumps(legacy))
    assert model.get_public("withdrawals", "FRA") is None
    assert model.invalid == 0
    assert set(model.table("withdrawals")) == {"USA"}


def model_withdrawal() -> WithdrawalEvent:
    return WithdrawalEvent(
        event_id="f1",
        article_id="a",
        event_date=date(2012, 11, 20),
        actor=Actor(name="France", code="FRA", kind="state"),
        status="completed",
        evidence=Evidence(text="x", start=0, end=1),
    )


def test_as_of_view_carries_the_date_basis() -> None:
    undated = ctl("u1", KAPISA, TALIBAN, "2026-12-02", "reported")
    undated = undated.model_copy(update={"date_basis": "ingestion"})
    row = control_row(undated)
    view = control_as_of(row, date(2026, 12, 3))
    assert view is not None and view.date_basis.value == "ingestion"

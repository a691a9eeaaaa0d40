from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from pipeline.tables import activity, dedup, today_from
from pipeline.tables.activity import (
    CONTROL_ACTIVITY,
    WITHDRAWAL_ACTIVITY,
    WindowSpec,
    window_end,
    window_starts,
)
from schemas.rows import ActivityGroupRow, ActivityState, WindowKind

D = date.fromisoformat
SMALL = WindowSpec(name="t", size_days=3, step_days=1, grace_days=2, retention_days=5)


def obs(state, spec, day, eid, group="AF17", **kw):
    return activity.observe(state, spec, group=group, event_date=D(day), event_id=eid, **kw)


def test_hopping_window_starts():
    starts = window_starts(CONTROL_ACTIVITY, D("2012-03-15"))
    assert len(starts) == 30
    assert starts[0] == D("2012-02-15") and starts[-1] == D("2012-03-15")
    for s in starts:
        assert s <= D("2012-03-15") < window_end(CONTROL_ACTIVITY, s)
    weekly = WindowSpec(name="w", size_days=14, step_days=7, grace_days=0, retention_days=0)
    starts = window_starts(weekly, D("2021-08-10"))
    assert len(starts) == 2
    assert all((s - date(1970, 1, 1)).days % 7 == 0 for s in starts)
    assert all(s <= D("2021-08-10") < window_end(weekly, s) for s in starts)


def test_calendar_month_windows():
    assert window_starts(WITHDRAWAL_ACTIVITY, D("2012-02-29")) == [D("2012-02-01")]
    assert window_end(WITHDRAWAL_ACTIVITY, D("2012-02-01")) == D("2012-03-01")
    assert window_end(WITHDRAWAL_ACTIVITY, D("2012-12-01")) == D("2013-01-01")


def test_spec_validation():
    with pytest.raises(ValidationError):
        WindowSpec(name="x", size_days=5, step_days=6)
    with pytest.raises(ValidationError):
        WindowSpec(name="x", grace_days=10, retention_days=5)
    assert CONTROL_ACTIVITY.kind is WindowKind.HOPPING


def test_counts_and_watermark():
    st = activity.new_state(SMALL, partition=3)
    r = obs(st, SMALL, "2021-08-10", "e1", country="AFG")
    assert r.accepted == [D("2021-08-08"), D("2021-08-09"), D("2021-08-10")]
    assert r.closed == [] and r.late == []
    st = r.state
    assert st.watermark == D("2021-08-10") and st.partition == 3
    st = obs(st, SMALL, "2021-08-11", "e2").state
    wins = {w.window_start: w for w in activity.open_windows(st, "AF17")}
    assert wins[D("2021-08-10")].count == 2
    assert wins[D("2021-08-08")].count == 1
    assert wins[D("2021-08-11")].count == 1
    assert wins[D("2021-08-10")].country == "AFG"


def test_window_closes_exactly_once_after_grace():
    st = activity.new_state(SMALL)
    st = obs(st, SMALL, "2021-08-10", "e1").state
    # Window [08-08, 08-11) closes at watermark 08-11 + 2 = 08-13.
    r = obs(st, SMALL, "2021-08-12", "e2", group="OTHER")
    assert [c.window_start for c in r.closed] == []
    r = obs(r.state, SMALL, "2021-08-13", "e3", group="OTHER")
    closed = [(c.group, c.window_start) for c in r.closed]
    assert closed == [("AF17", D("2021-08-08"))]
    assert r.closed[0].count == 1 and r.closed[0].watermark == D("2021-08-13")
    assert r.closed[0].final is True
    # More events at the same or later watermark never re-emit it.
    emitted = list(closed)
    st = r.state
    for i, day in enumerate(["2021-08-13", "2021-08-14", "2021-08-20", "2021-08-20"]):
        r = obs(st, SMALL, day, f"x{i}", group="OTHER")
        emitted += [(c.group, c.window_start) for c in r.closed]
        st = r.state
    af17 = [e for e in emitted if e[0] == "AF17"]
    assert af17 == [("AF17", D("2021-08-08")), ("AF17", D("2021-08-09")), ("AF17", D("2021-08-10"))]
    assert len(emitted) == len(set(emitted))
    assert st.closed_emitted == len(emitted)


def test_late_event_within_grace_accepted_beyond_dropped():
    st = activity.new_state(SMALL)
    st = obs(st, SMALL, "2021-08-20", "e1").state
    # Windows containing 08-17: starts 08-15..08-17, closing at 08-20..08-22 -> 08-15 closed.
    r = obs(st, SMALL, "2021-08-17", "late1")
    assert r.accepted == [D("2021-08-16"), D("2021-08-17")]
    assert r.late == [D("2021-08-15")]
    assert r.state.dropped_late_updates == 1
    assert r.state.dropped_late_events == 0
    # Far too late: every window is closed.
    r2 = obs(r.state, SMALL, "2021-08-01", "late2")
    assert r2.accepted == [] and len(r2.late) == 3
    assert r2.state.dropped_late_events == 1
    assert r2.state.dropped_late_updates == 4
    assert r2.closed == []
    assert r2.state.watermark == D("2021-08-20")  # never goes back


def test_retention_purges_closed_windows_and_late_event_does_not_reopen():
    st = activity.new_state(SMALL)
    st = obs(st, SMALL, "2021-08-01", "e1").state
    st = obs(st, SMALL, "2021-09-01", "e2").state
    assert all(w.window_start >= D("2021-08-27") for w in st.windows.values())
    r = obs(st, SMALL, "2021-08-01", "e3")
    assert r.accepted == [] and r.closed == []
    assert not any(w.window_start <= D("2021-08-01") for w in r.state.windows.values())


def test_closed_rows_retained_until_retention():
    st = activity.new_state(SMALL)
    st = obs(st, SMALL, "2021-08-10", "e1").state
    st = activity.advance(st, SMALL, D("2021-08-14")).state  # closes 08-08 and 08-09
    closed = [w for w in st.windows.values() if w.closed]
    assert {w.window_start for w in closed} == {D("2021-08-08"), D("2021-08-09")}
    st2 = activity.advance(st, SMALL, D("2021-08-16")).state  # 08-08 end 08-11 + 5
    assert D("2021-08-08") not in {w.window_start for w in st2.windows.values()}
    assert activity.advance(st2, SMALL, D("2021-08-01")).state is st2


def test_result_lists_rows_to_persist_and_delete():
    st = activity.new_state(SMALL)
    r = obs(st, SMALL, "2021-08-10", "e1")
    assert sorted(r.updated) == sorted(r.state.windows) and r.purged == []
    r2 = obs(r.state, SMALL, "2021-08-14", "e2", group="X")
    closed_keys = {activity.window_key("t", "AF17", D(d)) for d in ("2021-08-08", "2021-08-09")}
    assert closed_keys <= set(r2.updated)
    assert all(r2.state.windows[k].closed for k in closed_keys)
    r3 = activity.advance(r2.state, SMALL, D("2021-09-30"))
    assert set(r3.purged) == set(r2.state.windows) and r3.state.windows == {}
    # Persisting only `updated` / deleting `purged` reproduces the state's windows.
    table = {}
    for res in (r, r2, r3):
        for k in res.updated:
            table[k] = res.state.windows[k]
        for k in res.purged:
            table.pop(k, None)
        assert table == res.state.windows


def test_dedup_duplicates_counted_once_per_window(make):
    e1 = make.control("e1", "2021-08-08", source="Reuters")
    e2 = make.control("e2", "2021-08-09", source="BBC")
    spec = CONTROL_ACTIVITY
    st = activity.new_state(spec)
    entry = None
    for ev in (e1, e2, e1):
        entry, decision = dedup.register(entry, ev)
        if decision.outcome.value == "replay":
            continue
        st = activity.observe(
            st,
            spec,
            group=activity.territorial_group(ev),
            event_date=decision.canonical_date,
            event_id=ev.event_id,
            happening_id=decision.happening_id,
        ).state
    wins = list(st.windows.values())
    assert len(wins) == 30
    assert all(w.count == 1 and w.reports == 2 for w in wins)


def test_reobserving_same_event_id_is_noop():
    st = activity.new_state(SMALL)
    st = obs(st, SMALL, "2021-08-10", "e1").state
    r = obs(st, SMALL, "2021-08-10", "e1")
    assert r.accepted == []
    assert all(w.reports == 1 and w.count == 1 for w in r.state.windows.values())


def test_replay_2012_with_2026_clock_then_restart():
    """Replaying 2012 articles "today" keeps windows open by event time, and a restart
    from the serialised state neither loses counts nor emits a closed window twice."""
    clock = lambda: datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # noqa: E731
    today = today_from(clock)
    spec = CONTROL_ACTIVITY
    st = activity.new_state(spec, partition=0)
    emitted = []
    days = [date(2012, 3, 1) + timedelta(days=i) for i in range(0, 40, 2)]
    for i, day in enumerate(days[:10]):
        r = activity.observe(st, spec, group="AF02", event_date=day, event_id=f"e{i}", today=today)
        st, emitted = r.state, emitted + r.closed
    assert st.watermark == days[9] == date(2012, 3, 19)
    # Only windows the 2012 watermark has passed are closed; the 2026 clock expires nothing.
    assert emitted
    assert all(activity.closes_at(spec, c.window_start) <= st.watermark for c in emitted)
    still_open = activity.open_windows(st, "AF02")
    assert len(still_open) == 30 + 7  # windows containing 03-19, plus those in grace
    assert all(w.window_end.year == 2012 for w in still_open)
    open_before_restart = {w.window_start: w.count for w in still_open}
    # Restart: the state comes back from its JSON changelog value.
    st = ActivityState.model_validate_json(st.model_dump_json())
    assert {w.window_start: w.count for w in activity.open_windows(st)} == open_before_restart
    for i, day in enumerate(days[10:], start=10):
        r = activity.observe(st, spec, group="AF02", event_date=day, event_id=f"e{i}", today=today)
        st, emitted = r.state, emitted + r.closed
        st = ActivityState.model_validate_json(st.model_dump_json())
    keys = [(c.group, c.window_start) for c in emitted]
    assert len(keys) == len(set(keys)) and keys
    # First window [2012-02-01, 2012-03-02) holds e0 only; it closes at 03-09 (grace 7).
    first = next(c for c in emitted if c.window_start == date(2012, 2, 1))
    assert first.count == 1 and first.window_end == date(2012, 3, 2)
    assert first.watermark == date(2012, 3, 9)
    # Window [2012-03-01, 2012-03-31) has the 15 events dated 03-01..03-29.
    full = next(c for c in emitted if c.window_start == date(2012, 3, 1))
    assert full.count == 15
    # Flushing at the end of the replay closes everything still open, once.
    r = activity.advance(st, spec, today)
    assert len(r.closed) == len(activity.open_windows(st))
    again = activity.advance(r.state, spec, today + timedelta(days=400))
    assert again.closed == []


def test_future_dated_event_rejected_with_clock():
    st = activity.new_state(SMALL)
    st = obs(st, SMALL, "2012-03-01", "e1").state
    r = obs(st, SMALL, "2099-01-01", "typo", today=D("2026-11-21"))
    assert r.state.watermark == D("2012-03-01")
    assert r.state.rejected_future == 1
    assert r.accepted == [] and r.closed == []


def test_monthly_withdrawals(make):
    spec = WITHDRAWAL_ACTIVITY
    st = activity.new_state(spec)
    evs = [
        make.withdrawal("w1", "2012-05-25"),
        make.withdrawal("w2", "2012-05-31", status="ongoing"),
        make.withdrawal("w3", "2012-06-02", status="ongoing"),
        make.withdrawal("w4", "2012-06-09", status="ongoing"),
    ]
    closed = []
    for ev in evs:
        r = activity.observe(
            st,
            spec,
            group=activity.withdrawal_group(ev),
            event_date=ev.event_date,
            event_id=ev.event_id,
        )
        st, closed = r.state, closed + r.closed
    assert [(c.group, c.window_start, c.count) for c in closed] == [("FRA", D("2012-05-01"), 2)]
    assert activity.withdrawal_group(make.control("c", "2021-01-01")) is None


def test_spec_mismatch():
    with pytest.raises(ValueError):
        obs(activity.new_state(SMALL), CONTROL_ACTIVITY, "2021-01-01", "e")


def test_groups(make):
    assert activity.territorial_group(make.control("c", "2021-01-01")) == "AF17"
    assert activity.territorial_group(make.control("c", "2021-01-01", place=make.VAGUE)) == (
        "AFG:region:provinces-neighbouring-kabul"
    )
    assert activity.territorial_group(make.control("c", "2021-01-01", place=None)) is None


def test_ids_are_kept_once_per_group_and_day_not_once_per_window():
    st = activity.new_state(CONTROL_ACTIVITY)
    for eid, hid in (("e1", "h1"), ("e2", "h1"), ("e3", "h2")):
        st = obs(st, CONTROL_ACTIVITY, "2021-08-10", eid, happening_id=hid).state
    assert len(st.windows) == 30
    assert all(w.count == 2 and w.reports == 3 for w in st.windows.values())
    [day] = st.days.values()
    assert (day.group, day.day) == ("AF17", D("2021-08-10"))
    assert day.event_ids == ["e1", "e2", "e3"] and day.happening_ids == ["h1", "h2"]
    other = obs(st, CONTROL_ACTIVITY, "2021-08-10", "e9", group="AF02").state
    assert len(other.days) == 2  # the same day of another group has ids of its own


def test_a_days_ids_are_dropped_when_its_last_window_closes_and_it_counts_no_more():
    # SMALL: the windows containing 08-10 start 08-08..08-10; the last closes at 08-15.
    st = obs(activity.new_state(SMALL), SMALL, "2021-08-10", "e1").state
    assert activity.day_closes_at(SMALL, D("2021-08-10")) == D("2021-08-15")
    kept = activity.advance(st, SMALL, D("2021-08-14")).state
    assert list(kept.days) == ["AF17|2021-08-10"]
    r = obs(kept, SMALL, "2021-08-10", "e1")  # a replay while a window is open: not counted
    assert r.accepted == [] and r.state.windows == kept.windows
    gone = activity.advance(kept, SMALL, D("2021-08-15")).state
    assert gone.days == {}
    r2 = obs(gone, SMALL, "2021-08-10", "e1")  # every window of the day closed: refused
    assert r2.accepted == [] and r2.late == window_starts(SMALL, D("2021-08-10"))
    assert r2.state.windows == gone.windows


def test_calendar_month_days_are_kept_until_the_month_closes():
    st = obs(activity.new_state(WITHDRAWAL_ACTIVITY), WITHDRAWAL_ACTIVITY, "2021-08-03", "w1")
    closes = activity.day_closes_at(WITHDRAWAL_ACTIVITY, D("2021-08-03"))
    assert closes == D("2021-09-01") + timedelta(days=WITHDRAWAL_ACTIVITY.grace_days)
    assert activity.advance(st.state, WITHDRAWAL_ACTIVITY, closes - timedelta(days=1)).state.days
    assert not activity.advance(st.state, WITHDRAWAL_ACTIVITY, closes).state.days


# Changelog topics take the broker's default record limit (message.max.bytes).
KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588


@pytest.mark.parametrize("spec", [CONTROL_ACTIVITY, WITHDRAWAL_ACTIVITY], ids=lambda s: s.name)
def test_a_groups_state_at_its_largest_fits_in_one_kafka_record(spec):
    """Every retained window, and every day an open window contains at the id cap: a longer
    spec that breaks this needs its state split before the worker meets such a group."""
    import orjson

    from schemas.rows import MAX_DAY_IDS, ActivityDay, ActivityWindowRow

    watermark = D("2021-08-31")
    back = [watermark - timedelta(days=k) for k in range(400)]
    windows = {
        activity.window_key(spec.name, "AF01", s): ActivityWindowRow(
            spec=spec.name,
            group="AF01",
            window_start=s,
            window_end=window_end(spec, s),
            count=9999,
            reports=9999,
            country="AFG",
            first_event_date=s,
            last_event_date=s,
            closed=True,
        )
        for s in sorted({s for d in back for s in window_starts(spec, d)})
        if watermark < window_end(spec, s) + timedelta(days=spec.retention_days)
    }
    days = {
        activity.day_key("AF01", d): ActivityDay(
            group="AF01",
            day=d,
            event_ids=[f"ev-{i:020x}" for i in range(MAX_DAY_IDS)],  # as long as real ids
            happening_ids=[f"h-{i:016x}" for i in range(MAX_DAY_IDS)],
        )
        for d in back
        if activity.day_closes_at(spec, d) > watermark
    }
    state = ActivityState(
        spec=spec.name, partition=0, watermark=watermark, windows=windows, days=days
    )
    size = len(orjson.dumps(state.model_dump(mode="json")))
    assert len(days) >= 30 and size < KAFKA_DEFAULT_MAX_MESSAGE_BYTES, (len(days), size)


@pytest.mark.parametrize(
    "spec",
    [SMALL, CONTROL_ACTIVITY, WITHDRAWAL_ACTIVITY, WindowSpec(name="w", size_days=10, step_days=3)],
    ids=lambda s: s.name,
)
def test_a_day_closes_with_the_last_of_its_windows(spec):
    for k in range(0, 800, 7):
        day = D("2020-01-01") + timedelta(days=k)
        expected = max(activity.closes_at(spec, s) for s in window_starts(spec, day))
        assert activity.day_closes_at(spec, day) == expected, day


def test_a_group_row_is_the_groups_retained_windows_from_the_states_json() -> None:
    state = activity.new_state(activity.CONTROL_ACTIVITY)
    for i, day in enumerate((date(2021, 7, 10), date(2021, 7, 10), date(2021, 8, 20))):
        state = activity.observe(
            state, activity.CONTROL_ACTIVITY, group="AF33", event_date=day, event_id=f"e{i}"
        ).state
    row = ActivityGroupRow.model_validate(
        activity.group_row_data(state.model_dump(mode="json"), "AF33")
    )
    assert (row.spec, row.group, row.watermark) == ("control-30d", "AF33", date(2021, 8, 20))
    assert row.windows == list(state.windows.values())
    assert any(w.closed for w in row.windows) and any(not w.closed for w in row.windows)
    assert activity.group_key("control-30d", "AF33").count("|") == 1  # a window key has two


def test_closed_through_agrees_with_is_closed_for_every_start() -> None:
    hopping = [activity.CONTROL_ACTIVITY, SMALL, WindowSpec(name="w", size_days=7, step_days=7)]
    for spec in hopping:
        for wm_offset in range(0, 90, 3):
            watermark = D("2021-06-01") + timedelta(days=wm_offset)
            through = activity.closed_through(spec, watermark)
            assert through is not None
            for start_offset in range(-60, 60):
                start = watermark + timedelta(days=start_offset)
                assert (start <= through) == activity.is_closed(spec, start, watermark)
    assert activity.closed_through(activity.CONTROL_ACTIVITY, None) is None
    assert activity.closed_through(activity.WITHDRAWAL_ACTIVITY, D("2021-06-01")) is None

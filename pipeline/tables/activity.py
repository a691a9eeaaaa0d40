"""Activity counts in event-time windows that survive replay and restart.

Not Faust windowed tables (they expire by wall clock): a window is identified by
(spec, group, window_start) — `window_key(...)` — and lives in an ordinary table / in the
`ActivityState` of one partition, next to that partition's watermark (the max event date seen).

- An event is counted in every window of `window_starts(spec, date)` that is not closed.
- A window [start, end) closes when the watermark reaches end + grace; until then late
  events are accepted. Events for closed windows are refused and counted as dropped-late.
- Closing emits exactly one `ClosedWindowRecord` per window (the watermark never goes back,
  so the condition flips once); the closed row is retained until watermark >= end +
  retention, then purged (a later event for it is still refused: closure depends only on
  the watermark, not on the row being present).
- Counts are of distinct happenings (`happening_id` from the dedup registry) and distinct
  reports (event ids); feed `DedupDecision.canonical_date` as the event date so the reports
  of one happening land in the same windows.
- The ids that make counting idempotent and distinct are kept per (group, day), not per
  window: a 30-day hopping window shares each day with 29 others. A happening counts once
  per day (its reports share the canonical date); a day's ids are dropped once every window
  containing it has closed, as no event for that day can be counted any more.

Nothing here reads the wall clock; `today` (from an injected clock) only guards the
watermark against events dated implausibly far in the future.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.tables._common import AnyEvent, remember
from schemas.events import TerritorialControlEvent, WithdrawalEvent
from schemas.rows import (
    MAX_DAY_IDS,
    ActivityDay,
    ActivityState,
    ActivityWindowRow,
    ClosedWindowRecord,
    WindowKind,
)

EPOCH = date(1970, 1, 1)


class WindowSpec(BaseModel):
    """How windows are cut. Hopping windows are aligned on 1970-01-01 + k * step_days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    kind: WindowKind = WindowKind.HOPPING
    size_days: int = Field(default=30, ge=1, le=3660)
    step_days: int = Field(default=1, ge=1, le=3660)
    grace_days: int = Field(default=7, ge=0)
    retention_days: int = Field(default=60, ge=0)
    future_tolerance_days: int = Field(default=2, ge=0)

    @model_validator(mode="after")
    def _check(self) -> WindowSpec:
        if self.kind == WindowKind.HOPPING and self.step_days > self.size_days:
            raise ValueError("step_days must not exceed size_days (windows would leave gaps)")
        if self.retention_days < self.grace_days:
            raise ValueError("retention_days must be >= grace_days")
        return self


# Territorial-control events per province, 30-day windows advancing daily.
CONTROL_ACTIVITY = WindowSpec(
    name="control-30d",
    kind=WindowKind.HOPPING,
    size_days=30,
    step_days=1,
    grace_days=7,
    retention_days=14,
)
# Withdrawal events per actor per calendar month.
WITHDRAWAL_ACTIVITY = WindowSpec(
    name="withdrawals-month",
    kind=WindowKind.CALENDAR_MONTH,
    grace_days=7,
    retention_days=62,
)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(start: date) -> date:
    days = calendar.monthrange(start.year, start.month)[1]
    return start.replace(day=1) + timedelta(days=days)


def window_starts(spec: WindowSpec, event_date: date) -> list[date]:
    """Starts of every window containing `event_date`, ascending."""
    if spec.kind == WindowKind.CALENDAR_MONTH:
        return [_month_start(event_date)]
    offset = (event_date - EPOCH).days
    last = offset - offset % spec.step_days  # latest aligned start <= event_date
    starts = []
    k = last
    while k > offset - spec.size_days:
        starts.append(EPOCH + timedelta(days=k))
        k -= spec.step_days
    return sorted(starts)


def window_end(spec: WindowSpec, start: date) -> date:
    """Exclusive end of the window starting at `start`."""
    if spec.kind == WindowKind.CALENDAR_MONTH:
        return _next_month(start)
    return start + timedelta(days=spec.size_days)


def closes_at(spec: WindowSpec, start: date) -> date:
    """The watermark at which the window is final (end + grace)."""
    return window_end(spec, start) + timedelta(days=spec.grace_days)


def is_closed(spec: WindowSpec, start: date, watermark: date | None) -> bool:
    return watermark is not None and watermark >= closes_at(spec, start)


def closed_through(spec: WindowSpec, watermark: date | None) -> date | None:
    """The latest hopping-window start that `watermark` has closed: a window is closed iff
    its start is on or before it (`is_closed` with one comparison, for the loop over an
    event's windows). None without a watermark or for calendar months (use `is_closed`)."""
    if watermark is None or spec.kind != WindowKind.HOPPING:
        return None
    return watermark - timedelta(days=spec.size_days + spec.grace_days)


def window_key(spec_name: str, group: str, start: date) -> str:
    return f"{spec_name}|{group}|{start.isoformat()}"


def group_key(spec_name: str, group: str) -> str:
    """Key of a group's `ActivityGroupRow` on `tables.activity` (a window key has a third
    part, its start)."""
    return f"{spec_name}|{group}"


def group_row_data(state: Mapping[str, Any], group: str) -> dict[str, Any]:
    """A group's `ActivityGroupRow` as JSON, from the JSON form of its state: the agents
    dump the state for its table write anyway, so no window is dumped twice."""
    return {
        "table": "activity",
        "spec": state["spec"],
        "group": group,
        "watermark": state.get("watermark"),
        "windows": list(state.get("windows", {}).values()),
    }


def day_key(group: str, day: date) -> str:
    return f"{group}|{day.isoformat()}"


def day_closes_at(spec: WindowSpec, day: date) -> date:
    """The watermark from which every window containing `day` is closed: that of the last
    such window to start (windows of a spec are all as long)."""
    if spec.kind == WindowKind.CALENDAR_MONTH:
        return closes_at(spec, _month_start(day))
    offset = (day - EPOCH).days
    return closes_at(spec, EPOCH + timedelta(days=offset - offset % spec.step_days))


def territorial_group(event: AnyEvent) -> str | None:
    """Group of a territorial-control event: its province P-code (adm1), else Place.key."""
    if not isinstance(event, TerritorialControlEvent) or event.location is None:
        return None
    return event.location.adm1 or event.location.key


def withdrawal_group(event: AnyEvent) -> str | None:
    if not isinstance(event, WithdrawalEvent):
        return None
    return event.actor.code


def new_state(spec: WindowSpec, partition: int | None = None) -> ActivityState:
    return ActivityState(spec=spec.name, partition=partition)


class ActivityResult(NamedTuple):
    state: ActivityState
    closed: list[ClosedWindowRecord]  # to publish (topic `tables.activity`), in close order
    accepted: list[date]  # window starts the event was counted in
    late: list[date]  # window starts refused because already closed
    updated: list[str]  # window keys whose row changed (persist these rows)
    purged: list[str]  # window keys removed by retention (delete these rows)


def _drop_closed_days(spec: WindowSpec, days: dict[str, ActivityDay], watermark: date) -> None:
    """Forget the ids of days whose windows have all closed (mutates the given dict)."""
    for key, day in list(days.items()):
        if watermark >= day_closes_at(spec, day.day):
            del days[key]


def _close_and_purge(
    spec: WindowSpec, windows: dict[str, ActivityWindowRow], watermark: date
) -> tuple[list[ClosedWindowRecord], list[str], list[str]]:
    """Close the windows the watermark has passed and purge those past retention (mutates
    the given dict of the new state); returns the records, closed keys and purged keys."""
    records: list[ClosedWindowRecord] = []
    closed_keys: list[str] = []
    purged: list[str] = []
    for key, win in list(windows.items()):
        if not win.closed and is_closed(spec, win.window_start, watermark):
            windows[key] = win.model_copy(update={"closed": True})
            closed_keys.append(key)
            records.append(
                ClosedWindowRecord(
                    spec=spec.name,
                    group=win.group,
                    window_start=win.window_start,
                    window_end=win.window_end,
                    count=win.count,
                    reports=win.reports,
                    country=win.country,
                    first_event_date=win.first_event_date,
                    last_event_date=win.last_event_date,
                    watermark=watermark,
                )
            )
        if watermark >= win.window_end + timedelta(days=spec.retention_days) and (
            windows[key].closed
        ):
            del windows[key]
            purged.append(key)
    records.sort(key=lambda r: (r.window_end, r.group, r.window_start))
    return records, closed_keys, purged


def _check_spec(state: ActivityState, spec: WindowSpec) -> None:
    if state.spec != spec.name:
        raise ValueError(f"state of spec {state.spec!r} used with spec {spec.name!r}")


def observe(
    state: ActivityState,
    spec: WindowSpec,
    *,
    group: str,
    event_date: date,
    event_id: str,
    happening_id: str | None = None,
    country: str | None = None,
    today: date | None = None,
) -> ActivityResult:
    """Count one event in its windows, advance the watermark, close what it passed.

    Pure: returns a new state. Re-observing an event id already counted on its day does not
    count it again. `happening_id` defaults to the event id (no deduplication)."""
    _check_spec(state, spec)
    if today is not None and event_date > today + timedelta(days=spec.future_tolerance_days):
        rejected = state.model_copy(update={"rejected_future": state.rejected_future + 1})
        return ActivityResult(rejected, [], [], [], [], [])
    hid = happening_id or event_id
    watermark = max(state.watermark, event_date) if state.watermark else event_date
    windows = dict(state.windows)
    days = dict(state.days)
    dkey = day_key(group, event_date)
    day = days.get(dkey)
    seen = day is not None and event_id in day.event_ids
    new_happening = day is None or hid not in day.happening_ids
    accepted: list[date] = []
    late: list[date] = []
    touched: list[str] = []
    through = closed_through(spec, state.watermark)
    for start in window_starts(spec, event_date):
        # Closure is judged against the watermark before this event: an event never closes
        # its own windows (event_date < window_end), so the order does not matter.
        if start <= through if through is not None else is_closed(spec, start, state.watermark):
            late.append(start)
            continue
        if seen:
            continue
        key = window_key(spec.name, group, start)
        win = windows.get(key) or ActivityWindowRow(
            spec=spec.name, group=group, window_start=start, window_end=window_end(spec, start)
        )
        windows[key] = win.model_copy(
            update={
                "count": win.count + (1 if new_happening else 0),
                "reports": win.reports + 1,
                "country": win.country or country,
                "first_event_date": min(win.first_event_date or event_date, event_date),
                "last_event_date": max(win.last_event_date or event_date, event_date),
            }
        )
        accepted.append(start)
        touched.append(key)
    if accepted:
        base = day or ActivityDay(group=group, day=event_date)
        days[dkey] = base.model_copy(
            update={
                "event_ids": remember(base.event_ids, event_id, MAX_DAY_IDS),
                "happening_ids": remember(base.happening_ids, hid, MAX_DAY_IDS)
                if new_happening
                else base.happening_ids,
            }
        )
    records: list[ClosedWindowRecord] = []
    purged: list[str] = []
    if state.watermark is None or watermark > state.watermark:
        records, closed_keys, purged = _close_and_purge(spec, windows, watermark)
        touched += [k for k in closed_keys if k not in touched]
        _drop_closed_days(spec, days, watermark)
    touched = [k for k in touched if k not in purged]
    new = state.model_copy(
        update={
            "watermark": watermark,
            "windows": windows,
            "days": days,
            "dropped_late_events": state.dropped_late_events + (0 if accepted or not late else 1),
            "dropped_late_updates": state.dropped_late_updates + len(late),
            "closed_emitted": state.closed_emitted + len(records),
        }
    )
    return ActivityResult(new, records, accepted, late, touched, purged)


def advance(state: ActivityState, spec: WindowSpec, watermark: date) -> ActivityResult:
    """Move the watermark forward explicitly (e.g. to flush at the end of a replay, or to
    align partitions); never moves it back."""
    _check_spec(state, spec)
    if state.watermark is not None and watermark <= state.watermark:
        return ActivityResult(state, [], [], [], [], [])
    windows = dict(state.windows)
    days = dict(state.days)
    records, closed_keys, purged = _close_and_purge(spec, windows, watermark)
    _drop_closed_days(spec, days, watermark)
    new = state.model_copy(
        update={
            "watermark": watermark,
            "windows": windows,
            "days": days,
            "closed_emitted": state.closed_emitted + len(records),
        }
    )
    return ActivityResult(new, records, [], [], [k for k in closed_keys if k not in purged], purged)


def open_windows(state: ActivityState, group: str | None = None) -> list[ActivityWindowRow]:
    """Windows not yet final, optionally of one group, by (group, start)."""
    rows = [
        w for w in state.windows.values() if not w.closed and (group is None or w.group == group)
    ]
    return sorted(rows, key=lambda w: (w.group, w.window_start))

"""Which rows and events an export holds: the same filters over HTTP, CLI and Python."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pipeline import topics as T
from pipeline.readmodel import ReadModel, parse_day
from pipeline.tables.query import FILTER_NAMES, QueryError, filter_rows, parse_filters
from schemas.events import TerritorialControlEvent, WithdrawalEvent

AnyEvent = WithdrawalEvent | TerritorialControlEvent

TABLE_EXPORTS = ("control", "withdrawals", "claims")
EVENT_PARAMS = ("country", "since", "type")
EVENT_TYPES = {"withdrawal": T.EVENTS_WITHDRAWAL, "territorial_control": T.EVENTS_CONTROL}


def table_rows(model: ReadModel, table: str, params: Mapping[str, str]) -> list[Any]:
    """A table's rows matching the list endpoint's filters (country, province, actor,
    status, since; `as_of` for control), every one, by key. QueryError if invalid."""
    allowed = (*FILTER_NAMES, "as_of") if table == "control" else FILTER_NAMES
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise QueryError(unknown[0], f"unknown parameter (allowed: {', '.join(allowed)})")
    rest = {k: v for k, v in params.items() if v != ""}
    as_of = rest.pop("as_of", None)
    rows: list[Any]
    if as_of is not None:
        rows = list(model.control_rows_as_of(parse_day(as_of, "as_of")))
    else:
        rows = list(model.table(table).values())
    return filter_rows(rows, parse_filters(rest))


def event_filter(params: Mapping[str, str]) -> tuple[str | None, date | None, list[str]]:
    """(country, since, topic bases) from the events export's parameters."""
    unknown = sorted(set(params) - set(EVENT_PARAMS))
    if unknown:
        raise QueryError(unknown[0], f"unknown parameter (allowed: {', '.join(EVENT_PARAMS)})")
    flt = parse_filters({k: v for k, v in params.items() if k in ("country", "since")})
    kind = params.get("type") or ""
    if kind and kind not in EVENT_TYPES:
        raise QueryError("type", f"expected one of {', '.join(EVENT_TYPES)}")
    bases = [EVENT_TYPES[kind]] if kind else list(EVENT_TYPES.values())
    return flt.country, flt.since, bases


def select_events(
    events: Iterable[AnyEvent], country: str | None = None, since: date | None = None
) -> list[AnyEvent]:
    """One event per id (a re-published article repeats its ids: the last copy is kept),
    in the country and from the day given, by event date then id."""
    latest: dict[str, AnyEvent] = {}
    for event in events:
        latest[event.event_id] = event
    kept = [
        e
        for e in latest.values()
        if (country is None or (e.location is not None and e.location.country == country))
        and (since is None or (e.event_date is not None and e.event_date >= since))
    ]
    return sorted(kept, key=lambda e: (e.event_date or date.min, e.event_id))

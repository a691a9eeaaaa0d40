"""Read-side helpers: filter and paginate table rows (pure; the HTTP layer maps
`QueryError` to 400).

    filters = parse_filters({"country": "AFG", "since": "2021-08-01", "status": "controlled"})
    page = paginate(filter_rows(rows, filters), limit=100, cursor=None)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from schemas.rows import (
    ActivityWindowRow,
    ClaimRow,
    ClosedWindowRecord,
    ControlRow,
    WithdrawalRow,
)

Row = ControlRow | WithdrawalRow | ClaimRow | ActivityWindowRow | ClosedWindowRecord
R = TypeVar("R", bound=Row)

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
FILTER_NAMES = ("country", "province", "actor", "status", "since")
QUERY_PARAMS = (*FILTER_NAMES, "limit", "offset", "cursor")
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_PROVINCE = re.compile(r"^[A-Z]{2}\d{2}$")
_ACTOR = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,63}$")
_STATUSES = frozenset({"controlled", "contested", "claimed", "announced", "ongoing", "completed"})


class QueryError(ValueError):
    """Invalid filter or pagination parameter (HTTP 400). `param` names the culprit."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class RowFilter:
    country: str | None = None  # ISO3
    province: str | None = None  # adm1 P-code
    actor: str | None = None  # actor code
    status: str | None = None
    since: date | None = None  # last event date >= since


@dataclass(frozen=True)
class Page(Generic[R]):
    items: list[R]
    total: int  # rows matching the filters (before pagination)
    limit: int
    offset: int | None
    next_cursor: str | None  # None on the last page


def _text(params: Mapping[str, object], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise QueryError(name, "must be a string")
    value = value.strip()
    return value or None


def parse_filters(params: Mapping[str, object]) -> RowFilter:
    """Validate query parameters into a RowFilter. Unknown names are ignored here (the
    pagination parameters pass through the same mapping)."""
    country = _text(params, "country")
    if country is not None:
        country = country.upper()
        if not _COUNTRY.match(country):
            raise QueryError("country", "expected an ISO 3166-1 alpha-3 code such as AFG")
    province = _text(params, "province")
    if province is not None:
        province = province.upper()
        if not _PROVINCE.match(province):
            raise QueryError("province", "expected an adm1 P-code such as AF02")
    actor = _text(params, "actor")
    if actor is not None:
        actor = actor.upper()
        if not _ACTOR.match(actor):
            raise QueryError("actor", "expected an actor code such as TALIBAN or FRA")
    status = _text(params, "status")
    if status is not None:
        status = status.lower()
        if status not in _STATUSES:
            raise QueryError("status", f"expected one of {', '.join(sorted(_STATUSES))}")
    since_text = _text(params, "since")
    since: date | None = None
    if since_text is not None:
        try:
            since = date.fromisoformat(since_text)
        except ValueError:
            raise QueryError("since", "expected a date YYYY-MM-DD") from None
        if len(since_text) != 10:
            raise QueryError("since", "expected a date YYYY-MM-DD")
    return RowFilter(country=country, province=province, actor=actor, status=status, since=since)


@dataclass(frozen=True)
class _Facets:
    countries: frozenset[str]
    provinces: frozenset[str]
    actors: frozenset[str]
    status: str | None
    last_date: date | None
    key: str


def _codes(*actors: object) -> frozenset[str]:
    return frozenset(c for a in actors if (c := getattr(a, "code", None)))


def row_key(row: Row) -> str:
    """The table key of a row (also the pagination order)."""
    if isinstance(row, ControlRow):
        return row.place_key
    if isinstance(row, WithdrawalRow):
        return row.key
    if isinstance(row, ClaimRow):
        return row.actor_code
    return f"{row.spec}|{row.group}|{row.window_start.isoformat()}"


def _facets(row: Row) -> _Facets:
    if isinstance(row, ControlRow):
        pending = row.pending_claim.actor if row.pending_claim else None
        return _Facets(
            countries=frozenset({row.country} if row.country else ()),
            provinces=frozenset({row.adm1} if row.adm1 else ()),
            actors=_codes(row.controller, row.contender, pending),
            status=row.status.value,
            last_date=row.last_event_date,
            key=row_key(row),
        )
    if isinstance(row, WithdrawalRow):
        return _Facets(
            countries=frozenset({row.country}),
            provinces=frozenset(),
            actors=frozenset({row.actor_code}),
            status=row.status.value,
            last_date=row.last_event_date,
            key=row_key(row),
        )
    if isinstance(row, ClaimRow):
        return _Facets(
            countries=frozenset({row.country} if row.country else ()),
            provinces=frozenset(),
            actors=frozenset({row.actor_code}),
            status=None,
            last_date=row.event_date,
            key=row_key(row),
        )
    group = row.group
    return _Facets(
        countries=frozenset({row.country} if row.country else ()),
        provinces=frozenset({group} if _PROVINCE.match(group) else ()),
        actors=frozenset({group} if _ACTOR.match(group) and not _PROVINCE.match(group) else ()),
        status=None,
        last_date=row.last_event_date,
        key=row_key(row),
    )


def matches(row: Row, flt: RowFilter) -> bool:
    f = _facets(row)
    if flt.country is not None and flt.country not in f.countries:
        return False
    if flt.province is not None and flt.province not in f.provinces:
        return False
    if flt.actor is not None and flt.actor not in f.actors:
        return False
    if flt.status is not None and flt.status != f.status:
        return False
    return not (flt.since is not None and (f.last_date is None or f.last_date < flt.since))


def filter_rows(rows: Iterable[R], flt: RowFilter) -> list[R]:
    """Rows matching every given filter, sorted by table key."""
    return sorted((r for r in rows if matches(r, flt)), key=row_key)


def encode_cursor(last_key: str) -> str:
    raw = json.dumps({"k": last_key}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        key = data["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        raise QueryError("cursor", "malformed cursor") from None
    if not isinstance(key, str):
        raise QueryError("cursor", "malformed cursor")
    return key


def parse_limit(value: object, default: int = DEFAULT_LIMIT) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise QueryError("limit", "must be an integer")
    try:
        limit = int(value) if isinstance(value, int | str) else int(str(value))
    except ValueError:
        raise QueryError("limit", "must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def parse_offset(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise QueryError("offset", "must be an integer")
    try:
        offset = int(value) if isinstance(value, int | str) else int(str(value))
    except ValueError:
        raise QueryError("offset", "must be an integer") from None
    if offset < 0:
        raise QueryError("offset", "must be >= 0")
    return offset


def paginate(
    rows: Sequence[R],
    *,
    limit: object = None,
    offset: object = None,
    cursor: str | None = None,
    key: Callable[[R], str] = row_key,
) -> Page[R]:
    """One page of rows ordered by `key`. Use either `offset` or `cursor` (the opaque
    `next_cursor` of the previous page; stable while rows are added or removed)."""
    size = parse_limit(limit)
    start_offset = parse_offset(offset)
    if start_offset is not None and cursor:
        raise QueryError("cursor", "use either offset or cursor, not both")
    ordered = sorted(rows, key=key)
    if cursor:
        after = decode_cursor(cursor)
        remaining = [r for r in ordered if key(r) > after]
        skipped = len(ordered) - len(remaining)
    else:
        skipped = start_offset or 0
        remaining = ordered[skipped:]
    items = remaining[:size]
    has_more = len(remaining) > size
    next_cursor = encode_cursor(key(items[-1])) if has_more and items else None
    return Page(
        items=items,
        total=len(ordered),
        limit=size,
        offset=skipped,
        next_cursor=next_cursor,
    )


def query(rows: Iterable[R], params: Mapping[str, object]) -> Page[R]:
    """Filter and paginate from one mapping of query parameters
    (country, province, actor, status, since, limit, offset, cursor); other names are
    refused."""
    unknown = sorted(set(params) - set(QUERY_PARAMS))
    if unknown:
        raise QueryError(unknown[0], f"unknown parameter (allowed: {', '.join(QUERY_PARAMS)})")
    flt = parse_filters(params)
    cursor = params.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise QueryError("cursor", "must be a string")
    return paginate(
        filter_rows(rows, flt),
        limit=params.get("limit"),
        offset=params.get("offset"),
        cursor=cursor or None,
    )

"""Read model of the aggregated tables, rebuilt from the compacted `tables.*` topics (pure).

Whoever reads those topics (the worker's read side, the CLI, the Python client) feeds every
record to `ReadModel.apply_record`; the model keeps the latest row per key (a tombstone
deletes it) and answers the same queries everywhere:

    model = ReadModel()
    model.apply_record("control", key, value, timestamp_ms=..., headers=...)
    page = model.list_page("control", {"country": "AFG", "limit": "50"})  # JSON-ready dict
    row = model.get_public("control", "AF02")

No Kafka, Faust or HTTP here; filters and pagination come from `pipeline.tables.query`, the
"as of day" control view from `pipeline.tables.control.state_as_of`.

Rows are parsed when first read, not when their record arrives: a busy key is rewritten many
times between two reads, and validating every record cost the worker 7% of its CPU.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, cast

import orjson
from pydantic import ValidationError

from pipeline import topics as T
from pipeline.tables import activity as A
from pipeline.tables.control import state_as_of
from pipeline.tables.query import (
    QueryError,
    Row,
    paginate,
    query,
    row_key,
)
from schemas.common import Actor, ActorKind
from schemas.rows import (
    BOOKKEEPING_FIELDS,
    ActivityGroupRow,
    ActivityWindowRow,
    ClaimRow,
    ClosedWindowRecord,
    ControlRow,
    ControlTransition,
    WithdrawalRow,
    published_row,
)

TABLES = ("control", "withdrawals", "claims", "activity")
TABLE_TOPICS: dict[str, str] = {
    "control": T.TABLES_CONTROL,
    "withdrawals": T.TABLES_WITHDRAWALS,
    "claims": T.TABLES_CLAIMS,
    "activity": T.TABLES_ACTIVITY,
}
TOPIC_TABLES = {base: name for name, base in TABLE_TOPICS.items()}

# Header carried by every tables.* record: when the event that caused it was written.
EVENT_TIME_HEADER = "source.timestamp_ms"
# ... and which event it was (lineage: a row change traced back to its event and article).
EVENT_ID_HEADER = "source.event_id"

# Fields of the topic rows left out of the HTTP/CLI answers.
INTERNAL_FIELDS = frozenset({"observations", "base"}) | BOOKKEEPING_FIELDS
# Rows written before the id bookkeeping and all but the newest observations were left out
# of the topics still carry them: reads drop them the same way (schemas.rows.published_row).
# With them, a worker's read side grew with every report (the soak: ~90,000 more live Python
# objects over 200,000 articles). Reads need the newest few observations: the map shows 8
# "other reports"; the "as of" view takes status and controller from the row's history, and
# only its last-report date for a day before the oldest kept report falls back to the date of
# the transition in force.

ACTIVITY_PARAMS = ("spec", "group", "since", "closed", "limit", "offset", "cursor")
KEY_MAX = 300
_SPEC = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_GROUP = re.compile(r"^[A-Za-z0-9:._-]{1,300}$")


# What a tables.* record holds: a row, or (activity) all the windows of one group.
Record = Row | ActivityGroupRow


def parse_row(table: str, data: Mapping[str, Any]) -> Record:
    """A topic record's JSON value as the table's row model (ValidationError if invalid)."""
    if table == "control":
        return ControlRow.model_validate(data)
    if table == "withdrawals":
        return WithdrawalRow.model_validate(data)
    if table == "claims":
        return ClaimRow.model_validate(data)
    if table == "activity":
        if "windows" in data:
            return ActivityGroupRow.model_validate(data)
        if data.get("final"):
            return ClosedWindowRecord.model_validate(data)
        return ActivityWindowRow.model_validate(data)  # one window per record: older versions
    raise ValueError(f"unknown table {table!r}")


def is_legacy(table: str, data: Any) -> bool:
    """A withdrawals row of the versions keyed by actor alone (one row mixing every country
    the actor left): readers leave it out; a replay builds the per-country rows."""
    return table == "withdrawals" and isinstance(data, dict) and "country" not in data


def public_row(row: Row) -> dict[str, Any]:
    """The JSON shape served over HTTP and printed by the CLI."""
    data = row.model_dump(mode="json")
    for name in INTERNAL_FIELDS:
        data.pop(name, None)
    if isinstance(row, ClosedWindowRecord):
        data["closed"] = True
    elif isinstance(row, ActivityWindowRow):
        data["final"] = False
    return data


def page_dict(page: Any) -> dict[str, Any]:
    return {
        "items": [public_row(r) for r in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_cursor": page.next_cursor,
    }


def parse_day(value: object, param: str) -> date:
    if not isinstance(value, str) or len(value.strip()) != 10:
        raise QueryError(param, "expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(param, "expected a date YYYY-MM-DD") from None


def _ms_to_iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _guess_actor(code: str) -> Actor:
    kind = ActorKind.STATE if re.fullmatch(r"[A-Z]{3}", code) else ActorKind.ARMED_GROUP
    if code.endswith("-FORCES"):
        kind = ActorKind.STATE_FORCES
    return Actor(name=code, code=code, kind=kind)


def _actors_of(row: ControlRow) -> dict[str, Actor]:
    found: dict[str, Actor] = {}
    for obs in row.observations:
        for actor in (obs.actor, obs.counter_actor, obs.claimant):
            if actor is not None:
                found.setdefault(actor.code, actor)
    for actor in (row.controller, row.contender):
        if actor is not None:
            found[actor.code] = actor
    return found


def control_as_of(row: ControlRow, day: date) -> ControlRow | None:
    """The place's row as it stood at the end of `day` (status, controller, contender,
    since, claim status from the row's transition history); None when nothing was known."""
    found: ControlTransition | None = state_as_of(row, day)
    if found is None:
        return None
    # `since`: start of the run of transitions with the same (status, controller).
    since = found.event_date
    previous: tuple[str, str | None] | None = None
    for transition in row.history:
        if transition.event_date > day:
            break
        signature = (transition.status.value, transition.controller)
        if signature != previous:
            since = transition.event_date
            previous = signature
    actors = _actors_of(row)

    def actor(code: str | None) -> Actor | None:
        if code is None:
            return None
        return actors.get(code) or _guess_actor(code)

    seen = [o.event_date for o in row.observations if o.event_date <= day]
    last = max(seen) if seen else found.event_date
    first = min(row.first_event_date, last)
    pending = (
        row.pending_claim if row.pending_claim and row.pending_claim.event_date <= day else None
    )
    return row.model_copy(
        update={
            "status": found.status,
            "controller": actor(found.controller),
            "contender": actor(found.contender),
            "claim_status": found.claim_status,
            "date_basis": found.date_basis,
            "since": since,
            "first_event_date": first,
            "last_event_date": last,
            "pending_claim": pending,
        }
    )


class ReadModel:
    """Latest row per key of each table, plus freshness bookkeeping."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Record]] = {name: {} for name in TABLES}
        # key -> the newest record's value, not yet parsed (the parsed row, if any, is older)
        self._unparsed: dict[str, dict[str, bytes]] = {name: {} for name in TABLES}
        self.records = 0
        self._invalid = 0
        self.last_table_update_ms: int | None = None
        self.last_event_ms: int | None = None
        self._windows: dict[str, Row] | None = None  # activity, one row per window

    # -- feeding ------------------------------------------------------------------------
    def apply_record(
        self,
        table: str,
        key: bytes | str | None,
        value: bytes | None,
        *,
        timestamp_ms: int | None = None,
        headers: Mapping[str, bytes] | list[tuple[str, bytes]] | None = None,
    ) -> None:
        """Apply one record of a tables.* topic: upsert, or delete on a tombstone."""
        if table not in self._rows:
            raise ValueError(f"unknown table {table!r}")
        self.records += 1
        if key is None:
            self._invalid += 1
            return
        k = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
        if timestamp_ms is not None:
            self.last_table_update_ms = max(self.last_table_update_ms or 0, timestamp_ms)
        items = headers.items() if isinstance(headers, Mapping) else (headers or [])
        for name, raw in items:
            if name == EVENT_TIME_HEADER and raw:
                try:
                    ms = int(raw.decode() if isinstance(raw, bytes) else raw)
                except ValueError:
                    continue
                self.last_event_ms = max(self.last_event_ms or 0, ms)
        if table == "activity":
            self._windows = None
        if value is None:
            self._rows[table].pop(k, None)
            self._unparsed[table].pop(k, None)
            return
        self._unparsed[table][k] = value

    def _parsed(self, table: str) -> dict[str, Record]:
        """The table's rows, parsing those whose records came since the last read. A record
        that does not parse is counted invalid and leaves the key's previous row."""
        rows = self._rows[table]
        unparsed = self._unparsed[table]
        for k, value in unparsed.items():
            try:
                data = orjson.loads(value)
                if is_legacy(table, data):
                    rows.pop(k, None)
                    continue
                rows[k] = parse_row(table, published_row(data))
            except (orjson.JSONDecodeError, ValidationError, ValueError, TypeError):
                self._invalid += 1
        unparsed.clear()
        return rows

    def _activity_windows(self) -> dict[str, Row]:
        """One row per window, keyed `spec|group|start`: the windows of each group row, a
        window's final record over its copy there (the two may arrive in either order, on
        different partitions), and single-window rows of older versions under both."""
        if self._windows is not None:
            return self._windows
        records = self._parsed("activity")
        groups = [r for r in records.values() if isinstance(r, ActivityGroupRow)]
        windows: dict[str, Row] = {
            k: r for k, r in records.items() if isinstance(r, ActivityWindowRow)
        }
        for group in groups:
            for w in group.windows:
                windows[A.window_key(w.spec, w.group, w.window_start)] = w
        for k, r in records.items():
            if isinstance(r, ClosedWindowRecord):
                windows[k] = r
        self._windows = windows
        return windows

    def _view(self, table: str) -> dict[str, Row]:
        if table == "activity":
            return self._activity_windows()
        return cast(dict[str, Row], self._parsed(table))  # only activity has group records

    @property
    def invalid(self) -> int:
        """Records without a key, and rows read so far that did not parse (a record
        overwritten before any read is never parsed)."""
        for name in self._rows:
            self._parsed(name)
        return self._invalid

    def apply_topic_record(
        self,
        topic: str,
        prefix: str,
        key: bytes | None,
        value: bytes | None,
        *,
        timestamp_ms: int | None = None,
        headers: Mapping[str, bytes] | list[tuple[str, bytes]] | None = None,
    ) -> None:
        table = TOPIC_TABLES.get(topic.removeprefix(prefix))
        if table is None:
            return
        self.apply_record(table, key, value, timestamp_ms=timestamp_ms, headers=headers)

    # -- reading ------------------------------------------------------------------------
    def table(self, name: str) -> dict[str, Row]:
        if name not in self._rows:
            raise ValueError(f"unknown table {name!r}")
        return self._view(name)

    def get_public(self, table: str, key: str) -> dict[str, Any] | None:
        row = self.table(table).get(key)
        return public_row(row) if row is not None else None

    def control_rows_as_of(self, day: date) -> list[ControlRow]:
        out: list[ControlRow] = []
        for row in self._parsed("control").values():
            assert isinstance(row, ControlRow)
            view = control_as_of(row, day)
            if view is not None:
                out.append(view)
        return out

    def list_page(self, table: str, params: Mapping[str, object]) -> dict[str, Any]:
        """One page of a table as JSON-ready dict; raises QueryError on bad parameters."""
        if table == "activity":
            return self.activity_page(params)
        rest = dict(params)
        as_of = rest.pop("as_of", None)
        if as_of is not None and as_of != "":
            if table != "control":
                raise QueryError("as_of", "only the control table has an as-of view")
            rows: list[Any] = self.control_rows_as_of(parse_day(as_of, "as_of"))
        else:
            rows = list(self.table(table).values())
        return page_dict(query(rows, rest))

    def activity_page(self, params: Mapping[str, object]) -> dict[str, Any]:
        unknown = sorted(set(params) - set(ACTIVITY_PARAMS))
        if unknown:
            raise QueryError(
                unknown[0], f"unknown parameter (allowed: {', '.join(ACTIVITY_PARAMS)})"
            )

        def text(name: str, pattern: re.Pattern[str]) -> str | None:
            value = params.get(name)
            if value is None or value == "":
                return None
            if not isinstance(value, str) or not pattern.match(value):
                raise QueryError(name, "invalid value")
            return value

        spec = text("spec", _SPEC)
        known = (A.CONTROL_ACTIVITY.name, A.WITHDRAWAL_ACTIVITY.name)
        if spec is not None and spec not in known:
            raise QueryError("spec", f"unknown window spec (known: {', '.join(known)})")
        group = text("group", _GROUP)
        since_raw = params.get("since")
        since = parse_day(since_raw, "since") if since_raw not in (None, "") else None
        closed_raw = params.get("closed")
        closed: bool | None = None
        if closed_raw not in (None, ""):
            if closed_raw not in ("true", "false", "1", "0"):
                raise QueryError("closed", "expected true or false")
            closed = closed_raw in ("true", "1")
        rows: list[Any] = []
        for row in self._activity_windows().values():
            assert isinstance(row, ActivityWindowRow | ClosedWindowRecord)
            is_closed = isinstance(row, ClosedWindowRecord) or row.closed
            if spec is not None and row.spec != spec:
                continue
            if group is not None and row.group != group:
                continue
            if since is not None and row.window_end <= since:
                continue
            if closed is not None and is_closed != closed:
                continue
            rows.append(row)
        cursor = params.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise QueryError("cursor", "must be a string")
        page = paginate(
            rows, limit=params.get("limit"), offset=params.get("offset"), cursor=cursor or None
        )
        return page_dict(page)

    def counts(self) -> dict[str, int]:
        return {name: len(self._view(name)) for name in self._rows}

    def status(self, now: datetime) -> dict[str, Any]:
        return {
            "last_event_at": _ms_to_iso(self.last_event_ms),
            "last_table_update_at": _ms_to_iso(self.last_table_update_ms),
            "counts": self.counts(),
            "records": self.records,
            "invalid_records": self.invalid,
            "now": now.isoformat(),
        }

    def snapshot(self, table: str) -> dict[str, dict[str, Any]]:
        """Every row of a table in its public shape, by key (for comparisons and dumps)."""
        return {key: public_row(row) for key, row in sorted(self.table(table).items())}


__all__ = [
    "ACTIVITY_PARAMS",
    "EVENT_ID_HEADER",
    "EVENT_TIME_HEADER",
    "INTERNAL_FIELDS",
    "KEY_MAX",
    "TABLES",
    "TABLE_TOPICS",
    "QueryError",
    "ReadModel",
    "control_as_of",
    "page_dict",
    "parse_row",
    "public_row",
    "row_key",
]

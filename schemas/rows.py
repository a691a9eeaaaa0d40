"""Row models of the aggregated tables (control, withdrawals, claims, activity, dedup).

No I/O. Every row is JSON-serialisable (`row.model_dump(mode="json")` /
`Model.model_validate_json(...)`) and bounded: histories, id lists and source lists are
capped by the constants below, with counters that keep counting past the cap.
The reducers that build these rows live in `pipeline.tables`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Actor, ClaimStatus, DateBasis, Place
from schemas.events import ControlChange, WithdrawalStatus

# Bounds. A row never holds more than this many items in the corresponding list.
MAX_SOURCES = 50  # distinct source names listed per row / happening
MAX_EVENT_IDS = 200  # recent event ids remembered per row (idempotency of re-publishing)
MAX_HAPPENING_IDS = 200  # recent happening ids remembered per row (distinct-event counts)
MAX_CONTROL_OBSERVATIONS = 100  # events kept per place to re-fold state in event-time order
MAX_CONTROL_HISTORY = 50  # transitions kept per place ("as of any day")
MAX_CLAIM_HISTORY = 50  # share-of-territory claims kept per actor
MAX_HAPPENINGS_PER_KEY = 100  # happenings kept per dedup fingerprint key
MAX_DAY_IDS = 256  # event / happening ids remembered per group and day of activity
MAX_EVIDENCE_CHARS = 600  # evidence text is truncated to this length in rows

PART_SUFFIX = "~part"  # control row key of reports about part of a country or province
UNKNOWN_COUNTRY = "XXX"  # withdrawal key's country when the event names no place


def withdrawal_key(actor_code: str, country: str | None) -> str:
    """Key of a withdrawals row: `USA:AFG` (actor code, ISO3 of the country left)."""
    return f"{actor_code}:{country or UNKNOWN_COUNTRY}"


# Idempotency bookkeeping of the reducers (up to 200-256 ids per row): kept in the worker's
# tables, left out of the rows the `tables.*` topics carry, which no reader needs them in.
BOOKKEEPING_FIELDS = frozenset({"event_ids", "happening_ids", "refs"})
# Of a control row's observations (up to MAX_CONTROL_OBSERVATIONS, kept to re-fold its state),
# the topic rows carry the newest this many: what reads use (the map shows 8 other reports;
# "as of" takes status and controller from the history). A full row was ~78 KB of JSON.
PUBLISHED_OBSERVATIONS = 20


def published_row(data: Any) -> Any:
    """A row's JSON as the `tables.*` topics carry it (and as reads keep rows written before
    that): without the id bookkeeping, with the newest PUBLISHED_OBSERVATIONS observations."""
    if not isinstance(data, dict):
        return data
    observations = data.get("observations")
    if not isinstance(observations, list) or len(observations) <= PUBLISHED_OBSERVATIONS:
        observations = None
    if observations is None and BOOKKEEPING_FIELDS.isdisjoint(data):
        return data
    out = {k: v for k, v in data.items() if k not in BOOKKEEPING_FIELDS}
    if observations is not None:
        out["observations"] = observations[-PUBLISHED_OBSERVATIONS:]  # in event-time order
    return out


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceTally(_Row):
    """Distinct sources. `names` is sorted and capped at MAX_SOURCES; `overflow` counts
    reports from sources not listed once the cap is reached (so `count` is exact up to the
    cap and an upper bound beyond it)."""

    names: list[str] = Field(default_factory=list)
    overflow: int = 0

    @property
    def count(self) -> int:
        return len(self.names) + self.overflow


class SlotRef(_Row):
    """Event-time ordering key of the event a value came from: (event_date, rank, event_id).
    `rank` is the claim strength (and status rank where relevant) used as a tiebreaker.
    `ingestion`: the event is dated only by its ingestion time, so any dated report wins."""

    event_date: date
    rank: int
    event_id: str
    ingestion: bool = False

    def key(self) -> tuple[date, int, str]:
        return (self.event_date, self.rank, self.event_id)

    def order(self) -> tuple[bool, date, int, str]:
        """Precedence of a slot value: dated reports before ingestion-dated ones, then key."""
        return (not self.ingestion, self.event_date, self.rank, self.event_id)


class EvidenceRef(_Row):
    event_id: str
    article_id: str
    source: str | None = None
    published_at: str | None = None
    event_date: date
    claim_status: ClaimStatus
    text: str
    # `ingestion`: the article had no date, so event_date is only when it was ingested.
    date_basis: DateBasis = DateBasis.PUBLISHED_AT


def is_ingestion(basis: DateBasis | str | None) -> bool:
    return basis == DateBasis.INGESTION


# --------------------------------------------------------------------------- control


class ControlStatus(StrEnum):
    CONTROLLED = "controlled"
    CONTESTED = "contested"
    CLAIMED = "claimed"


class ControlObservation(_Row):
    """One territorial-control event as kept for re-folding (internal to the reducer)."""

    event_id: str
    happening_id: str
    event_date: date
    strength: int
    change: ControlChange
    claim_status: ClaimStatus
    actor: Actor
    counter_actor: Actor | None = None
    claimant: Actor | None = None
    article_id: str
    source: str | None = None
    published_at: str | None = None
    evidence_text: str = ""
    # The actor holds or took only part of the place ("two of six districts").
    partial: bool = False
    date_basis: DateBasis = DateBasis.PUBLISHED_AT

    def key(self) -> tuple[date, int, str]:
        return (self.event_date, self.strength, self.event_id)


class ControlClaim(_Row):
    """A claim (claimed/disputed) that did not overwrite confirmed or reported control."""

    actor: Actor
    claimant: Actor | None = None
    change: ControlChange
    claim_status: ClaimStatus
    event_date: date
    event_id: str


class ControlState(_Row):
    """The folded state of a place (also the base state of evicted observations)."""

    status: ControlStatus
    controller: Actor | None = None
    contender: Actor | None = None
    claim_status: ClaimStatus
    since: date
    as_of: SlotRef  # key of the last observation folded into this state
    determining_event_id: str
    pending_claim: ControlClaim | None = None
    # The contender holds part of the place; it stays the contender until someone else
    # takes the whole place or the contender itself does.
    partial_holder: bool = False
    date_basis: DateBasis = DateBasis.PUBLISHED_AT  # of the determining event


class ControlTransition(_Row):
    """A change of (status, controller) at a point in event time."""

    event_date: date
    strength: int
    event_id: str
    status: ControlStatus
    controller: str | None = None  # actor code
    contender: str | None = None  # actor code
    change: ControlChange
    claim_status: ClaimStatus
    date_basis: DateBasis = DateBasis.PUBLISHED_AT

    def key(self) -> tuple[date, int, str]:
        return (self.event_date, self.strength, self.event_id)


class ControlRow(_Row):
    """Table `control`, key = Place.key; for statements about part of a country or
    province ("large parts of Helmand", "several towns in Ukraine"), the unit's key plus
    PART_SUFFIX, a region-level row apart from the unit's own."""

    table: Literal["control"] = "control"
    place_key: str
    place: Place
    country: str | None = None
    adm1: str | None = None
    # Key of the country or province this row reports parts of; None for a whole place.
    part_of: str | None = None
    status: ControlStatus
    controller: Actor | None = None
    contender: Actor | None = None
    claim_status: ClaimStatus
    # Of the event the state rests on; `ingestion`: dated only by when it was ingested.
    date_basis: DateBasis = DateBasis.PUBLISHED_AT
    since: date
    first_event_date: date
    last_event_date: date
    pending_claim: ControlClaim | None = None
    evidence: EvidenceRef  # evidence of the event that determines the current state
    reports: int = 0  # distinct event ids (articles' reports)
    events: int = 0  # distinct happenings (deduplicated)
    sources: SourceTally = Field(default_factory=SourceTally)
    history: list[ControlTransition] = Field(default_factory=list)
    observations: list[ControlObservation] = Field(default_factory=list)
    base: ControlState | None = None  # state folded from observations evicted by the cap
    stale_reports: int = 0  # events older than the retained observations (not re-folded)
    event_ids: list[str] = Field(default_factory=list)
    happening_ids: list[str] = Field(default_factory=list)


# ----------------------------------------------------------------------- withdrawals


class WithdrawalRow(_Row):
    """Table `withdrawals`, key = `withdrawal_key(actor code, country left)`: the United
    States leaving Afghanistan and leaving Iraq are two rows."""

    table: Literal["withdrawals"] = "withdrawals"
    key: str
    actor_code: str
    actor: Actor
    country: str  # ISO3 of the country left (location.country), UNKNOWN_COUNTRY if none
    status: WithdrawalStatus
    status_date: date
    date_basis: DateBasis = DateBasis.PUBLISHED_AT  # of the status's event
    troops: int | None = None  # troops withdrawn / to withdraw, latest report with a value
    remaining_troops: int | None = None
    percent_complete: float | None = None
    deadline: date | None = None  # latest deadline (from the latest event giving one)
    deadline_precision: str | None = None
    first_event_date: date
    last_event_date: date
    # Where from: [country], kept for readers of the rows keyed by actor alone.
    countries: list[str] = Field(default_factory=list)
    reports: int = 0
    events: int = 0
    sources: SourceTally = Field(default_factory=SourceTally)
    evidence: EvidenceRef
    refs: dict[str, SlotRef] = Field(default_factory=dict)  # slot -> event-time key
    event_ids: list[str] = Field(default_factory=list)
    happening_ids: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------- claims


class ShareClaim(_Row):
    event_id: str
    happening_id: str
    event_date: date
    strength: int
    territory_share_percent: float
    claimant: Actor | None = None
    claim_status: ClaimStatus
    country: str | None = None
    source: str | None = None
    evidence_text: str = ""
    date_basis: DateBasis = DateBasis.PUBLISHED_AT

    def key(self) -> tuple[date, int, str]:
        return (self.event_date, self.strength, self.event_id)

    def order(self) -> tuple[bool, date, int, str]:
        """Precedence: dated claims before ingestion-dated ones, then event time."""
        return (not is_ingestion(self.date_basis), *self.key())


class ClaimRow(_Row):
    """Table `claims`, key = actor code (the actor whose share of territory is claimed)."""

    table: Literal["claims"] = "claims"
    actor_code: str
    actor: Actor
    territory_share_percent: float
    event_date: date
    claimant: Actor | None = None
    claim_status: ClaimStatus
    date_basis: DateBasis = DateBasis.PUBLISHED_AT  # of the latest claim
    country: str | None = None
    latest: ShareClaim
    history: list[ShareClaim] = Field(default_factory=list)  # by event time, capped
    reports: int = 0
    events: int = 0
    sources: SourceTally = Field(default_factory=SourceTally)
    event_ids: list[str] = Field(default_factory=list)
    happening_ids: list[str] = Field(default_factory=list)


# -------------------------------------------------------------------------- activity


class WindowKind(StrEnum):
    HOPPING = "hopping"  # fixed size in days, advancing by step days (aligned to 1970-01-01)
    CALENDAR_MONTH = "calendar_month"


class ActivityWindowRow(_Row):
    """One event-time window of one group (province or actor). Key: `window_key(...)`."""

    table: Literal["activity"] = "activity"
    spec: str
    group: str
    window_start: date
    window_end: date  # exclusive
    count: int = 0  # distinct happenings
    reports: int = 0  # distinct event ids
    country: str | None = None
    first_event_date: date | None = None
    last_event_date: date | None = None
    closed: bool = False


class ActivityGroupRow(_Row):
    """Every retained window of one group (open ones, and closed ones until purged), as the
    `tables.activity` topic carries it: one record per group and batch. Key:
    `group_key(spec, group)`. One record for the group, not one per window: a 30-day window
    advancing daily put some 30 records per event on the topic and on every read side."""

    table: Literal["activity"] = "activity"
    spec: str
    group: str
    watermark: date | None = None
    windows: list[ActivityWindowRow] = Field(default_factory=list)


class ActivityDay(_Row):
    """The ids counted on one day of one group, kept while a window containing the day is
    open: they make counting idempotent (an event id counts once) and distinct (a happening
    counts once). A happening's reports share its canonical date, so one day holds them all,
    and every window's ids are the union of its days' (stored once, not once per window)."""

    group: str
    day: date
    event_ids: list[str] = Field(default_factory=list)
    happening_ids: list[str] = Field(default_factory=list)


class ClosedWindowRecord(_Row):
    """Final record of a window, emitted exactly once when the watermark passes
    window_end + grace."""

    table: Literal["activity"] = "activity"
    final: Literal[True] = True
    spec: str
    group: str
    window_start: date
    window_end: date
    count: int
    reports: int
    country: str | None = None
    first_event_date: date | None = None
    last_event_date: date | None = None
    watermark: date


class ActivityState(_Row):
    """State of one window spec for one group or more: watermark (max event date seen), the
    open and retained windows, the ids of the days open windows contain, and late-event
    counters. The table agents keep one per (spec, group), written as one row."""

    spec: str
    partition: int | None = None
    watermark: date | None = None
    windows: dict[str, ActivityWindowRow] = Field(default_factory=dict)
    days: dict[str, ActivityDay] = Field(default_factory=dict)  # key: day_key(group, day)
    dropped_late_events: int = 0  # events too late for every one of their windows
    dropped_late_updates: int = 0  # (event, window) pairs refused because the window closed
    rejected_future: int = 0  # events dated implausibly after the injected "today"
    closed_emitted: int = 0


# ----------------------------------------------------------------------------- dedup


class DedupOutcome(StrEnum):
    NEW = "new"  # first report of a happening
    DUPLICATE = "duplicate"  # another report (other article) of a known happening
    REPLAY = "replay"  # an event id already seen: nothing changes


class Happening(_Row):
    happening_id: str
    canonical_date: date  # date of the first report; matches are within ±1 day of it
    first_date: date
    last_date: date
    first_event_id: str
    reports: int = 0
    event_ids: list[str] = Field(default_factory=list)
    sources: SourceTally = Field(default_factory=SourceTally)


class DedupEntry(_Row):
    """Dedup registry entry, key = fingerprint key (type|actor|place|change-or-status)."""

    key: str
    happenings: list[Happening] = Field(default_factory=list)  # sorted by canonical_date


class DedupDecision(_Row):
    outcome: DedupOutcome
    key: str
    happening_id: str
    canonical_date: date
    event_date: date
    reports: int
    source_count: int

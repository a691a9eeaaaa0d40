"""Shared helpers of the table reducers: event time, claim strength, bounded lists."""

from __future__ import annotations

import hashlib
from datetime import UTC, date

from pipeline.clock import Clock
from schemas.article import parse_published_at
from schemas.common import CLAIM_STRENGTH, ClaimStatus
from schemas.events import TerritorialControlEvent, WithdrawalEvent
from schemas.rows import (
    MAX_EVIDENCE_CHARS,
    MAX_HAPPENING_IDS,
    MAX_SOURCES,
    EvidenceRef,
    SourceTally,
)

AnyEvent = WithdrawalEvent | TerritorialControlEvent

# Claim strength, the tiebreaker between events of the same day (higher wins).
STRENGTH = CLAIM_STRENGTH
WEAK_CLAIMS = frozenset({ClaimStatus.CLAIMED, ClaimStatus.DISPUTED})


class TableError(ValueError):
    """Base class of the reducers' input errors."""


class UndatedEventError(TableError):
    """The event has no event_date, no usable published_at, and no `today` was given."""


class NotApplicableError(TableError):
    """The event does not feed this table (check with the module's `accepts`)."""


def today_from(clock: Clock | None) -> date | None:
    """The clock's current date in UTC; the clock must return an aware datetime."""
    if clock is None:
        return None
    now = clock()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("clock must return a timezone-aware datetime")
    return now.astimezone(UTC).date()


def effective_date(event: AnyEvent, today: date | None = None) -> date:
    """Event time of an event: event_date, else the published_at date, else `today`."""
    if event.event_date is not None:
        return event.event_date
    if event.published_at:
        try:
            published = parse_published_at(event.published_at)
        except ValueError:
            published = None
        if published is not None:
            return published.date()
    if today is not None:
        return today
    raise UndatedEventError(f"event {event.event_id} has neither event_date nor published_at")


def strength(event: AnyEvent) -> int:
    return STRENGTH[event.claim_status]


def short_hash(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def remember(ids: list[str], new_id: str, cap: int) -> list[str]:
    """Append an id to a bounded most-recent list (oldest dropped first)."""
    out = [*ids, new_id]
    return out[-cap:] if len(out) > cap else out


def count_happening(
    happening_ids: list[str] | None, events: int, hid: str
) -> tuple[list[str], int]:
    """Remember a happening and count it once: (ids, distinct happenings)."""
    ids = list(happening_ids or [])
    if hid in ids:
        return ids, events
    return remember(ids, hid, MAX_HAPPENING_IDS), events + 1


def add_source(tally: SourceTally, source: str | None) -> SourceTally:
    if not source:
        return tally
    if source in tally.names:
        return tally
    if len(tally.names) >= MAX_SOURCES:
        return SourceTally(names=list(tally.names), overflow=tally.overflow + 1)
    return SourceTally(names=sorted([*tally.names, source]), overflow=tally.overflow)


def clip(text: str) -> str:
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[: MAX_EVIDENCE_CHARS - 1] + "…"


def evidence_ref(event: AnyEvent, event_date: date) -> EvidenceRef:
    return EvidenceRef(
        event_id=event.event_id,
        article_id=event.article_id,
        source=event.source,
        published_at=event.published_at,
        event_date=event_date,
        claim_status=event.claim_status,
        text=clip(event.evidence.text),
    )

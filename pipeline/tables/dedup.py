"""Deduplication registry: one real-world happening reported by several articles.

Fingerprint = (event type, actor code, place key, change-or-status) + event date within a
day. The registry table is keyed by `dedup_key(event)` (the fingerprint without the date);
its value, a `DedupEntry`, lists the known happenings of that key, each anchored on the date
of its first report (`canonical_date`). An incoming event:

- whose event_id is already listed under the key -> REPLAY (entry unchanged);
- whose date is within ±1 day of a happening's canonical date -> DUPLICATE of the nearest
  such happening (report count and sources grow; totals must not count it again);
- otherwise -> NEW happening.

Matching is against the canonical date only (no chaining: a place reported "held" every day
for a month is not one happening). `happening_id` is deterministic: a hash of the key and the
canonical date. Downstream reducers take `decision.happening_id`, and activity windows should
be fed `decision.canonical_date` so the duplicates of a happening land in the same windows.
"""

from __future__ import annotations

from datetime import date

from pipeline.tables._common import (
    AnyEvent,
    add_source,
    effective_date,
    remember,
    short_hash,
)
from schemas.events import TerritorialControlEvent
from schemas.rows import (
    MAX_EVENT_IDS,
    MAX_HAPPENINGS_PER_KEY,
    DedupDecision,
    DedupEntry,
    DedupOutcome,
    Happening,
    SourceTally,
)

NO_PLACE = "-"
MATCH_DAYS = 1


def place_key(event: AnyEvent) -> str:
    return event.location.key if event.location is not None else NO_PLACE


def variant(event: AnyEvent) -> str:
    """The change (territorial control) or status (withdrawal) part of the fingerprint."""
    if isinstance(event, TerritorialControlEvent):
        return event.change.value
    return event.status.value


def dedup_key(event: AnyEvent) -> str:
    """The registry table key: the fingerprint without its date."""
    return "|".join((event.event_type, event.actor.code, place_key(event), variant(event)))


def happening_id_for(key: str, canonical_date: date) -> str:
    return "h-" + short_hash(key, canonical_date.isoformat())


def fallback_happening_id(event: AnyEvent, event_date: date) -> str:
    """Happening id without a registry (exact-date fingerprint); reducers use it when the
    caller passes no `happening_id`."""
    return happening_id_for(dedup_key(event), event_date)


def _decision(
    outcome: DedupOutcome, key: str, happening: Happening, event_date: date
) -> DedupDecision:
    return DedupDecision(
        outcome=outcome,
        key=key,
        happening_id=happening.happening_id,
        canonical_date=happening.canonical_date,
        event_date=event_date,
        reports=happening.reports,
        source_count=happening.sources.count,
    )


def register(
    entry: DedupEntry | None, event: AnyEvent, *, today: date | None = None
) -> tuple[DedupEntry, DedupDecision]:
    """Register one event; return the new entry and the decision. Pure: `entry` is not
    mutated. On REPLAY the returned entry is the one passed in."""
    key = dedup_key(event)
    if entry is not None and entry.key != key:
        raise ValueError(f"entry key {entry.key!r} does not match the event's key {key!r}")
    day = effective_date(event, today)
    happenings = list(entry.happenings) if entry is not None else []

    for happening in happenings:
        if event.event_id in happening.event_ids:
            assert entry is not None
            return entry, _decision(DedupOutcome.REPLAY, key, happening, day)

    candidates = [
        (abs((h.canonical_date - day).days), h.canonical_date, i)
        for i, h in enumerate(happenings)
        if abs((h.canonical_date - day).days) <= MATCH_DAYS
    ]
    if candidates:
        _, _, index = min(candidates)
        old = happenings[index]
        updated = old.model_copy(
            update={
                "first_date": min(old.first_date, day),
                "last_date": max(old.last_date, day),
                "reports": old.reports + 1,
                "event_ids": remember(old.event_ids, event.event_id, MAX_EVENT_IDS),
                "sources": add_source(old.sources, event.source),
            }
        )
        happenings[index] = updated
        outcome = DedupOutcome.DUPLICATE
    else:
        updated = Happening(
            happening_id=happening_id_for(key, day),
            canonical_date=day,
            first_date=day,
            last_date=day,
            first_event_id=event.event_id,
            reports=1,
            event_ids=[event.event_id],
            sources=add_source(SourceTally(), event.source),
        )
        happenings.append(updated)
        happenings.sort(key=lambda h: (h.canonical_date, h.happening_id))
        if len(happenings) > MAX_HAPPENINGS_PER_KEY:
            # Keep the most recent happenings by event time.
            happenings = happenings[-MAX_HAPPENINGS_PER_KEY:]
        outcome = DedupOutcome.NEW
    return DedupEntry(key=key, happenings=happenings), _decision(outcome, key, updated, day)

"""Reducer of table `claims` (key: actor code): claimed shares of territory.

Fed by territorial-control events carrying `territory_share_percent` ("the Taliban control
85% of the territory"). The row shows the latest claim by event time (event_date, claim
strength, event_id) and a bounded history sorted by event time (the most recent
MAX_CLAIM_HISTORY are kept). A claim dated only by its article's ingestion time is kept in
the history and counted, but is the latest only while no dated claim exists.
"""

from __future__ import annotations

from datetime import date

from pipeline.tables._common import (
    STRENGTH,
    AnyEvent,
    NotApplicableError,
    add_source,
    clip,
    count_happening,
    effective_date,
    remember,
)
from pipeline.tables.dedup import fallback_happening_id
from schemas.events import TerritorialControlEvent
from schemas.rows import (
    MAX_CLAIM_HISTORY,
    MAX_EVENT_IDS,
    ClaimRow,
    ShareClaim,
    SourceTally,
)


def accepts(event: AnyEvent) -> bool:
    return isinstance(event, TerritorialControlEvent) and event.territory_share_percent is not None


def table_key(event: AnyEvent) -> str:
    if not accepts(event):
        raise NotApplicableError(f"event {event.event_id} does not feed table claims")
    return event.actor.code


def apply(
    row: ClaimRow | None,
    event: AnyEvent,
    *,
    happening_id: str | None = None,
    today: date | None = None,
) -> ClaimRow:
    """Apply one share-of-territory event to the actor's row; return the new row (pure).
    Re-applying an event_id already seen returns `row` itself."""
    if not accepts(event):
        raise NotApplicableError(f"event {event.event_id} does not feed table claims")
    assert isinstance(event, TerritorialControlEvent)
    assert event.territory_share_percent is not None
    code = event.actor.code
    if row is not None and row.actor_code != code:
        raise ValueError(f"row key {row.actor_code!r} does not match the event's {code!r}")
    if row is not None and (
        event.event_id in row.event_ids or any(c.event_id == event.event_id for c in row.history)
    ):
        return row

    day = effective_date(event, today)
    hid = happening_id or fallback_happening_id(event, day)
    claim = ShareClaim(
        event_id=event.event_id,
        happening_id=hid,
        event_date=day,
        strength=STRENGTH[event.claim_status],
        territory_share_percent=event.territory_share_percent,
        claimant=event.claimant or event.actor,
        claim_status=event.claim_status,
        country=event.location.country if event.location is not None else None,
        source=event.source,
        evidence_text=clip(event.evidence.text),
        date_basis=event.date_basis,
    )
    history = sorted([*(row.history if row is not None else []), claim], key=ShareClaim.key)
    history = history[-MAX_CLAIM_HISTORY:]
    latest = claim if row is None or claim.order() > row.latest.order() else row.latest
    actor = event.actor if latest is claim else row.actor if row is not None else event.actor

    happening_ids, events = count_happening(
        row.happening_ids if row is not None else None, row.events if row is not None else 0, hid
    )

    return ClaimRow(
        actor_code=code,
        actor=actor,
        territory_share_percent=latest.territory_share_percent,
        event_date=latest.event_date,
        claimant=latest.claimant,
        claim_status=latest.claim_status,
        date_basis=latest.date_basis,
        country=latest.country,
        latest=latest,
        history=history,
        reports=(row.reports if row is not None else 0) + 1,
        events=events,
        sources=add_source(row.sources if row is not None else SourceTally(), event.source),
        event_ids=remember(row.event_ids if row is not None else [], event.event_id, MAX_EVENT_IDS),
        happening_ids=happening_ids,
    )

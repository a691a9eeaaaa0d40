"""Reducer of table `withdrawals` (key: actor code and country left, `USA:AFG`).

One row per actor and country left: the United States leaving Afghanistan and leaving Iraq
are two wars, and one row mixing them described neither. A withdrawal naming no place goes
to the actor's `<code>:XXX` row.

Each slot (status, troops, remaining_troops, percent_complete, deadline, evidence) holds the
value of the latest event *that gives one*, by event time: (event_date, rank, event_id), with
rank = claim strength (and, for status, announced < ongoing < completed first). The slot's key
is kept in `refs`, so the final row does not depend on arrival order. `reports` counts
distinct event ids, `events` distinct happenings (from the dedup registry), so a happening
reported by several articles is counted once. No slot is a sum, so duplicates never inflate
troop numbers. An event dated only by its ingestion time (`date_basis` `ingestion`) counts as
a report but never replaces a slot that rests on a dated report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.tables._common import (
    STRENGTH,
    AnyEvent,
    NotApplicableError,
    add_source,
    count_happening,
    effective_date,
    evidence_ref,
    remember,
)
from pipeline.tables.dedup import fallback_happening_id
from schemas.common import DateBasis
from schemas.events import WithdrawalEvent, WithdrawalStatus
from schemas.rows import (
    MAX_EVENT_IDS,
    UNKNOWN_COUNTRY,
    SlotRef,
    SourceTally,
    WithdrawalRow,
    withdrawal_key,
)

STATUS_RANK: dict[WithdrawalStatus, int] = {
    WithdrawalStatus.ANNOUNCED: 0,
    WithdrawalStatus.ONGOING: 1,
    WithdrawalStatus.COMPLETED: 2,
}


def accepts(event: AnyEvent) -> bool:
    return isinstance(event, WithdrawalEvent)


def country_left(event: WithdrawalEvent) -> str:
    """ISO3 of the country the event's actor leaves (UNKNOWN_COUNTRY when no place)."""
    country = event.location.country if event.location is not None else None
    return country or UNKNOWN_COUNTRY


def table_key(event: AnyEvent) -> str:
    if not isinstance(event, WithdrawalEvent):
        raise NotApplicableError(f"event {event.event_id} does not feed table withdrawals")
    return withdrawal_key(event.actor.code, country_left(event))


def apply(
    row: WithdrawalRow | None,
    event: AnyEvent,
    *,
    happening_id: str | None = None,
    today: date | None = None,
) -> WithdrawalRow:
    """Apply one withdrawal event to its (actor, country) row; return the new row (pure).
    Re-applying an event_id already seen returns `row` itself."""
    if not isinstance(event, WithdrawalEvent):
        raise NotApplicableError(f"event {event.event_id} does not feed table withdrawals")
    code = event.actor.code
    key = table_key(event)
    if row is not None and row.key != key:
        raise ValueError(f"row key {row.key!r} does not match the event's {key!r}")
    if row is not None and event.event_id in row.event_ids:
        return row

    day = effective_date(event, today)
    hid = happening_id or fallback_happening_id(event, day)
    strength = STRENGTH[event.claim_status]
    ingestion = event.date_basis == DateBasis.INGESTION
    plain = SlotRef(event_date=day, rank=strength, event_id=event.event_id, ingestion=ingestion)
    status_ref = SlotRef(
        event_date=day,
        rank=STATUS_RANK[event.status] * 10 + strength,
        event_id=event.event_id,
        ingestion=ingestion,
    )

    refs: dict[str, SlotRef] = dict(row.refs) if row is not None else {}
    values: dict[str, Any] = {}

    def offer(slot: str, value: Any, ref: SlotRef, **extra: Any) -> None:
        if value is None:
            return
        current = refs.get(slot)
        if current is None or ref.order() > current.order():
            refs[slot] = ref
            values[slot] = value
            values.update(extra)

    offer("status", event.status, status_ref, status_date=day, date_basis=event.date_basis)
    offer("troops", event.troops, plain)
    offer("remaining_troops", event.remaining_troops, plain)
    offer("percent_complete", event.percent_complete, plain)
    offer(
        "deadline",
        event.deadline,
        plain,
        deadline_precision=event.deadline_precision.value if event.deadline_precision else None,
    )
    evidence = evidence_ref(event, day).model_copy(update={"date_basis": event.date_basis})
    offer("evidence", evidence, plain)
    offer("actor", event.actor, plain)

    country = country_left(event)
    happening_ids, events = count_happening(
        row.happening_ids if row is not None else None, row.events if row is not None else 0, hid
    )

    common: dict[str, Any] = {
        "refs": refs,
        "countries": [] if country == UNKNOWN_COUNTRY else [country],
        "reports": (row.reports if row is not None else 0) + 1,
        "events": events,
        "sources": add_source(row.sources if row is not None else SourceTally(), event.source),
        "first_event_date": min(day, row.first_event_date) if row is not None else day,
        "last_event_date": max(day, row.last_event_date) if row is not None else day,
        "event_ids": remember(
            row.event_ids if row is not None else [], event.event_id, MAX_EVENT_IDS
        ),
        "happening_ids": happening_ids,
    }
    if row is None:
        return WithdrawalRow(
            key=key,
            actor_code=code,
            actor=event.actor,
            country=country,
            status=event.status,
            status_date=day,
            date_basis=event.date_basis,
            troops=event.troops,
            remaining_troops=event.remaining_troops,
            percent_complete=event.percent_complete,
            deadline=event.deadline,
            deadline_precision=values.get("deadline_precision"),
            evidence=values["evidence"],
            **common,
        )
    return row.model_copy(update={**values, **common})

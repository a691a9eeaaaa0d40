"""Reducer of table `withdrawals` (key: actor code).

Each slot (status, troops, remaining_troops, percent_complete, deadline, evidence) holds the
value of the latest event *that gives one*, by event time: (event_date, rank, event_id), with
rank = claim strength (and, for status, announced < ongoing < completed first). The slot's key
is kept in `refs`, so the final row does not depend on arrival order. `reports` counts
distinct event ids, `events` distinct happenings (from the dedup registry), so a happening
reported by several articles is counted once. No slot is a sum, so duplicates never inflate
troop numbers.
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
from schemas.events import WithdrawalEvent, WithdrawalStatus
from schemas.tables import (
    MAX_COUNTRIES,
    MAX_EVENT_IDS,
    SlotRef,
    SourceTally,
    WithdrawalRow,
)

STATUS_RANK: dict[WithdrawalStatus, int] = {
    WithdrawalStatus.ANNOUNCED: 0,
    WithdrawalStatus.ONGOING: 1,
    WithdrawalStatus.COMPLETED: 2,
}


def accepts(event: AnyEvent) -> bool:
    return isinstance(event, WithdrawalEvent)


def table_key(event: AnyEvent) -> str:
    if not accepts(event):
        raise NotApplicableError(f"event {event.event_id} does not feed table withdrawals")
    return event.actor.code


def apply(
    row: WithdrawalRow | None,
    event: AnyEvent,
    *,
    happening_id: str | None = None,
    today: date | None = None,
) -> WithdrawalRow:
    """Apply one withdrawal event to the actor's row; return the new row (pure).
    Re-applying an event_id already seen returns `row` itself."""
    if not isinstance(event, WithdrawalEvent):
        raise NotApplicableError(f"event {event.event_id} does not feed table withdrawals")
    code = event.actor.code
    if row is not None and row.actor_code != code:
        raise ValueError(f"row key {row.actor_code!r} does not match the event's {code!r}")
    if row is not None and event.event_id in row.event_ids:
        return row

    day = effective_date(event, today)
    hid = happening_id or fallback_happening_id(event, day)
    strength = STRENGTH[event.claim_status]
    plain = SlotRef(event_date=day, rank=strength, event_id=event.event_id)
    status_ref = SlotRef(
        event_date=day, rank=STATUS_RANK[event.status] * 10 + strength, event_id=event.event_id
    )

    refs: dict[str, SlotRef] = dict(row.refs) if row is not None else {}
    values: dict[str, Any] = {}

    def offer(slot: str, value: Any, ref: SlotRef, **extra: Any) -> None:
        if value is None:
            return
        current = refs.get(slot)
        if current is None or ref.key() > current.key():
            refs[slot] = ref
            values[slot] = value
            values.update(extra)

    offer("status", event.status, status_ref, status_date=day)
    offer("troops", event.troops, plain)
    offer("remaining_troops", event.remaining_troops, plain)
    offer("percent_complete", event.percent_complete, plain)
    offer(
        "deadline",
        event.deadline,
        plain,
        deadline_precision=event.deadline_precision.value if event.deadline_precision else None,
    )
    offer("evidence", evidence_ref(event, day), plain)
    offer("actor", event.actor, plain)

    countries = list(row.countries) if row is not None else []
    country = event.location.country if event.location is not None else None
    if country and country not in countries and len(countries) < MAX_COUNTRIES:
        countries = sorted([*countries, country])

    happening_ids, events = count_happening(
        row.happening_ids if row is not None else None, row.events if row is not None else 0, hid
    )

    common: dict[str, Any] = {
        "refs": refs,
        "countries": countries,
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
            actor_code=code,
            actor=event.actor,
            status=event.status,
            status_date=day,
            troops=event.troops,
            remaining_troops=event.remaining_troops,
            percent_complete=event.percent_complete,
            deadline=event.deadline,
            deadline_precision=values.get("deadline_precision"),
            evidence=values["evidence"],
            **common,
        )
    return row.model_copy(update={**values, **common})

"""Pure, Kafka-free and Faust-free core of Frontline's aggregated tables.

Each module holds a reducer `apply(row | None, event, *, happening_id=None, today=None)`
that returns a new row (inputs are never mutated; re-applying an event_id is a no-op):

- `control`     table `control`, key Place.key
- `withdrawals` table `withdrawals`, key actor code
- `claims`      table `claims`, key actor code (share of territory)
- `activity`    event-time windows with watermark, grace, retention and final records
- `dedup`       registry deciding NEW / DUPLICATE / REPLAY per fingerprint
- `query`       read-side filters and pagination

Intended per-event flow of an adapter:

    entry, decision = dedup.register(dedup_table.get(dedup.dedup_key(ev)), ev, today=today)
    if decision.outcome is DedupOutcome.REPLAY: skip
    control_row = control.apply(row, ev, happening_id=decision.happening_id, today=today)
    activity.observe(state, spec, group=..., event_date=decision.canonical_date,
                     event_id=ev.event_id, happening_id=decision.happening_id)
"""

from pipeline.tables._common import (
    Clock,
    NotApplicableError,
    TableError,
    UndatedEventError,
    effective_date,
    today_from,
)

__all__ = [
    "Clock",
    "NotApplicableError",
    "TableError",
    "UndatedEventError",
    "effective_date",
    "today_from",
]

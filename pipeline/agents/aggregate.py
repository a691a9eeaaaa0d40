"""Table agents: events in; Faust tables and compacted `tables.*` topics out.

Thin adapters over the pure reducers of `pipeline.tables`. Every table is written only by
an agent whose stream is keyed by that table's key, so each write lands on the right
partition (a Faust table write goes to the partition of the event being processed):

- `tables-withdrawals` reads `events.withdrawal` (key = actor code): dedup registry
  (`tables-dedup-withdrawal`, fingerprint includes the actor), table `tables-withdrawals`
  (key actor code) and the withdrawal activity windows (group = actor code).
- `tables-control` reads `events.territorial-control` (key = activity group: the province,
  else the place, so every place of a province is on one partition): dedup registry
  (`tables-dedup-control`, fingerprint includes the place), table `tables-control` (key
  Place.key) and the control activity windows (group = province); it re-keys
  share-of-territory events by actor code onto `internal.claims-by-actor`.
- `tables-claims` reads `internal.claims-by-actor`: table `tables-claims` (key actor code).

Activity windows are event-time windows of `pipeline.tables.activity`, kept as one
`ActivityState` row per (spec, group) in `tables-activity-state-*` (key `~state|spec|group`):
the group's retained windows, its watermark, the ids of its open days and its late/future
counters, read and written once per batch. No Faust windowed table is used (they expire by
wall clock). Not a row per window: each would carry its own copy of the ids, and a 30-day
window advancing daily would write some 30 rows per event.

The watermark is per group (province, actor), not per partition: a partition carries many
groups whose timelines are unrelated, and an archive of 2012 reports replayed after 2021 news
about another place must still count. A group's windows close when its own event time moves
past them (plus grace); a quiet group's last windows stay open until it is heard of again.

Every row change is also sent, keyed by the row key, to the compacted topic of its table
(`tables.control`, `tables.withdrawals`, `tables.claims`, `tables.activity`), with the id
and write time of the event that caused it in its headers, without the reducers' id
bookkeeping (`schemas.rows.published_row`). On `tables.activity` a group's windows travel
together as one `ActivityGroupRow` (key `spec|group`) per batch, rather than some 30 records
per event, one per window; a window that closes is also sent as its final
`ClosedWindowRecord` (key `spec|group|start`). A failing event is logged and counted
(`stats["tables"]`), never allowed to kill the agent. Agents keep concurrency=1.

Agents take events in batches (`take_events`, acked after the batch): reads and writes go
through a `WriteBehind`, so each key is written and each row published once per batch, with
its final value (`table_batch_size`, `table_batch_ms`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError

from pipeline import topics as T
from pipeline.faust_fixes.durability import drain
from pipeline.readmodel import EVENT_ID_HEADER, EVENT_TIME_HEADER
from pipeline.state.changelog import TableWriter
from pipeline.state.output import Output
from pipeline.state.writebehind import WriteBehind
from pipeline.tables import UndatedEventError
from pipeline.tables import activity as A
from pipeline.tables import claims as C
from pipeline.tables import control as K
from pipeline.tables import dedup as D
from pipeline.tables import withdrawals as W
from schemas.events import TerritorialControlEvent, WithdrawalEvent, parse_event
from schemas.rows import (
    ActivityState,
    ClaimRow,
    ControlRow,
    DedupDecision,
    DedupEntry,
    DedupOutcome,
    WithdrawalRow,
)

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)

STATE_PREFIX = "~state"
YIELD_EVERY = 25  # events handled between yields to the event loop inside a batch
MAX_ERRORS_KEPT = 20


def state_key(spec: A.WindowSpec, group: str) -> str:
    """Key of a group's activity state in its table."""
    return f"{STATE_PREFIX}|{spec.name}|{group}"


def register(rt: Runtime) -> None:
    app = rt.app
    settings = rt.settings
    parts = settings.topic_partitions
    stats: dict[str, Any] = {
        "events": 0,
        "replays": 0,
        "duplicates": 0,
        "undated": 0,
        "invalid": 0,
        "errors": 0,
        "rows_written": 0,
        "windows_closed": 0,
        "last_errors": [],
    }
    rt.stats["tables"] = stats

    def table(name: str, help: str) -> Any:
        return app.Table(
            name,
            default=None,
            key_type=str,  # json keys and values (faust picks json for str / None types)
            partitions=parts,
            help=help,
            options=settings.table_options,
        )

    dedup_w = table("tables-dedup-withdrawal", "dedup registry of withdrawal events")
    dedup_c = table("tables-dedup-control", "dedup registry of territorial-control events")
    withdrawals = table("tables-withdrawals", "withdrawals by actor code")
    control = table("tables-control", "control by place key")
    claims = table("tables-claims", "share-of-territory claims by actor code")
    activity_w = table("tables-activity-state-withdrawals", "withdrawal activity by actor")
    activity_c = table("tables-activity-state-control", "territorial-control activity by group")

    def raw_topic(base: str) -> Any:
        return rt.topics.get(base) or app.topic(
            T.topic_name(settings, base),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=parts,
        )

    events_w = raw_topic(T.EVENTS_WITHDRAWAL)
    events_c = raw_topic(T.EVENTS_CONTROL)
    by_actor = raw_topic(T.REPARTITION_CLAIMS)
    by_actor_name = T.topic_name(settings, T.REPARTITION_CLAIMS)
    out = {
        "control": T.topic_name(settings, T.TABLES_CONTROL),
        "withdrawals": T.topic_name(settings, T.TABLES_WITHDRAWALS),
        "claims": T.topic_name(settings, T.TABLES_CLAIMS),
        "activity": T.topic_name(settings, T.TABLES_ACTIVITY),
    }
    output = Output(app)
    writer = TableWriter(app, output)

    # -- helpers ------------------------------------------------------------------------
    def failed(msg: Any, exc: BaseException, kind: str = "errors") -> None:
        stats[kind] += 1
        where = f"{msg.topic}[{msg.partition}]@{msg.offset}"
        errors = stats["last_errors"]
        errors.append(f"{where}: {type(exc).__name__}: {str(exc)[:300]}")
        del errors[:-MAX_ERRORS_KEPT]
        if kind == "errors":
            log.exception("table update failed on %s", where)
        else:
            log.warning("skipped %s (%s): %s", where, kind, exc)

    def event_ms(msg: Any) -> bytes:
        ts = getattr(msg, "timestamp", None)
        ms = int(ts * 1000) if ts else int(rt.clock().timestamp() * 1000)
        return str(ms).encode()

    def source_headers(msg: Any, event_id: str | None) -> list[tuple[str, bytes]]:
        """When the causing event was written, and its id (lineage)."""
        headers = [(EVENT_TIME_HEADER, event_ms(msg))]
        if event_id:
            headers.append((EVENT_ID_HEADER, event_id.encode()))
        return headers

    async def flush(wb: WriteBehind) -> None:
        """The batch's table writes, then its rows, then wait until all reached aiokafka."""
        await wb.flush_tables(writer.write)
        writer.checkpoint()
        rows = wb.rows()
        for name, key, value, event, cause in rows:
            await output.send(out[name], key.encode(), value, source_headers(event.message, cause))
        if rows:
            stats["rows_written"] += len(rows)
            stats["last_table_update_at"] = rt.clock().isoformat()
        await drain(app)  # the batch's writes reach Kafka before its events are acked

    def register_dedup(
        wb: WriteBehind, tbl: Any, ev: WithdrawalEvent | TerritorialControlEvent
    ) -> DedupDecision:
        key = D.dedup_key(ev)
        entry = wb.get(tbl, key, DedupEntry.model_validate)
        new_entry, decision = D.register(entry, ev)
        if new_entry is not entry:
            wb.set(tbl, key, new_entry)
        if decision.outcome is DedupOutcome.REPLAY:
            stats["replays"] += 1
        elif decision.outcome is DedupOutcome.DUPLICATE:
            stats["duplicates"] += 1
        return decision

    def observe(
        wb: WriteBehind,
        tbl: Any,
        spec: A.WindowSpec,
        msg: Any,
        group: str,
        ev: WithdrawalEvent | TerritorialControlEvent,
        decision: DedupDecision,
    ) -> None:
        """Count `ev` in its group's windows, on the happening's canonical date."""
        key = state_key(spec, group)
        state = wb.get(tbl, key, ActivityState.model_validate) or A.new_state(spec, msg.partition)
        result = A.observe(
            state,
            spec,
            group=group,
            event_date=decision.canonical_date,
            event_id=ev.event_id,
            happening_id=decision.happening_id,
            country=ev.location.country if ev.location is not None else None,
            today=rt.clock().date(),
        )
        wb.set(tbl, key, result.state)
        # One row for all the group's windows, made from the state's own JSON at the flush.
        wb.publish(
            "activity",
            A.group_key(spec.name, group),
            result.state,
            functools.partial(A.group_row_data, group=group),
        )
        for record in result.closed:
            window = A.window_key(spec.name, record.group, record.window_start)
            wb.publish("activity", window, record)
            stats["windows_closed"] += 1

    def parse(msg: Any) -> WithdrawalEvent | TerritorialControlEvent | None:
        try:
            return parse_event(msg.value)
        except (ValidationError, ValueError) as exc:
            failed(msg, exc, "invalid")
            return None

    def done(msg: Any) -> None:
        stats["events"] += 1
        stats["last_event_at"] = rt.clock().isoformat()

    # -- withdrawals --------------------------------------------------------------------
    async def on_withdrawal(msg: Any, wb: WriteBehind) -> None:
        ev = parse(msg)
        if ev is None:
            return
        if not isinstance(ev, WithdrawalEvent):
            failed(msg, TypeError(f"{ev.event_type} event on the withdrawal topic"), "invalid")
            return
        wb.cause = ev.event_id
        decision = register_dedup(wb, dedup_w, ev)
        key = W.table_key(ev)
        row = wb.get(withdrawals, key, WithdrawalRow.model_validate)
        new = W.apply(row, ev, happening_id=decision.happening_id)
        if new is not row:
            wb.set(withdrawals, key, new)
        # Published even when nothing changed: a replay after a crash may follow a run that
        # died between the table write and this send (the audit caught exactly that).
        wb.publish("withdrawals", key, new)
        group = A.withdrawal_group(ev)
        if group is not None:  # replays too: observe() counts an event id once
            observe(wb, activity_w, A.WITHDRAWAL_ACTIVITY, msg, group, ev, decision)
        done(msg)

    # -- territorial control ------------------------------------------------------------
    async def on_control(msg: Any, wb: WriteBehind) -> None:
        ev = parse(msg)
        if ev is None:
            return
        if not isinstance(ev, TerritorialControlEvent):
            failed(msg, TypeError(f"{ev.event_type} event on the control topic"), "invalid")
            return
        wb.cause = ev.event_id
        decision = register_dedup(wb, dedup_c, ev)
        if K.accepts(ev):
            key = K.table_key(ev)
            row = wb.get(control, key, ControlRow.model_validate)
            new = K.apply(row, ev, happening_id=decision.happening_id)
            if new is not row:
                wb.set(control, key, new)
            wb.publish("control", key, new)  # also on replays, see above
            group = A.territorial_group(ev)
            if group is not None:  # replays too: observe() counts an event id once
                observe(wb, activity_c, A.CONTROL_ACTIVITY, msg, group, ev, decision)
        if C.accepts(ev):
            headers = source_headers(msg, ev.event_id)
            forwarded = orjson.dumps(
                {
                    "event": ev.model_dump(mode="json"),
                    "happening_id": decision.happening_id,
                    "canonical_date": decision.canonical_date.isoformat(),
                    "replay": decision.outcome is DedupOutcome.REPLAY,
                }
            )
            await output.send(by_actor_name, C.table_key(ev).encode(), forwarded, headers)
        done(msg)

    def unwrap(msg: Any) -> tuple[TerritorialControlEvent, str] | None:
        try:
            data = orjson.loads(msg.value)
            ev = parse_event(data["event"])
            assert isinstance(ev, TerritorialControlEvent)
            return ev, str(data["happening_id"])
        except (ValidationError, ValueError, KeyError, TypeError, AssertionError) as exc:
            failed(msg, exc, "invalid")
            return None

    async def on_claim(msg: Any, wb: WriteBehind) -> None:
        item = unwrap(msg)
        if item is None:
            return
        ev, happening_id = item
        wb.cause = ev.event_id
        key = C.table_key(ev)
        row = wb.get(claims, key, ClaimRow.model_validate)
        new = C.apply(row, ev, happening_id=happening_id)
        if new is not row:
            wb.set(claims, key, new)
        wb.publish("claims", key, new)  # also on replays, see above

    async def guarded(handler: Any, msg: Any, wb: WriteBehind) -> None:
        try:
            await handler(msg, wb)
        except UndatedEventError as exc:
            failed(msg, exc, "undated")
        except Exception as exc:
            failed(msg, exc)

    batch_size = settings.table_batch_size
    batch_within = settings.table_batch_ms / 1000.0

    async def run(stream: Any, handler: Any) -> None:
        # take_events acks a batch only after this body is done with it (flush included).
        async for events in stream.take_events(batch_size, within=batch_within):
            wb = WriteBehind()
            for i, event in enumerate(events, 1):
                wb.event, wb.cause = event, None
                await guarded(handler, event.message, wb)
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let the normalize agent in: its latency
            await flush(wb)

    # concurrency=1: higher values can commit past in-flight messages (faust #606). Three
    # named functions: Faust tells agents apart by their function.
    @app.agent(events_w, name="tables-withdrawals", concurrency=1)
    async def withdrawals_agent(stream: Any) -> None:
        await run(stream, on_withdrawal)

    @app.agent(events_c, name="tables-control", concurrency=1)
    async def control_agent(stream: Any) -> None:
        await run(stream, on_control)

    @app.agent(by_actor, name="tables-claims", concurrency=1)
    async def claims_agent(stream: Any) -> None:
        await run(stream, on_claim)

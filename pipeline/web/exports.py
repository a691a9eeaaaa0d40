"""Exports over HTTP: the tables and the events as CSV or GeoJSON.

    GET /api/control.geojson?country=&province=&actor=&status=&since=&as_of=
    GET /api/control.csv   /api/withdrawals.csv|.geojson   /api/claims.csv|.geojson
    GET /api/events.csv?country=&since=&type=   /api/events.geojson

Table exports take the list endpoints' filters (no pagination: every matching row). Events
are read from the `events.*` topics when asked, from the beginning to their end offsets at
that moment, and no worker keeps them in memory. Formats: `pipeline.export`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pipeline import export as X
from pipeline import topics as T
from pipeline.export.select import (
    TABLE_EXPORTS,
    AnyEvent,
    event_filter,
    select_events,
    table_rows,
)
from pipeline.readmodel import ReadModel
from pipeline.tables.query import QueryError
from schemas.events import parse_event

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 60.0


async def read_events(rt: Runtime, bases: list[str]) -> list[AnyEvent]:
    """Every event on the given `events.*` topics up to their end offsets now."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from pipeline.web.readside import _consumer_config

    config = {**_consumer_config(rt), "client_id": f"{rt.settings.app_id}-export"}
    topics = [T.topic_name(rt.settings, base) for base in bases]
    # Without a group, a subscription is assigned every partition of the topics.
    consumer = AIOKafkaConsumer(*topics, **config)
    out: list[AnyEvent] = []
    await consumer.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READ_TIMEOUT_S
        tps: list[TopicPartition] = []
        while len({tp.topic for tp in tps}) < len(topics) and loop.time() < deadline:
            await asyncio.sleep(0.05)
            tps = sorted(consumer.assignment())
        if not tps:
            return out
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if end[tp] > 0}
        while remaining and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for rec in records:
                    try:
                        event = parse_event(rec.value)
                    except (ValidationError, ValueError):
                        continue
                    out.append(event)
            for tp in list(remaining):
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        return out
    finally:
        await consumer.stop()


def _error(web: Any, status: int, message: str, param: str | None = None) -> Any:
    body: dict[str, Any] = {"error": message}
    if param is not None:
        body["param"] = param
    return web.json(body, status=status)


def _answer(web: Any, kind: str, fmt: str, items: list[Any]) -> Any:
    body = X.render(kind, items, fmt).encode("utf-8")
    return web.bytes(
        body,
        content_type=X.MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'inline; filename="frontline-{kind}.{fmt}"',
            "Cache-Control": "no-cache",
        },
    )


def register_views(rt: Runtime, model: ReadModel) -> None:
    """The export views, answering from the read side's model (tables) or the topics."""
    app = rt.app

    def table_view(table: str, fmt: str) -> Any:
        async def view(web: Any, request: Any) -> Any:
            params = {str(k): str(v) for k, v in request.query.items()}
            try:
                rows = table_rows(model, table, params)
            except QueryError as exc:
                return _error(web, 400, exc.message, exc.param)
            return _answer(web, table, fmt, rows)

        view.__name__ = f"export_{table}_{fmt}"
        return view

    def events_view(fmt: str) -> Any:
        async def view(web: Any, request: Any) -> Any:
            params = {str(k): str(v) for k, v in request.query.items()}
            try:
                country, since, bases = event_filter(params)
            except QueryError as exc:
                return _error(web, 400, exc.message, exc.param)
            try:
                events = await read_events(rt, bases)
            except Exception as exc:  # the broker, not the request: answer JSON
                log.exception("GET /api/events.%s failed", fmt)
                return _error(web, 503, f"could not read the events: {type(exc).__name__}")
            return _answer(web, "events", fmt, select_events(events, country, since))

        view.__name__ = f"export_events_{fmt}"
        return view

    for fmt in X.FORMATS:
        for table in TABLE_EXPORTS:
            app.page(f"/api/{table}.{fmt}", name=f"api-{table}-{fmt}")(table_view(table, fmt))
        app.page(f"/api/events.{fmt}", name=f"api-events-{fmt}")(events_view(fmt))

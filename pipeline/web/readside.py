"""Read side of the tables in every worker: a global copy plus the HTTP JSON API.

A background task reads ALL partitions of the compacted `tables.*` topics with an aiokafka
consumer that belongs to no group (no offsets committed, nothing rebalanced) and feeds
`pipeline.readmodel.ReadModel`. Every worker therefore holds every row, and any worker
gives the same answer, with one worker or several (no routing to the partition owner).

    GET /api/control?country=&province=&actor=&status=&since=&limit=&offset=&cursor=&as_of=
    GET /api/control/{place_key}
    GET /api/withdrawals[?...]          GET /api/withdrawals/{key}  (actor:country, USA:AFG)
    GET /api/claims[?...]               GET /api/claims/{actor_code}
    GET /api/activity?spec=&group=&since=&closed=&limit=&offset=&cursor=
    GET /api/status

and the exports of `pipeline.web.exports` (/api/control.geojson, /api/events.csv, ...).

Bad parameters answer 400 with {"error", "param"}; an unknown key 404 with the same shape.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING, Any

from pipeline import topics as T
from pipeline.readmodel import KEY_MAX, TABLE_TOPICS, ReadModel
from pipeline.tables.query import QueryError
from pipeline.web import exports

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


def _consumer_config(rt: Runtime) -> dict[str, Any]:
    s = rt.settings
    cfg: dict[str, Any] = {
        "bootstrap_servers": s.bootstrap.split(","),
        "group_id": None,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "client_id": f"{s.app_id}-readside-{s.web_port}",
        "request_timeout_ms": max(s.kafka_request_timeout_ms, 5000),
        "security_protocol": s.kafka_security_protocol,
        "max_partition_fetch_bytes": 8 * 1024 * 1024,
        "fetch_max_wait_ms": 200,
    }
    if s.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        cfg["ssl_context"] = ssl.create_default_context(cafile=s.kafka_ssl_cafile)
    if s.kafka_sasl_mechanism:
        cfg["sasl_mechanism"] = s.kafka_sasl_mechanism
        cfg["sasl_plain_username"] = s.kafka_sasl_username
        cfg["sasl_plain_password"] = s.kafka_sasl_password
    return cfg


async def follow_tables(rt: Runtime, model: ReadModel, state: dict[str, Any]) -> None:
    """Consume every partition of the tables.* topics from the beginning, forever."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    prefix = rt.settings.topic_prefix
    topics = [T.topic_name(rt.settings, base) for base in TABLE_TOPICS.values()]
    while True:
        # Without a group, a subscription is assigned every partition of the topics.
        consumer = AIOKafkaConsumer(*topics, **_consumer_config(rt))
        try:
            await consumer.start()
            tps: list[TopicPartition] = []
            while len({tp.topic for tp in tps}) < len(topics):
                await asyncio.sleep(0.1 if not tps else RETRY_SECONDS)
                tps = sorted(consumer.assignment())
            end = await consumer.end_offsets(tps)
            pending = {tp for tp in tps if end[tp] > 0}
            state["caught_up"] = not pending
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                for tp, records in batch.items():
                    for rec in records:
                        model.apply_topic_record(
                            rec.topic,
                            prefix,
                            rec.key,
                            rec.value,
                            timestamp_ms=rec.timestamp,
                            headers=list(rec.headers or ()),
                        )
                        if tp in pending and rec.offset + 1 >= end[tp]:
                            pending.discard(tp)
                if pending:
                    for tp in list(pending):
                        if await consumer.position(tp) >= end[tp]:
                            pending.discard(tp)
                if not pending and not state["caught_up"]:
                    state["caught_up"] = True
                    log.info("read side caught up: %s", model.counts())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("read side consumer failed; restarting it")
            state["restarts"] = state.get("restarts", 0) + 1
            await asyncio.sleep(RETRY_SECONDS)
        finally:
            try:
                await consumer.stop()
            except Exception:  # pragma: no cover - best effort on shutdown
                log.debug("read side consumer stop failed", exc_info=True)


def _error(web: Any, status: int, message: str, param: str | None = None) -> Any:
    body: dict[str, Any] = {"error": message}
    if param is not None:
        body["param"] = param
    return web.json(body, status=status)


def _params(request: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in request.query.items()}


def register(rt: Runtime) -> None:
    app = rt.app
    model = ReadModel()
    state: dict[str, Any] = {"caught_up": False}
    rt.stats["readside"] = state
    exports.register_views(rt, model)

    @app.task
    async def readside() -> None:
        await follow_tables(rt, model, state)

    def list_view(table: str) -> Any:
        async def view(web: Any, request: Any) -> Any:
            try:
                return web.json(model.list_page(table, _params(request)))
            except QueryError as exc:
                return _error(web, 400, exc.message, exc.param)
            except Exception as exc:  # a bug, but answer JSON
                log.exception("GET /api/%s failed", table)
                return _error(web, 500, f"{type(exc).__name__}: {exc}")

        view.__name__ = f"api_{table}_list"
        return view

    def key_view(table: str, param: str) -> Any:
        async def view(web: Any, request: Any, **match: str) -> Any:
            key = match.get(param, "")
            if not key or len(key) > KEY_MAX:
                return _error(web, 400, f"{param} must be 1..{KEY_MAX} characters", param)
            row = model.get_public(table, key)
            if row is None:
                return _error(web, 404, f"no {table} row with key {key!r}", param)
            return web.json(row)

        view.__name__ = f"api_{table}_key"
        return view

    for table, param in (
        ("control", "place_key"),
        ("withdrawals", "key"),
        ("claims", "actor_code"),
    ):
        app.page(f"/api/{table}", name=f"api-{table}")(list_view(table))
        app.page(f"/api/{table}/{{{param}}}", name=f"api-{table}-key")(key_view(table, param))
    app.page("/api/activity", name="api-activity")(list_view("activity"))

    @app.page("/api/status", name="api-status")
    async def api_status(web: Any, request: Any) -> Any:
        body = model.status(rt.clock())
        body["caught_up"] = bool(state.get("caught_up"))
        return web.json(body)

"""The Faust application: topics, agents and web views wired to the pure code.

`create_app()` builds an app from Settings; `faust -A pipeline.app` gets one from the environment.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faust

from pipeline import topics as T
from pipeline.clock import Clock, utc_now
from pipeline.config import Settings, get_settings
from pipeline.state.store import store_url

# What a worker runs; each module has `register(runtime) -> None`.
COMPONENTS = (
    "pipeline.agents.normalize",
    "pipeline.web.health",
    "pipeline.agents.aggregate",
    "pipeline.web.readside",
    "pipeline.web.map",
    "pipeline.ops.watchdog",
    "pipeline.ops.heap",
)


@dataclass
class Runtime:
    """What agents and views share: the app, settings, clock, topics and live counters."""

    app: faust.App
    settings: Settings
    clock: Clock
    topics: dict[str, faust.TopicT]
    stats: dict[str, Any] = field(default_factory=dict)


def faust_broker_urls(settings: Settings) -> list[str]:
    return [f"kafka://{host.strip()}" for host in settings.bootstrap.split(",") if host.strip()]


def broker_credentials(settings: Settings) -> Any:
    """SASL/TLS for aiokafka, from the same settings kafka-python uses."""
    import ssl

    ssl_context = None
    if settings.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        ssl_context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_sasl_mechanism:
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=ssl_context,
        )
    if ssl_context is not None:
        return faust.SSLCredentials(ssl_context)
    return None


def worker_datadir(settings: Settings) -> Path:
    # One RocksDB directory per worker: two workers on one host must not share a lock.
    if settings.worker_datadir is not None:
        return settings.worker_datadir
    return settings.workers_dir / f"{settings.app_id}-{settings.web_port}"


def create_app(settings: Settings | None = None, clock: Clock = utc_now) -> Runtime:
    settings = settings or get_settings()
    datadir = worker_datadir(settings)
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=faust_broker_urls(settings),
        broker_credentials=broker_credentials(settings),
        processing_guarantee="at_least_once",
        store=store_url(settings.store),
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1 if settings.producer_acks == "all" else int(settings.producer_acks),
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        broker_commit_every=settings.broker_commit_every,
        broker_commit_interval=settings.broker_commit_interval,
        stream_buffer_maxsize=settings.stream_buffer_maxsize,
        # Dead letters keep the original bytes, so they can be as large as an article.
        producer_max_request_size=4 * 1024 * 1024,
        producer_linger=settings.producer_linger_ms / 1000.0,
        producer_max_batch_size=settings.producer_max_batch_bytes,
        producer_request_timeout=settings.producer_delivery_timeout_seconds,
        consumer_max_fetch_size=8 * 1024 * 1024,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        web_metrics_enabled=False,
        table_standby_replicas=0,
        autodiscover=False,
    )

    def raw_topic(base: str) -> faust.TopicT:
        return app.topic(
            T.topic_name(settings, base),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.topic_partitions,
        )

    runtime = Runtime(
        app=app,
        settings=settings,
        clock=clock,
        topics={
            base: raw_topic(base)
            for base in (
                T.ARTICLES,
                T.DLQ,
                T.LEDGER,
                T.EVENTS_WITHDRAWAL,
                T.EVENTS_CONTROL,
                T.TABLES_CONTROL,
                T.TABLES_WITHDRAWALS,
                T.TABLES_CLAIMS,
                T.TABLES_ACTIVITY,
            )
        },
        stats={"started_at": clock().isoformat(), "articles": 0, "events": 0, "dlq": 0},
    )

    from pipeline import faust_fixes

    for name in COMPONENTS:
        importlib.import_module(name).register(runtime)
    faust_fixes.install(
        app, stats=runtime.stats, reread_after=settings.reread_skipped_after_seconds
    )
    return runtime


def __getattr__(name: str) -> Any:
    # `faust -A pipeline.app` looks up `app`: built on that first use, never at import.
    if name == "app":
        app = create_app().app
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

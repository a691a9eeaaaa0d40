"""kafka-python clients (publishing, subscribing, admin) configured from Settings."""

from __future__ import annotations

import socket
import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

from pipeline.config import Settings
from pipeline.topics import TopicSpec, topic_specs


class BrokerUnavailable(RuntimeError):
    """No broker answered at the configured bootstrap servers."""


def security_config(settings: Settings) -> dict[str, Any]:
    """SASL/TLS settings shared by every kafka-python client."""
    cfg: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism:
        cfg["sasl_mechanism"] = settings.kafka_sasl_mechanism
        cfg["sasl_plain_username"] = settings.kafka_sasl_username
        cfg["sasl_plain_password"] = settings.kafka_sasl_password
    if settings.kafka_ssl_cafile:
        cfg["ssl_cafile"] = settings.kafka_ssl_cafile
    return cfg


def _common(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.bootstrap.split(","),
        "request_timeout_ms": settings.kafka_request_timeout_ms,
        "bootstrap_timeout_ms": settings.kafka_bootstrap_timeout_ms,
        **security_config(settings),
    }


def _unavailable(settings: Settings, exc: Exception) -> BrokerUnavailable:
    hint = (
        "start one with `frontline kafka start`"
        if settings.uses_local_broker
        else "check FRONTLINE_KAFKA_BOOTSTRAP"
    )
    return BrokerUnavailable(f"no Kafka broker reachable at {settings.bootstrap} ({exc}); {hint}")


def _handshake_failed(settings: Settings, exc: Exception) -> BrokerUnavailable:
    """TCP works but Kafka's handshake does not: almost always security settings."""
    if settings.kafka_sasl_mechanism:
        hint = (
            f"authentication as {settings.kafka_sasl_username!r} with "
            f"{settings.kafka_sasl_mechanism} failed or timed out: check "
            "FRONTLINE_KAFKA_SASL_USERNAME, FRONTLINE_KAFKA_SASL_PASSWORD, "
            "FRONTLINE_KAFKA_SASL_MECHANISM"
        )
    else:
        hint = "check FRONTLINE_KAFKA_SECURITY_PROTOCOL (does the listener require SASL or TLS?)"
    return BrokerUnavailable(
        f"the broker at {settings.bootstrap} accepts connections but the Kafka handshake "
        f"failed ({exc}); {hint}"
    )


def check_reachable(settings: Settings, timeout: float = 3.0) -> None:
    """Fail fast, with a clear message, when no bootstrap server accepts a connection.

    kafka-python's own bootstrap waits ~30 s before giving up; users deserve better.
    """
    errors = []
    for server in settings.bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout):
                return
        except (OSError, ValueError) as exc:
            errors.append(f"{server}: {exc}")
    raise _unavailable(settings, Exception("; ".join(errors)))


def make_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    check_reachable(settings)
    cfg: dict[str, Any] = {
        **_common(settings),
        "acks": "all",
        "linger_ms": 5,
        "retries": 5,
        "max_in_flight_requests_per_connection": 1,  # keeps per-key order across retries
        "max_request_size": 2 * 1024 * 1024,
        "client_id": "frontline-publisher",
    }
    cfg.update(overrides)
    try:
        return KafkaProducer(**cfg)
    except KafkaTimeoutError as exc:
        raise _handshake_failed(settings, exc) from exc


def make_consumer(settings: Settings, **overrides: Any) -> KafkaConsumer:
    check_reachable(settings)
    cfg: dict[str, Any] = {
        **_common(settings),
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "client_id": "frontline-subscriber",
    }
    cfg.update(overrides)
    try:
        return KafkaConsumer(**cfg)
    except KafkaTimeoutError as exc:
        raise _handshake_failed(settings, exc) from exc


def make_admin(settings: Settings) -> KafkaAdminClient:
    check_reachable(settings)
    try:
        return KafkaAdminClient(**_common(settings), client_id="frontline-admin")
    except KafkaTimeoutError as exc:
        raise _handshake_failed(settings, exc) from exc


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create any missing topic; returns the names created. Existing topics are left as-is."""
    specs = topic_specs(settings) if specs is None else specs
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        created: list[str] = []
        for spec in missing:
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name=spec.name,
                            num_partitions=spec.partitions,
                            replication_factor=spec.replication,
                            topic_configs=spec.config,
                        )
                    ]
                )
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass
        if missing:
            wait_until_described(admin, specs, timeout=settings.topic_ready_seconds)
        return created
    except KafkaError as exc:
        raise _unavailable(settings, exc) from exc
    finally:
        admin.close()


def undescribed(described: list[dict[str, Any]], specs: list[TopicSpec]) -> list[str]:
    """Topics of `specs` the cluster does not yet describe whole: known, every partition
    there and led by a broker."""
    by_name = {d.get("name"): d for d in described}
    out = []
    for spec in specs:
        d = by_name.get(spec.name)
        parts = (d or {}).get("partitions") or []
        ready = (
            d is not None
            and d.get("error_code") == 0
            and len(parts) >= spec.partitions
            and all(p.get("leader_id", -1) >= 0 for p in parts)
        )
        if not ready:
            out.append(spec.name)
    return out


def wait_until_described(admin: KafkaAdminClient, specs: list[TopicSpec], timeout: float) -> None:
    """Wait until new topics are in the cluster's metadata with leaders: a client that asks
    earlier records them as missing, and aiokafka's producer was seen never to recover."""
    deadline = time.monotonic() + timeout
    pending = [s.name for s in specs]
    while pending:
        waiting = [s for s in specs if s.name in pending]
        pending = undescribed(admin.describe_topics([s.name for s in waiting]), waiting)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise BrokerUnavailable(
                f"the cluster did not report these new topics with leaders within "
                f"{timeout:.0f} s: {', '.join(pending)} (FRONTLINE_TOPIC_READY_SECONDS)"
            )
        time.sleep(0.2)

"""Every Kafka topic Frontline uses, with partitions and configs, defined in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.config import Settings

# Base names; `Settings.topic_prefix` is prepended so that test runs and tenants can share a
# cluster without seeing each other's data.
ARTICLES = "articles"
DLQ = "articles.dlq"
LEDGER = "articles.ledger"
EVENTS_WITHDRAWAL = "events.withdrawal"
EVENTS_CONTROL = "events.territorial-control"
TABLES_CONTROL = "tables.control"
TABLES_WITHDRAWALS = "tables.withdrawals"
TABLES_CLAIMS = "tables.claims"
TABLES_ACTIVITY = "tables.activity"
# Internal repartition topic of the table agents: share-of-territory events re-keyed by
# actor code for `claims`.
REPARTITION_CLAIMS = "internal.claims-by-actor"

# What `frontline subscribe NAME` accepts, mapped to base topic names.
STREAMS = {
    "articles": ARTICLES,
    "withdrawals": EVENTS_WITHDRAWAL,
    "territorial-control": EVENTS_CONTROL,
    "dlq": DLQ,
    "ledger": LEDGER,
    "tables.control": TABLES_CONTROL,
    "tables.withdrawals": TABLES_WITHDRAWALS,
    "tables.claims": TABLES_CLAIMS,
    "tables.activity": TABLES_ACTIVITY,
    "internal.claims-by-actor": REPARTITION_CLAIMS,
}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    config: dict[str, str] = field(default_factory=dict)
    doc: str = ""


def topic_name(settings: Settings, base: str) -> str:
    return f"{settings.topic_prefix}{base}"


def _durable(settings: Settings) -> dict[str, str]:
    return {"min.insync.replicas": str(min(settings.topic_min_insync, settings.topic_replication))}


def _compacted(settings: Settings) -> dict[str, str]:
    return {**_durable(settings), "cleanup.policy": "compact", "min.compaction.lag.ms": "0"}


def changelog_specs(settings: Settings, tables: Iterable[tuple[str, int]]) -> list[TopicSpec]:
    """The changelog topics of a worker's Faust tables, given as (topic name, partitions).

    The worker creates them before Faust starts: Faust would create them itself, but its
    clients then race the new topics into the cluster's metadata (a worker was seen waiting
    for ever on a changelog that its producer's metadata still lacked)."""
    return [
        TopicSpec(name, n, settings.topic_replication, _compacted(settings), "table changelog")
        for name, n in tables
    ]


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The topics to create at start-up, in the order they are created."""
    parts = settings.topic_partitions
    rf = settings.topic_replication
    compacted = _compacted(settings)
    keep = {**_durable(settings), "retention.ms": "-1"}

    def spec(base: str, config: dict[str, str], doc: str) -> TopicSpec:
        return TopicSpec(topic_name(settings, base), parts, rf, config, doc)

    return [
        spec(ARTICLES, {**keep, "max.message.bytes": "2097152"}, "raw article JSON, key = id"),
        spec(DLQ, {**keep, "max.message.bytes": "4194304"}, "rejected raw bytes + error headers"),
        spec(LEDGER, keep, "one outcome record per processed article, key = article id"),
        spec(EVENTS_WITHDRAWAL, keep, "withdrawal events, key = actor code"),
        spec(EVENTS_CONTROL, keep, "territorial-control events, key = province (else place)"),
        spec(TABLES_CONTROL, compacted, "latest control row per place"),
        spec(TABLES_WITHDRAWALS, compacted, "latest withdrawal row per actor"),
        spec(TABLES_CLAIMS, compacted, "latest territory claim row per actor"),
        spec(
            TABLES_ACTIVITY,
            compacted,
            "activity: a row per group (its windows), a final row per closed window",
        ),
        spec(REPARTITION_CLAIMS, keep, "internal: share-of-territory events, key = actor code"),
    ]

"""Defect contained: faust-streaming reads an undescribed topic as 0 partitions.

A topic missing from a metadata snapshot has unknown partitions, not zero.

Before its first write to a table for a given source topic, Faust checks that the source
topic and the table's changelog have the same partition count, reading both from the
consumer's metadata snapshot. aiokafka records a topic that a metadata refresh did not
describe (leader moving, the refresh racing the topic's creation) as 0 partitions, and Faust
then raises `PartitionsMismatch`, which kills the table agent for good (seen in the soak:
"changelog topic ... has 0 partitions" a few seconds after start). The check is only
meaningful once both counts are known, so `install()` defers it until they are.
"""

from __future__ import annotations

from typing import Any


def known_partitions(count: int | None) -> bool:
    """A count from the metadata snapshot that can be compared (0 means not described)."""
    return bool(count)


def install(app: Any) -> None:
    """Make every table of the app defer the partition check while a count is unknown."""
    for table in app.tables.values():
        _guard(app, table)


def _guard(app: Any, table: Any) -> None:
    verify = table._verify_source_topic_partitions
    # Topics whose check passed: looked at first, or the two metadata lookups below would run
    # before every write (one per article for the digest table).
    passed: set[str] = table._verified_source_topics_for_partitions

    def verify_when_known(source_topic: str) -> None:
        if source_topic in passed:
            return
        consumer = app.consumer
        counts = (
            consumer.topic_partitions(source_topic),
            consumer.topic_partitions(table.changelog_topic_name),
        )
        if all(known_partitions(n) for n in counts):
            verify(source_topic)  # Faust's check: raises PartitionsMismatch, or adds to `passed`

    table._verify_source_topic_partitions = verify_when_known

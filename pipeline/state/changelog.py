"""Faust table writes without Faust's per-record changelog machinery.

`table[key] = value` in Faust queues a FutureMessage in the producer buffer, whose own task
sends it through `Topic.publish_message`, whose callback then writes the changelog offset to
RocksDB: futures, a task switch and two store writes for every record. Leaving the digest table
write out of the worker (one write per article) cut its CPU by 19% in an ablation run, more than
the pure extractor step costs.

`TableWriter` does what Faust does with the same bytes: it puts the encoded pair in the table's
store, sends it to the table's changelog partition through the app's producer (so the delivery
guard and the flush before every commit cover it like any other record), and records the
changelog offset as persisted once per partition per batch, when that partition's last record of
the batch is acknowledged (records of one partition are acknowledged in order). Recovery and
standbys read these records exactly as Faust's own. Only at-least-once processing is supported
(Faust's transactions stage the persisted offset differently).
"""

from __future__ import annotations

import logging
from typing import Any

from faust.stores.base import SerializedStore

from pipeline.state.output import Output

log = logging.getLogger(__name__)


class TableWriter:
    """Writes to Faust tables for one batch; `checkpoint()` at the batch's end."""

    def __init__(self, app: Any, output: Output) -> None:
        self._output = output
        self._serializers = app.serializers
        self._last: dict[tuple[int, int], tuple[Any, Any]] = {}  # (table, partition) -> fut

    async def write(self, table: Any, event: Any, key: Any, value: Any) -> None:
        """Set `key` to `value` (None deletes it) on the partition of `event`, the stream
        event the write belongs to (Faust's current event must be bound to it)."""
        message = event.message
        partition = message.partition
        table._verify_source_topic_partitions(message.topic)  # cached after the first
        store = table.data
        key_bytes = self._serializers.dumps_key(
            table.key_type, key, serializer=table.key_serializer
        )
        value_bytes = (
            None
            if value is None
            else self._serializers.dumps_value(
                table.value_type, value, serializer=table.value_serializer
            )
        )
        if isinstance(store, SerializedStore):  # RocksDB: the bytes as they are
            if value_bytes is None:
                store._del(key_bytes)
            else:
                store._set(key_bytes, value_bytes)
        elif value is None:  # the memory store keeps decoded keys and values
            store.pop(key, None)
        else:
            store[key] = value
        fut = await self._output.send(
            table.changelog_topic.get_topic_name(), key_bytes, value_bytes, partition=partition
        )
        self._last[(id(table), partition)] = (table, fut)

    def checkpoint(self) -> None:
        """Record each partition's last changelog offset once its record is acknowledged."""
        for table, fut in self._last.values():
            fut.add_done_callback(lambda f, table=table: _persist(table, f))
        self._last.clear()


def _persist(table: Any, fut: Any) -> None:
    if fut.cancelled() or fut.exception() is not None:
        return  # the delivery guard stops the worker; recovery reads from the older offset
    metadata = fut.result()
    try:
        table.data.set_persisted_offset(metadata.topic_partition, metadata.offset)
    except Exception:  # a partition revoked meanwhile: its next owner recovers from Kafka
        log.debug("persisted offset not recorded for %s", metadata.topic_partition, exc_info=True)

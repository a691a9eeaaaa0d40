"""The shared-memory RocksDB store: one cache and one write-buffer budget per process."""

from __future__ import annotations

from pathlib import Path

import faust

from pipeline.config import Settings
from pipeline.state.store import (
    SCHEME,
    SharedMemoryOptions,
    SharedMemoryStore,
    shared_memory,
    store_url,
)


def test_rocksdb_urls_map_to_the_shared_memory_store() -> None:
    assert store_url("rocksdb://") == f"{SCHEME}://"
    assert faust.stores.by_url(store_url("rocksdb://")) is SharedMemoryStore


def test_other_stores_are_left_alone() -> None:
    assert store_url("memory://") == "memory://"


def test_every_store_draws_on_the_same_cache_and_write_buffers() -> None:
    first = shared_memory(2 * 1024 * 1024, 3 * 1024 * 1024)
    second = shared_memory(2 * 1024 * 1024, 3 * 1024 * 1024)
    assert first[0] is second[0] and first[1] is second[1]
    assert first[1].get_buffer_size() == 3 * 1024 * 1024


def test_databases_opened_with_the_options_read_back_writes(tmp_path: Path) -> None:
    options = SharedMemoryOptions(
        cache_bytes=1024 * 1024, write_buffer_bytes=1024 * 1024, write_buffer_size=1024 * 1024
    )
    dbs = [options.open(tmp_path / f"db{i}") for i in range(2)]
    for i, db in enumerate(dbs):
        db[b"k"] = b"v%d" % i
    assert [db[b"k"] for db in dbs] == [b"v0", b"v1"]
    _, manager = shared_memory(1024 * 1024, 1024 * 1024)
    assert manager.get_usage() > 0  # both memtables are charged to the one manager
    for db in dbs:
        db.close()


def test_settings_pass_the_worker_wide_budget_to_tables() -> None:
    options = Settings(
        rocksdb_block_cache_bytes=5 * 1024 * 1024, rocksdb_write_buffer_total_bytes=6 * 1024 * 1024
    ).table_options
    assert options is not None
    assert options["shared_block_cache_size"] == 5 * 1024 * 1024
    assert options["shared_write_buffer_size"] == 6 * 1024 * 1024
    assert Settings(store="memory://").table_options is None

"""RocksDB table stores that share one memory budget per worker.

Faust opens one RocksDB database per table *and* partition (8 tables x 4 partitions = 32 on
one worker), each with its own block cache, its own memtables and its index and filter
blocks held outside any cache. Bounded per store, the sum was bounded only by hundreds of
MiB, filled slowly over a long run. Here every store of the process
draws on one block cache, which also holds the index and filter blocks, and one write buffer
manager caps all memtables together, so the worker's RocksDB memory has one ceiling it
reaches early.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import rocksdict
from faust.stores import STORES
from faust.stores.rocksdb import RocksDBOptions
from faust.stores.rocksdb import Store as RocksDBStore

from pipeline.config import Settings

SCHEME = "frontline-rocksdb"

# Options keys of ours (set by `Settings.table_options`), popped before Faust's
# RocksDBOptions sees the rest.
CACHE_KEY = "shared_block_cache_size"
WRITE_BUFFERS_KEY = "shared_write_buffer_size"
_DEFAULTS = Settings.model_fields


@cache
def shared_memory(cache_bytes: int, write_buffer_bytes: int) -> tuple[Any, Any]:
    """The process's block cache and write buffer manager for these sizes (one of each)."""
    cache = rocksdict.Cache(cache_bytes)
    # allow_stall=False: over the limit RocksDB flushes harder; stalling writers would
    # block the event loop, which calls RocksDB synchronously.
    manager = rocksdict.WriteBufferManager(write_buffer_bytes, False)
    return cache, manager


class SharedMemoryOptions(RocksDBOptions):
    """Faust's options, with the block cache and memtables drawn from the shared budget."""

    def __init__(self, *, cache_bytes: int, write_buffer_bytes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cache_bytes = cache_bytes
        self.write_buffer_bytes = write_buffer_bytes

    def as_options(self) -> Any:
        options = super().as_options()
        if not self.use_rocksdict:  # pragma: no cover - python-rocksdb is not installed
            return options
        cache, manager = shared_memory(self.cache_bytes, self.write_buffer_bytes)
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(self.bloom_filter_size, True)
        table.set_block_cache(cache)
        # Index and filter blocks grow with the data; in the cache they count against it.
        table.set_cache_index_and_filter_blocks(True)
        table.set_pin_l0_filter_and_index_blocks_in_cache(True)
        table.set_index_type(rocksdict.BlockBasedIndexType.binary_search())
        options.set_block_based_table_factory(table)
        options.set_write_buffer_manager(manager)
        return options


class SharedMemoryStore(RocksDBStore):
    """Faust's RocksDB store, opened with `SharedMemoryOptions`."""

    def __init__(self, url: Any, app: Any, table: Any, **kwargs: Any) -> None:
        options = dict(kwargs.pop("options", None) or {})
        cache_bytes = int(options.pop(CACHE_KEY, _DEFAULTS["rocksdb_block_cache_bytes"].default))
        write_buffer_bytes = int(
            options.pop(WRITE_BUFFERS_KEY, _DEFAULTS["rocksdb_write_buffer_total_bytes"].default)
        )
        super().__init__(url, app, table, options=options, **kwargs)
        self.rocksdb_options = SharedMemoryOptions(
            cache_bytes=cache_bytes,
            write_buffer_bytes=write_buffer_bytes,
            **dict(self.options or {}),
            use_rocksdict=self.use_rocksdict,
        )


def register() -> None:
    """Make `frontline-rocksdb://` a Faust store URL."""
    STORES.aliases.setdefault(SCHEME, f"{__name__}:SharedMemoryStore")


def store_url(store: str) -> str:
    """The Faust store URL for the configured store: RocksDB stores share their memory."""
    scheme, sep, rest = store.partition("://")
    if sep and scheme == "rocksdb":
        register()
        return f"{SCHEME}://{rest}"
    return store

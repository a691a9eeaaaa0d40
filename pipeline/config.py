"""All configuration in one typed place: environment variables prefixed FRONTLINE_."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Frontline settings. Every field reads FRONTLINE_<FIELD_NAME_UPPER>."""

    model_config = SettingsConfigDict(env_prefix="FRONTLINE_", extra="ignore")

    # Kafka. None means "use the project's local broker" (started on demand by demo/tests).
    kafka_bootstrap: str | None = None
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT | SASL_PLAINTEXT | SSL | SASL_SSL
    kafka_sasl_mechanism: str | None = None  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: str | None = None
    kafka_request_timeout_ms: int = 15_000
    # How long topic creation waits for the cluster to report the new topics with leaders.
    topic_ready_seconds: float = Field(default=60.0, gt=0.0)
    kafka_bootstrap_timeout_ms: int = 10_000

    # The local broker managed by `frontline kafka`.
    kafka_home: Path = PROJECT_ROOT / "infra" / "kafka"
    state_dir: Path = PROJECT_ROOT / ".frontline"
    local_kafka_port: int = 9092
    local_controller_port: int = 9093
    local_kafka_heap: str = "512m"

    # Topics.
    topic_prefix: str = ""
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication: int = Field(default=1, ge=1)
    topic_min_insync: int = Field(default=1, ge=1)

    # Faust worker.
    app_id: str = "frontline"
    store: str = "rocksdb://"
    # Faust's RocksDB defaults (64 MiB x 3 write buffers, 2 GiB block cache) are per table
    # *and* per partition. Every store of a worker shares one block cache (index and filter
    # blocks included) and one write-buffer budget instead (pipeline/state/store.py).
    # Each memtable starts with one arena block (1/8 of its size): with 32 stores, 2 MiB
    # buffers already hold 8 MiB; the soak's RSS grew 23-24% with 4 MiB / 32 MiB / 32 MiB.
    rocksdb_write_buffer_bytes: int = Field(default=2 * 1024 * 1024, ge=1024 * 1024)
    rocksdb_write_buffer_total_bytes: int = Field(default=16 * 1024 * 1024, ge=1024 * 1024)
    rocksdb_block_cache_bytes: int = Field(default=8 * 1024 * 1024, ge=1024 * 1024)
    worker_datadir: Path | None = None
    # A worker with uncommitted input that handles nothing for this long logs a diagnostic
    # dump and exits 70 for its supervisor to restart it (pipeline/ops/watchdog.py); 0: off.
    watchdog_stall_seconds: float = Field(default=120.0, ge=0.0)
    # Records the fetcher skipped hold their partition's commit; when nothing before the
    # hold is still being handled for this long, the partition is read again from the
    # commit (pipeline/faust_fixes/offsets.py).
    reread_skipped_after_seconds: float = Field(default=5.0, gt=0.0)
    # Python's GC runs a young-generation pass every `gc_gen0_threshold` net allocations
    # (Python's default: 700); a worker allocates thousands per article. The worker also
    # freezes what exists at start (modules, the app) out of every later full collection.
    gc_gen0_threshold: int = Field(default=700, ge=100, le=1_000_000)
    # glibc's mmap threshold, fixed (0: glibc's dynamic one, which lets freed RocksDB blocks
    # fragment the heap; pipeline/ops/memory.py).
    malloc_mmap_threshold_bytes: int = Field(default=128 * 1024, ge=0, le=32 * 1024 * 1024)
    # Seconds between releases of the allocator's free pages (glibc malloc_trim, jemalloc
    # arena purge) in the worker (0: never).
    malloc_trim_seconds: float = Field(default=30.0, ge=0.0)
    # The worker's malloc: "auto" re-executes it with jemalloc preloaded where the library
    # is installed (libjemalloc2), else glibc's; "jemalloc" fails without it; "system" never
    # preloads. See pipeline/ops/memory.py and docs/soak.md for what it changes.
    allocator: Literal["auto", "jemalloc", "system"] = "auto"
    jemalloc_path: Path | None = None  # the library to preload; found by itself if unset
    # MALLOC_CONF for the preloaded jemalloc (an operator's own MALLOC_CONF wins). Freed
    # pages go back after 1 s, not jemalloc's 10 s: the soak's RSS growth after warm-up was
    # +7.8% and +11.2% with 10 s, +3.5% with 1 s (docs/soak.md).
    jemalloc_conf: str = "background_thread:true,dirty_decay_ms:1000"
    # The worker's asyncio event loop: "uvloop" (libuv, where installed) or "asyncio".
    event_loop: Literal["asyncio", "uvloop"] = "asyncio"
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    # A worker that dies without leaving its group holds its partitions until this session
    # expires (Faust's default is 60 s); heartbeats go every `broker_heartbeat_interval`.
    broker_session_timeout: float = Field(default=30.0, ge=6.0, le=300.0)
    broker_heartbeat_interval: float = Field(default=3.0, gt=0.0, le=60.0)
    broker_commit_every: int = 500
    broker_commit_interval: float = 1.0
    stream_buffer_maxsize: int = 4096
    producer_acks: str = "all"
    # How long the worker's producer retries a record (a broker outage) before giving it up;
    # a worker that gives one up exits instead of committing its input (Faust's default).
    producer_delivery_timeout_seconds: float = Field(default=1200.0, gt=0.0)
    # Faust sends each record as its own request without a linger; batching for a few
    # milliseconds cut worker CPU per article by 9-18% in benchmarks/tune.py.
    producer_linger_ms: int = Field(default=10, ge=0, le=1000)
    # Bytes per partition the producer gathers into one batch before sending it.
    producer_max_batch_bytes: int = Field(default=16_384, ge=1024, le=4 * 1024 * 1024)
    # Table agents handle events in batches and write each touched key once per batch:
    # at most this many events, waiting at most this long for a batch to fill.
    # 2000 beat 200 and 500 by 16% and 13% (benchmarks/tune.py). 10 ms rather than 50 ms:
    # p99 publish -> table row 226 ms instead of 310 at half load, for 7% fewer articles/s
    # on a backlog (benchmarks/tune.py, 2026-11-22 08:43); a big replay may set 50.
    table_batch_size: int = Field(default=2000, ge=1, le=100_000)
    table_batch_ms: int = Field(default=10, ge=1, le=10_000)
    # The normalize agent takes articles in batches too: one wait for the digest table's
    # changelog per batch instead of one per article.
    normalize_batch_size: int = Field(default=500, ge=1, le=100_000)
    normalize_batch_ms: int = Field(default=20, ge=1, le=10_000)

    # Extraction.
    max_article_bytes: int = 1_000_000
    languages: list[str] = ["en"]  # article languages the extractor's lexicons cover

    @property
    def table_options(self) -> dict[str, int] | None:
        """Store options for every Faust table: RocksDB memory has one worker-wide ceiling."""
        if not self.store.startswith("rocksdb"):
            return None
        return {
            "write_buffer_size": self.rocksdb_write_buffer_bytes,
            "max_write_buffer_number": 2,
            "shared_block_cache_size": self.rocksdb_block_cache_bytes,
            "shared_write_buffer_size": self.rocksdb_write_buffer_total_bytes,
        }

    @property
    def workers_dir(self) -> Path:
        """Where workers keep their table state by default (one directory per worker)."""
        return self.state_dir / "workers"

    @property
    def local_bootstrap(self) -> str:
        return f"127.0.0.1:{self.local_kafka_port}"

    @property
    def bootstrap(self) -> str:
        """The bootstrap servers clients should use."""
        return self.kafka_bootstrap or self.local_bootstrap

    @property
    def uses_local_broker(self) -> bool:
        return self.kafka_bootstrap is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_env(settings: Settings) -> dict[str, str]:
    """The FRONTLINE_* variables that reproduce `settings` in a child process."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        # pydantic-settings reads complex values as JSON.
        text = json.dumps(value) if isinstance(value, list | dict) else str(value)
        env[f"FRONTLINE_{name.upper()}"] = text
    return env

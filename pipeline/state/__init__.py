"""Table state of a worker: the RocksDB store, table writes and their changelogs, output records."""

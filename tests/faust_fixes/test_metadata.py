"""Table partition checks wait for known counts (pipeline.faust_fixes.metadata), no broker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from faust.exceptions import PartitionsMismatch

from pipeline.app import create_app
from pipeline.config import Settings

SOURCE = "frontline.events.territorial-control"


def _table_with_counts(tmp_path: Path, counts: dict[str, int]) -> Any:
    app = create_app(Settings(state_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")).app
    table = app.tables["tables-activity-state-control"]
    app.consumer.topic_partitions = lambda topic: counts.get(topic, 0)  # type: ignore[method-assign]
    return table


def test_a_changelog_missing_from_metadata_does_not_kill_the_agent(tmp_path: Path) -> None:
    table = _table_with_counts(tmp_path, {SOURCE: 4})
    table._verify_source_topic_partitions(SOURCE)
    # Not remembered as verified: the check runs again once the count is known.
    assert SOURCE not in table._verified_source_topics_for_partitions


def test_a_real_mismatch_still_raises(tmp_path: Path) -> None:
    counts = {SOURCE: 4}
    table = _table_with_counts(tmp_path, counts)
    counts[table.changelog_topic_name] = 3
    with pytest.raises(PartitionsMismatch):
        table._verify_source_topic_partitions(SOURCE)


def test_matching_counts_are_verified_once(tmp_path: Path) -> None:
    counts = {SOURCE: 4}
    table = _table_with_counts(tmp_path, counts)
    counts[table.changelog_topic_name] = 4
    table._verify_source_topic_partitions(SOURCE)
    assert SOURCE in table._verified_source_topics_for_partitions


def test_a_passed_check_is_not_looked_up_again(tmp_path: Path) -> None:
    counts = {SOURCE: 4}
    table = _table_with_counts(tmp_path, counts)
    counts[table.changelog_topic_name] = 4
    table._verify_source_topic_partitions(SOURCE)
    lookups: list[str] = []
    table.app.consumer.topic_partitions = lambda topic: lookups.append(topic) or 4
    for _ in range(3):
        table._verify_source_topic_partitions(SOURCE)
    assert lookups == []

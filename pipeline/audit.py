"""Reconcile what entered `articles` with what left: events, dead letters, the ledger.

Pure: callers hand in the records (read from Kafka by `frontline audit`, or built in tests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArticleRef:
    partition: int
    offset: int


@dataclass
class PartitionAudit:
    partition: int
    published: int = 0
    processed: int = 0
    with_events: int = 0
    dead_lettered: int = 0
    reprocessed: int = 0
    missing: list[int] = field(default_factory=list)
    dlq_missing: list[int] = field(default_factory=list)
    unstable: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.dlq_missing or self.unstable)


@dataclass
class AuditReport:
    partitions: list[PartitionAudit]
    events_expected: int = 0
    events_found: int = 0
    events_missing: list[str] = field(default_factory=list)
    orphan_events: list[str] = field(default_factory=list)
    duplicate_event_records: int = 0
    table_problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return (
            all(p.clean for p in self.partitions)
            and not self.events_missing
            and not self.orphan_events
            and not self.table_problems
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "partitions": [
                {
                    "partition": p.partition,
                    "published": p.published,
                    "processed": p.processed,
                    "with_events": p.with_events,
                    "dead_lettered": p.dead_lettered,
                    "reprocessed": p.reprocessed,
                    "missing_offsets": p.missing[:100],
                    "dlq_missing_offsets": p.dlq_missing[:100],
                    "unstable_offsets": p.unstable[:100],
                }
                for p in self.partitions
            ],
            "events_expected": self.events_expected,
            "events_found": self.events_found,
            "events_missing": self.events_missing[:100],
            "orphan_events": self.orphan_events[:100],
            "duplicate_event_records": self.duplicate_event_records,
            "table_problems": self.table_problems[:100],
        }


def reconcile(
    articles: Iterable[ArticleRef],
    ledger: Iterable[dict[str, Any]],
    event_ids: Iterable[str],
    dlq_sources: Iterable[tuple[int, int]],
) -> AuditReport:
    """Every article offset must have a ledger outcome; every outcome must be delivered.

    At-least-once delivery may process an offset twice: that is fine when both passes yield
    the same event ids (deterministic ids make the tables idempotent), and flagged otherwise.
    """
    outcomes: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for entry in ledger:
        outcomes[(int(entry["source_partition"]), int(entry["source_offset"]))].append(entry)
    dlq = set(dlq_sources)

    found_counts: dict[str, int] = defaultdict(int)
    for event_id in event_ids:
        found_counts[event_id] += 1

    parts: dict[int, PartitionAudit] = {}
    expected: set[str] = set()
    for ref in articles:
        pa = parts.setdefault(ref.partition, PartitionAudit(ref.partition))
        pa.published += 1
        entries = outcomes.get((ref.partition, ref.offset))
        if not entries:
            pa.missing.append(ref.offset)
            continue
        pa.processed += 1
        if len(entries) > 1:
            pa.reprocessed += 1
            if len({(e["outcome"], tuple(e["event_ids"])) for e in entries}) > 1:
                pa.unstable.append(ref.offset)
        entry = entries[0]
        if entry["outcome"] == "dlq":
            pa.dead_lettered += 1
            if (ref.partition, ref.offset) not in dlq:
                pa.dlq_missing.append(ref.offset)
        else:
            pa.with_events += 1
            expected.update(entry["event_ids"])

    report = AuditReport(partitions=[parts[p] for p in sorted(parts)])
    report.events_expected = len(expected)
    report.events_found = sum(1 for e in expected if found_counts.get(e))
    report.events_missing = sorted(e for e in expected if not found_counts.get(e))
    report.orphan_events = sorted(e for e in found_counts if e not in expected)
    report.duplicate_event_records = sum(c - 1 for c in found_counts.values() if c > 1)
    return report


def check_tables(events: Iterable[dict[str, Any]], tables: dict[str, dict[str, Any]]) -> list[str]:
    """Each table row must count every distinct event that feeds it, once.

    `tables` maps a table name to {key: row} (rows as models or dicts with `reports`).
    """
    from pipeline.tables import claims, control, withdrawals
    from schemas import parse_event

    reducers = {"control": control, "withdrawals": withdrawals, "claims": claims}
    expected: dict[str, dict[str, set[str]]] = {name: defaultdict(set) for name in reducers}
    for raw in events:
        try:
            event = parse_event(raw)
        except ValueError:
            continue  # not an event; the topic's own consumers dead-letter those
        for name, reducer in reducers.items():
            if reducer.accepts(event):
                expected[name][reducer.table_key(event)].add(event.event_id)

    problems: list[str] = []
    for name, by_key in expected.items():
        rows = tables.get(name)
        if rows is None:
            continue
        for key, ids in sorted(by_key.items()):
            row = rows.get(key)
            if row is None:
                problems.append(f"{name} {key}: no row for {len(ids)} event(s)")
                continue
            reports = row["reports"] if isinstance(row, dict) else row.reports
            if reports != len(ids):
                kind = "double-counted" if reports > len(ids) else "missing"
                problems.append(
                    f"{name} {key}: {reports} reports in the table, {len(ids)} distinct "
                    f"events on the topic ({kind})"
                )
        for key in sorted(set(rows) - set(by_key)):
            problems.append(f"{name} {key}: a row with no event behind it")
    return problems


def render(report: AuditReport) -> str:
    lines = ["partition  published  processed  events  dlq  reprocessed  missing"]
    for p in report.partitions:
        lines.append(
            f"{p.partition:>9}  {p.published:>9}  {p.processed:>9}  {p.with_events:>6}  "
            f"{p.dead_lettered:>3}  {p.reprocessed:>11}  {len(p.missing):>7}"
        )
    total = sum(p.published for p in report.partitions)
    lines.append(
        f"articles: {total}; events expected {report.events_expected}, "
        f"found {report.events_found}; duplicate event records (at-least-once, harmless): "
        f"{report.duplicate_event_records}"
    )
    for p in report.partitions:
        if p.missing:
            lines.append(f"MISSING: partition {p.partition} offsets {p.missing[:20]}")
        if p.dlq_missing:
            lines.append(f"DLQ MISSING: partition {p.partition} offsets {p.dlq_missing[:20]}")
        if p.unstable:
            lines.append(f"UNSTABLE: partition {p.partition} offsets {p.unstable[:20]}")
    if report.events_missing:
        lines.append(f"EVENTS MISSING: {report.events_missing[:20]}")
    if report.orphan_events:
        lines.append(f"ORPHAN EVENTS: {report.orphan_events[:20]}")
    lines.extend(f"TABLE: {p}" for p in report.table_problems[:20])
    lines.append("audit: CLEAN — nothing lost" if report.clean else "audit: PROBLEMS FOUND")
    return "\n".join(lines)

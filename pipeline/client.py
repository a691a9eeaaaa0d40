"""Python client: publish articles, read the tables, iterate a stream. Built on kafka-python.

from pipeline import FrontlineClient
client = FrontlineClient()
report = client.publish({"body": "...", "published_at": "2021-07-12"})
control = client.read_table("control")
for rec in client.stream("territorial-control", from_beginning=True, follow=False):
    print(rec.value)
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from kafka import TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from pipeline import topics as T
from pipeline.broker.clients import BrokerUnavailable, make_consumer, make_producer
from pipeline.config import Settings, get_settings
from schemas import Article

# What `publish` takes: one article, or any iterable of them.
ArticleLike = Article | Mapping[str, Any]
# An article as `pipeline.inputs` reads it from a file: (origin, data or None, problem).
InputTuple = tuple[str, dict[str, Any] | None, str | None]


@dataclass
class PublishReport:
    """What happened to each published article: sent (their `ids`), rejected by validation or
    failed to reach Kafka (both with a line in `problems`)."""

    sent: int = 0
    rejected: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def reject(self, origin: str, reason: str) -> None:
        self.rejected += 1
        if len(self.problems) < 1000:
            self.problems.append(f"{origin}: {reason}")


@dataclass(frozen=True)
class StreamRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    raw: bytes | None
    headers: dict[str, bytes]

    @property
    def value(self) -> Any:
        """The value as JSON when it parses, else None (see `raw`)."""
        if self.raw is None:
            return None
        try:
            return orjson.loads(self.raw)
        except orjson.JSONDecodeError:
            return None

    def envelope(self) -> dict[str, Any]:
        """Everything about the record, JSON-safe (dead letters keep their original bytes)."""
        raw = self.raw or b""
        try:
            text: str | None = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp_ms": self.timestamp_ms,
            "key": self.key.decode("utf-8", "replace") if self.key else None,
            "headers": {k: v.decode("utf-8", "replace") for k, v in self.headers.items()},
            "value": text,
            "value_base64": None if text is not None else base64.b64encode(raw).decode(),
        }


def prepare_article(data: dict[str, Any]) -> tuple[str, bytes]:
    """Validate locally and fix the id so every publisher derives the same key."""
    article = Article.model_validate(data)
    out = dict(data)
    out["id"] = article.article_id
    return article.article_id, orjson.dumps(out)


def _as_input(index: int, article: Any) -> InputTuple:
    if isinstance(article, Article):
        data = article.model_dump(mode="json", exclude_none=True)
        return f"article {article.article_id}", data, None
    if isinstance(article, Mapping):
        name = article.get("id") or f"#{index}"
        return f"article {name}", dict(article), None
    return f"article #{index}", None, f"expected a dict or Article, got {type(article).__name__}"


class FrontlineClient:
    """Publish articles, read the tables and subscribe to streams of one Frontline cluster."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    def topic(self, base: str) -> str:
        return T.topic_name(self.settings, base)

    # -- publishing ---------------------------------------------------------------------
    def publish(
        self,
        articles: ArticleLike | Iterable[ArticleLike],
        *,
        on_progress: Callable[[PublishReport], None] | None = None,
    ) -> PublishReport:
        """Validate and send articles: `Article` models or dicts of their fields (`body`
        required), one or an iterable. Invalid ones are reported, not sent."""
        if isinstance(articles, Article | Mapping):
            articles = [articles]
        elif isinstance(articles, str | bytes):
            raise TypeError("publish takes article dicts or Article models, not text")
        return self.publish_inputs(
            (_as_input(i, a) for i, a in enumerate(articles)), on_progress=on_progress
        )

    def publish_inputs(
        self,
        items: Iterable[InputTuple],
        *,
        validate: bool = True,
        on_progress: Callable[[PublishReport], None] | None = None,
    ) -> PublishReport:
        """Publish articles as `pipeline.inputs` reads them from files, (origin, data,
        problem) tuples; without `validate`, data is sent as it is (the worker dead-letters
        what is invalid)."""
        report = PublishReport()
        producer = make_producer(self.settings)
        topic = self.topic(T.ARTICLES)
        failures: list[str] = []

        def on_error(origin: str) -> Callable[[Exception], None]:
            def _err(exc: Exception) -> None:
                failures.append(f"{origin}: {exc}")

            return _err

        try:
            for origin, data, problem in items:
                if data is None:
                    report.reject(origin, problem or "unreadable")
                elif validate:
                    try:
                        key, value = prepare_article(data)
                    except ValidationError as exc:
                        reason = "; ".join(
                            f"{'.'.join(str(p) for p in e['loc']) or 'article'}: {e['msg']}"
                            for e in exc.errors()[:3]
                        )
                        report.reject(origin, reason)
                    else:
                        producer.send(topic, key=key.encode(), value=value).add_errback(
                            on_error(origin)
                        )
                        report.sent += 1
                        report.ids.append(key)
                else:
                    value = orjson.dumps(data)
                    producer.send(topic, value=value).add_errback(on_error(origin))
                    report.sent += 1
                if on_progress is not None:
                    on_progress(report)
            producer.flush(timeout=60)
        except KafkaError as exc:
            raise BrokerUnavailable(f"publishing failed: {exc}") from exc
        finally:
            producer.close(timeout=10)
        report.failed = len(failures)
        report.sent -= report.failed
        report.problems.extend(failures[:100])
        return report

    def publish_raw(
        self, values: Iterable[bytes], *, key: bytes | None = None, headers: list[Any] | None = None
    ) -> int:
        """Send bytes as they are (tests and replays of dead letters)."""
        producer = make_producer(self.settings)
        try:
            futures = [
                producer.send(self.topic(T.ARTICLES), key=key, value=v, headers=headers or [])
                for v in values
            ]
            producer.flush(timeout=60)
            for fut in futures:
                fut.get(timeout=30)
            return len(futures)
        finally:
            producer.close(timeout=10)

    # -- subscribing --------------------------------------------------------------------
    def stream(
        self,
        name: str,
        *,
        from_beginning: bool = True,
        follow: bool = False,
        limit: int | None = None,
        idle_timeout: float | None = None,
        poll_ms: int = 500,
    ) -> Iterator[StreamRecord]:
        """Records of a stream (`withdrawals`, `territorial-control`, `dlq`, `ledger`, ...).

        Without `follow`, stops at the end offsets seen when it started.
        """
        base = T.STREAMS.get(name, name)
        topic = self.topic(base)
        consumer = make_consumer(self.settings)
        try:
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                raise BrokerUnavailable(
                    f"topic {topic!r} does not exist; run `frontline topics create`"
                )
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            consumer.assign(tps)
            if from_beginning:
                consumer.seek_to_beginning(*tps)
            else:
                consumer.seek_to_end(*tps)
            end = consumer.end_offsets(tps)
            remaining = {tp for tp in tps if consumer.position(tp) < end[tp]}
            count = 0
            last_seen = time.monotonic()
            while follow or remaining:
                batch = consumer.poll(timeout_ms=poll_ms)
                idle = time.monotonic() - last_seen
                if not batch and idle_timeout is not None and idle > idle_timeout:
                    return
                for tp, msgs in batch.items():
                    for m in msgs:
                        last_seen = time.monotonic()
                        yield StreamRecord(
                            topic=m.topic,
                            partition=m.partition,
                            offset=m.offset,
                            timestamp_ms=m.timestamp,
                            key=m.key,
                            raw=m.value,
                            headers={k: v for k, v in (m.headers or [])},
                        )
                        count += 1
                        if limit is not None and count >= limit:
                            return
                    if not follow and tp in remaining and consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
        finally:
            consumer.close()

    # -- tables (read the compacted tables.* topics; no worker needed) ---------------------
    def read_table(self, name: str) -> dict[str, Any]:
        """The latest row of every key of a table (`control`, `withdrawals`, `claims`,
        `activity`) as row models of `schemas.rows`, read from its compacted topic."""
        return dict(load_read_model(self.settings, [name]).table(name))

    def read_tables(self, names: Iterable[str] | None = None) -> Any:
        """A `pipeline.readmodel.ReadModel` of the given tables (all by default)."""
        return load_read_model(self.settings, names)

    # -- exports ------------------------------------------------------------------------
    def read_events(self, types: Iterable[str] | None = None) -> list[Any]:
        """Every event on the events topics (`withdrawal`, `territorial_control`; both by
        default) up to their end offsets now, as event models; records that do not parse
        as events are skipped."""
        from pydantic import ValidationError

        from pipeline.export.select import EVENT_TYPES
        from schemas.events import parse_event

        events: list[Any] = []
        for kind in types or EVENT_TYPES:
            if kind not in EVENT_TYPES:
                raise ValueError(f"unknown event type {kind!r} (known: {', '.join(EVENT_TYPES)})")
            for record in self.stream(EVENT_TYPES[kind]):
                if record.raw is None:
                    continue
                try:
                    events.append(parse_event(record.raw))
                except (ValidationError, ValueError):
                    continue
        return events

    def export(self, kind: str, fmt: str = "csv", **filters: str) -> str:
        """`control`, `withdrawals`, `claims` or `events` as CSV or GeoJSON text, as
        `frontline export` prints it and GET /api/<kind>.<fmt> answers. Filters: those of
        the table's list endpoint (country, province, actor, status, since, as_of), or for
        events country, since and type. Raises `pipeline.export.ExportError` for an unknown
        kind or format, `pipeline.tables.query.QueryError` for a bad filter."""
        from pipeline import export as X
        from pipeline.export.select import EVENT_TYPES, event_filter, select_events, table_rows

        if kind not in X.KINDS or fmt not in X.FORMATS:
            X.render(kind, [], fmt)  # raises the ExportError naming what is known
        if kind == "events":
            country, since, bases = event_filter(filters)
            types = [t for t, base in EVENT_TYPES.items() if base in bases]
            items = select_events(self.read_events(types), country, since)
        else:
            items = table_rows(load_read_model(self.settings, [kind]), kind, filters)
        return X.render(kind, items, fmt)


# -- tables: the loader behind FrontlineClient.read_table / read_tables ---------------------
def load_read_model(
    settings: Settings, tables: Iterable[str] | None = None, *, timeout: float = 30.0
) -> Any:
    """A `pipeline.readmodel.ReadModel` rebuilt from the compacted tables.* topics, read
    from the beginning up to the end offsets seen at the start (no worker needed)."""
    from pipeline.readmodel import TABLE_TOPICS, TABLES, ReadModel

    names = list(tables) if tables is not None else list(TABLES)
    for name in names:
        if name not in TABLE_TOPICS:
            raise ValueError(f"unknown table {name!r} (known: {', '.join(TABLES)})")
    model = ReadModel()
    consumer = make_consumer(settings)
    try:
        tps: list[TopicPartition] = []
        for name in names:
            topic = T.topic_name(settings, TABLE_TOPICS[name])
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                raise BrokerUnavailable(
                    f"topic {topic!r} does not exist; run `frontline topics create`"
                )
            tps += [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if consumer.position(tp) < end[tp]}
        deadline = time.monotonic() + timeout
        while remaining:
            if time.monotonic() > deadline:
                raise BrokerUnavailable(f"reading the tables took longer than {timeout:.0f}s")
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            for msgs in batch.values():
                for m in msgs:
                    model.apply_topic_record(
                        m.topic,
                        settings.topic_prefix,
                        m.key,
                        m.value,
                        timestamp_ms=m.timestamp,
                        headers=list(m.headers or []),
                    )
            for tp in list(remaining):
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        return model
    finally:
        consumer.close()

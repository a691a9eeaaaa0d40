"""The `normalize` agent: raw articles in; events, dead letters and ledger records out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pipeline import topics as T
from pipeline.agents.durability import drain
from pipeline.agents.output import Output
from pipeline.extract import extract
from pipeline.normalize import RejectedArticle, dlq_headers, ledger_record, normalize

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)


def _headers(raw: Any) -> list[tuple[str, bytes]]:
    if not raw:
        return []
    items = raw.items() if isinstance(raw, dict) else raw
    return [(str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in items]


def register(rt: Runtime) -> None:
    app = rt.app
    articles = rt.topics[T.ARTICLES]
    dlq = T.topic_name(rt.settings, T.DLQ)
    ledger = T.topic_name(rt.settings, T.LEDGER)
    out = {
        "withdrawal": T.topic_name(rt.settings, T.EVENTS_WITHDRAWAL),
        "territorial_control": T.topic_name(rt.settings, T.EVENTS_CONTROL),
    }
    max_bytes = rt.settings.max_article_bytes
    languages = frozenset(lang.lower() for lang in rt.settings.languages)
    stats = rt.stats
    output = Output(app, stats)
    # id -> body digest. `articles` is keyed by id, so each id's entry lives on its partition.
    digests = app.Table(
        "article-digests",
        key_type=str,
        value_type=str,
        partitions=rt.settings.topic_partitions,
        options=rt.settings.table_options,
    )

    @app.agent(articles, name="normalize", concurrency=1)
    async def normalize_agent(stream: Any) -> None:
        # concurrency=1: higher values can commit past in-flight messages (faust #606).
        async for event in stream.events():
            msg = event.message
            now = rt.clock()
            try:
                await _process(msg, now)
            except Exception as exc:
                log.exception(
                    "unexpected failure on %s[%s]@%s", msg.topic, msg.partition, msg.offset
                )
                rejection = RejectedArticle("pipeline", type(exc).__name__, str(exc) or repr(exc))
                headers = _headers(msg.headers) + dlq_headers(
                    rejection,
                    failed_at=now,
                    topic=msg.topic,
                    partition=msg.partition,
                    offset=msg.offset,
                )
                await output.send(dlq, msg.key, msg.value, headers)
                stats["dlq"] += 1
            await drain(app)  # the digest table write reaches Kafka before the ack

    async def _process(msg: Any, now: Any) -> None:
        looked_up: dict[str, str | None] = {}

        def seen_digest(article_id: str) -> str | None:
            if article_id not in looked_up:  # one table read per article
                looked_up[article_id] = digests.get(article_id)
            return looked_up[article_id]

        outcome = normalize(
            msg.value,
            extractor=extract,
            received_at=now,
            max_bytes=max_bytes,
            languages=languages,
            seen_digest=seen_digest,
        )
        first_time = outcome.article_id and seen_digest(outcome.article_id) is None
        if outcome.ok and outcome.digest and first_time:
            digests[outcome.article_id] = outcome.digest
        article_key = (outcome.article_id or "").encode() or msg.key
        for rec in outcome.records:
            await output.send(
                out[rec.stream],
                rec.key,
                rec.value,
                [("article_id", article_key or b""), ("event_id", rec.event_id.encode())],
            )
        if outcome.rejection is not None:
            headers = _headers(msg.headers) + dlq_headers(
                outcome.rejection,
                failed_at=now,
                topic=msg.topic,
                partition=msg.partition,
                offset=msg.offset,
            )
            await output.send(dlq, msg.key, msg.value, headers)
            stats["dlq"] += 1
            log.warning(
                "dead-lettered %s[%s]@%s: %s: %s",
                msg.topic,
                msg.partition,
                msg.offset,
                outcome.rejection.error_class,
                outcome.rejection.message[:200],
            )
        await output.send(
            ledger,
            article_key,
            ledger_record(
                outcome,
                topic=msg.topic,
                partition=msg.partition,
                offset=msg.offset,
                processed_at=now,
            ),
        )
        stats["articles"] += 1
        stats["events"] += len(outcome.records)
        stats["last_article_at"] = now.isoformat()

"""The `normalize` agent: raw articles in; events, dead letters and ledger records out.

Articles are taken in batches (`take_events`, acked only after the batch is done): each
article is normalized and its records sent, its body digest written through `TableWriter`,
and the batch's changelog offsets are recorded once at its end (`normalize_batch_size`,
`normalize_batch_ms`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiokafka.errors import KafkaError
from faust.exceptions import ProducerSendError

from pipeline import topics as T
from pipeline.extract import extract
from pipeline.faust_fixes.durability import drain
from pipeline.normalize import RejectedArticle, dlq_headers, ledger_record, normalize
from pipeline.state.changelog import TableWriter
from pipeline.state.output import Output
from pipeline.state.writebehind import bind

if TYPE_CHECKING:
    from pipeline.app import Runtime

log = logging.getLogger(__name__)

YIELD_EVERY = 25  # articles between yields to the event loop inside a batch


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
    output = Output(app)
    writer = TableWriter(app, output)
    # id -> body digest. `articles` is keyed by id, so each id's entry lives on its partition.
    digests = app.Table(
        "article-digests",
        key_type=str,
        value_type=str,
        partitions=rt.settings.topic_partitions,
        options=rt.settings.table_options,
    )

    batch_size = rt.settings.normalize_batch_size
    batch_within = rt.settings.normalize_batch_ms / 1000.0

    @app.agent(articles, name="normalize", concurrency=1)
    async def normalize_agent(stream: Any) -> None:
        # concurrency=1: higher values can commit past in-flight messages (faust #606).
        async for events in stream.take_events(batch_size, within=batch_within):
            for i, event in enumerate(events, 1):
                # The digest table routes by Faust's current event, which take_events
                # leaves at the last one buffered: bind each article's own.
                bind(event)
                await _guarded(event)
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # the table agents' latency
            bind(None)
            writer.checkpoint()
            await drain(app)  # nothing of the batch is left in Faust's buffer before its ack

    async def _guarded(event: Any) -> None:
        msg = event.message
        now = rt.clock()
        try:
            await _process(event, now)
        except (ProducerSendError, KafkaError):
            raise  # the broker's failure, not the article's: never dead-letter it (delivery.py)
        except Exception as exc:
            log.exception("unexpected failure on %s[%s]@%s", msg.topic, msg.partition, msg.offset)
            rejection = RejectedArticle("pipeline", type(exc).__name__, str(exc) or repr(exc))
            await _dead_letter(msg, rejection, now)

    async def _dead_letter(msg: Any, rejection: RejectedArticle, now: Any) -> None:
        """The original record, with why it was rejected, to the dead-letter topic."""
        headers = _headers(msg.headers) + dlq_headers(
            rejection,
            failed_at=now,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
        )
        await output.send(dlq, msg.key, msg.value, headers)
        stats["dlq"] += 1

    async def _process(event: Any, now: Any) -> None:
        msg = event.message
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
            await writer.write(digests, event, outcome.article_id, outcome.digest)
        article_key = (outcome.article_id or "").encode() or msg.key
        for rec in outcome.records:
            await output.send(
                out[rec.stream],
                rec.key,
                rec.value,
                [("article_id", article_key or b""), ("event_id", rec.event_id.encode())],
            )
        if outcome.rejection is not None:
            await _dead_letter(msg, outcome.rejection, now)
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

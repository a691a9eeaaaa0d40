"""The pure step behind the `normalize` agent: raw article bytes in, routed records out.

No Kafka or Faust here: the agent hands in bytes and a time, and sends what comes back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from pipeline.tables.activity import territorial_group
from schemas import Article, TerritorialControlEvent, WithdrawalEvent

AnyEvent = WithdrawalEvent | TerritorialControlEvent
Extractor = Callable[[Article], list[AnyEvent]]

MAX_JSON_DEPTH = 32
# Share of the body inside <...> tags above which we ask for plain text instead of guessing.
MAX_MARKUP_SHARE = 0.2
_TAG = re.compile(r"<[A-Za-z!/][^<>]{0,500}>")


class RejectedArticle(Exception):
    """An article that cannot be processed; `stage` says where it failed."""

    def __init__(self, stage: str, error_class: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.error_class = error_class
        self.message = message


@dataclass(frozen=True)
class OutRecord:
    """One record to send: which stream, its key and JSON value."""

    stream: str  # "withdrawal" | "territorial_control"
    key: bytes
    value: bytes
    event_id: str


@dataclass
class Outcome:
    article_id: str | None
    records: list[OutRecord] = field(default_factory=list)
    rejection: RejectedArticle | None = None
    digest: str | None = None

    @property
    def ok(self) -> bool:
        return self.rejection is None


def event_key(event: AnyEvent) -> bytes:
    """The key that puts an event on the partition of the table rows it updates.

    Withdrawals: the actor code (withdrawal row and activity group). Located control events:
    the activity group (the province, else the place), so a place's control row and its
    province's activity windows share a partition and one agent updates both.
    """
    if isinstance(event, WithdrawalEvent):
        return event.actor.code.encode()
    group = territorial_group(event)
    if group is not None:
        return group.encode()
    return f"actor:{event.actor.code}".encode()


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, stopping early past `limit`."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def markup_share(text: str) -> float:
    """Fraction of characters that sit inside HTML/XML tags."""
    if "<" not in text:
        return 0.0
    return sum(len(m.group(0)) for m in _TAG.finditer(text)) / len(text)


def body_digest(article: Article) -> str:
    return hashlib.sha256(article.body.encode("utf-8", "surrogatepass")).hexdigest()


def parse_article(
    raw: bytes,
    *,
    max_bytes: int,
    received_at: datetime,
    languages: Collection[str] = ("en",),
) -> Article:
    """Decode and validate one raw record into an Article, or raise RejectedArticle."""
    if raw is None or len(raw) == 0:
        raise RejectedArticle("decode", "EmptyPayload", "the record has no value")
    if len(raw) > max_bytes:
        raise RejectedArticle(
            "decode",
            "PayloadTooLarge",
            f"payload is {len(raw):,} bytes; the limit is {max_bytes:,} bytes",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedArticle(
            "decode", "InvalidUtf8", f"payload is not valid UTF-8 at byte {exc.start}"
        ) from exc
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise RejectedArticle("decode", "InvalidJson", f"payload is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RejectedArticle(
            "validate", "NotAnObject", f"expected a JSON object, got {type(data).__name__}"
        )
    if _depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise RejectedArticle(
            "validate", "TooDeep", f"JSON nesting deeper than {MAX_JSON_DEPTH} levels"
        )
    try:
        article = Article.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'article'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise RejectedArticle("validate", "ValidationError", problems) from exc
    primary = article.language.split("-")[0].lower()
    if languages and primary not in languages:
        raise RejectedArticle(
            "validate",
            "UnsupportedLanguage",
            f"language {article.language!r} is not supported by the extractor "
            f"(supported: {', '.join(sorted(languages))}); translate it or add a lexicon",
        )
    share = markup_share(article.body)
    if share > MAX_MARKUP_SHARE:
        raise RejectedArticle(
            "validate",
            "MarkupBody",
            f"{share:.0%} of the body is HTML/XML markup; publish the article's plain text",
        )
    if article.published_at is None:
        # The extractor may still find a dateline; ingestion time is the last resort.
        article = article.model_copy(update={"ingested_at": received_at})
    return article


def serialize_event(event: AnyEvent) -> bytes:
    return orjson.dumps(event.model_dump(mode="json"))


def normalize(
    raw: bytes,
    *,
    extractor: Extractor,
    received_at: datetime,
    max_bytes: int,
    languages: Collection[str] = ("en",),
    seen_digest: Callable[[str], str | None] | None = None,
) -> Outcome:
    """Validate, extract and serialise. Never raises: failures become a rejection.

    `seen_digest(article_id)` returns the body digest an id was first seen with, so that
    re-publishing the same article is harmless but reusing an id for another text is caught.
    """
    article_id: str | None = None
    try:
        article = parse_article(
            raw, max_bytes=max_bytes, received_at=received_at, languages=languages
        )
        article_id = article.article_id
        digest = body_digest(article)
        if seen_digest is not None:
            previous = seen_digest(article_id)
            if previous is not None and previous != digest:
                raise RejectedArticle(
                    "validate",
                    "DuplicateId",
                    f"id {article_id!r} was already used for a different article body; "
                    "give each article its own id (or omit it to derive one)",
                )
        try:
            events = extractor(article)
        except Exception as exc:
            raise RejectedArticle("extract", type(exc).__name__, str(exc) or repr(exc)) from exc
        try:
            records = [
                OutRecord(
                    stream=ev.event_type,
                    key=event_key(ev),
                    value=serialize_event(ev),
                    event_id=ev.event_id,
                )
                for ev in events
            ]
        except Exception as exc:
            raise RejectedArticle("serialize", type(exc).__name__, str(exc)) from exc
        return Outcome(article_id=article_id, records=records, digest=digest)
    except RejectedArticle as rej:
        return Outcome(article_id=article_id, rejection=rej)


def dlq_headers(
    rejection: RejectedArticle,
    *,
    failed_at: datetime,
    topic: str,
    partition: int,
    offset: int,
) -> list[tuple[str, bytes]]:
    """Headers that say why a record was dead-lettered and where it came from."""
    return [
        ("error.class", rejection.error_class.encode()),
        ("error.message", rejection.message[:2000].encode("utf-8", "replace")),
        ("error.stage", rejection.stage.encode()),
        ("error.time", failed_at.isoformat().encode()),
        ("source.topic", topic.encode()),
        ("source.partition", str(partition).encode()),
        ("source.offset", str(offset).encode()),
    ]


def ledger_record(
    outcome: Outcome, *, topic: str, partition: int, offset: int, processed_at: datetime
) -> bytes:
    """One line of the processing ledger: where an article went."""
    return orjson.dumps(
        {
            "article_id": outcome.article_id,
            "source_topic": topic,
            "source_partition": partition,
            "source_offset": offset,
            "outcome": "events" if outcome.ok else "dlq",
            "event_ids": [r.event_id for r in outcome.records],
            "error_class": outcome.rejection.error_class if outcome.rejection else None,
            "processed_at": processed_at.isoformat(),
        }
    )


__all__ = [
    "OutRecord",
    "Outcome",
    "RejectedArticle",
    "dlq_headers",
    "event_key",
    "ledger_record",
    "normalize",
    "parse_article",
]

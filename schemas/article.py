"""The input contract: one news article as published to the `articles` topic."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 1_000
ARTICLE_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,200}$"


def derive_article_id(url: str | None, title: str | None, body: str) -> str:
    """Deterministic id: from the URL when there is one, else from title and body."""
    if url:
        basis = "url\x1f" + url.strip()
    else:
        basis = "text\x1f" + (title or "").strip() + "\x1f" + body
    return "a-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def parse_published_at(value: Any) -> datetime | None:
    """Accept RFC 3339 or YYYY-MM-DD; naive times are taken as UTC."""
    if value is None or isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0), tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            dt = datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    else:
        raise ValueError("published_at must be an RFC 3339 date-time or YYYY-MM-DD string")
    if dt is not None and dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


class Article(BaseModel):
    """A validated article. Unknown extra fields are ignored, not rejected."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)] | None = None
    title: Annotated[str, StringConstraints(max_length=MAX_TITLE_CHARS)] | None = None
    body: Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS)]
    published_at: datetime | None = None
    source: Annotated[str, StringConstraints(max_length=500)] | None = None
    url: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    # Set by the pipeline, not the publisher: the last-resort reference date.
    ingested_at: datetime | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")] = (
        "en"
    )

    @field_validator("published_at", "ingested_at", mode="before")
    @classmethod
    def _published_at(cls, value: Any) -> datetime | None:
        return parse_published_at(value)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body is blank")
        if "\x00" in value:
            raise ValueError("body contains NUL characters")
        return value

    @model_validator(mode="after")
    def _derive_id(self) -> Article:
        if self.id is None:
            object.__setattr__(self, "id", derive_article_id(self.url, self.title, self.body))
        return self

    @property
    def article_id(self) -> str:
        assert self.id is not None  # set by the validator
        return self.id

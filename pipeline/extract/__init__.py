"""Pure extraction: article in, events out. No Kafka, no Faust."""

from __future__ import annotations

from schemas import Article, TerritorialControlEvent, WithdrawalEvent


def extract(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
    """Return the events an article reports (placeholder until the engine lands)."""
    return []

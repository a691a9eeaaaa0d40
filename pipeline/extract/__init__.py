"""Pure extraction: article in, events out. No Kafka, no Faust.

The engine is rule-based: sentences are split, actors and places are found with the
knowledge files in ``pipeline/data``, trigger lexicons decide withdrawal / territorial
control, and mentions of one happening are merged into one event.
"""

from __future__ import annotations

from pipeline.extract import engine
from schemas import Article, TerritorialControlEvent, WithdrawalEvent

__all__ = ["extract"]


def extract(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
    """Return the events an article reports (none is a valid answer).

    An exception here is a bug in extraction and propagates: the worker dead-letters the
    article with `error.stage=extract` (`pipeline.normalize.normalize`) instead of counting
    it as an article without events.
    """
    return engine.run(article)

"""Frontline: news articles in, withdrawal and territorial-control events and tables out.

    from pipeline import FrontlineClient, extract, Settings

Names are imported on first use, so `import pipeline` stays cheap and has no side effects.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.client import FrontlineClient, PublishReport, StreamRecord
    from pipeline.config import Settings
    from pipeline.extract import extract as extract
    from schemas import Article, TerritorialControlEvent, WithdrawalEvent

__version__ = "0.1.0"

__all__ = [
    "Article",
    "FrontlineClient",
    "PublishReport",
    "Settings",
    "StreamRecord",
    "__version__",
    "extract",
]

_LAZY = {
    "Article": "schemas",
    "FrontlineClient": "pipeline.client",
    "PublishReport": "pipeline.client",
    "Settings": "pipeline.config",
    "StreamRecord": "pipeline.client",
}


def __getattr__(name: str) -> Any:
    if name == "extract":
        return importlib.import_module("pipeline.extract")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


class _ExtractPackage(types.ModuleType):
    """`pipeline.extract` is both the extraction subpackage and, called, its `extract`:
    `from pipeline import extract; extract(article)` must work whichever came first."""

    def __call__(
        self, article: Article | Mapping[str, Any]
    ) -> list[WithdrawalEvent | TerritorialControlEvent]:
        """The events an article reports; a dict is validated as an `Article` first."""
        from schemas import Article

        if not isinstance(article, Article):
            article = Article.model_validate(article)
        events: list[WithdrawalEvent | TerritorialControlEvent] = self.extract(article)
        return events


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # The import system binds each imported subpackage here; this is where
        # `pipeline.extract` becomes callable without being imported eagerly.
        if name == "extract" and type(value) is types.ModuleType:
            value.__class__ = _ExtractPackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

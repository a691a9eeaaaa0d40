"""`frontline worker` whose extraction engine crashes on articles that carry `POISON`.

`tests/agents/test_normalize_extract_crash.py` starts this module in place of
`python -m pipeline.cli`: the worker, Faust and the broker are the real ones, and only the
engine has a bug, put in before the command line runs. No production setting enables it.

    python -m tests.agents.poisoned_extractor_worker worker -l info
"""

from __future__ import annotations

import sys

from pipeline.extract import engine
from schemas import Article, TerritorialControlEvent, WithdrawalEvent

POISON = "FRONTLINE-TEST-POISON"  # in an article's body: the engine raises
MESSAGE_PAD = 5000  # the exception's message is longer than a dead letter's header keeps


class PoisonedArticleError(RuntimeError):
    """The bug this worker's extraction engine has."""


_engine_run = engine.run


def poisoned_run(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
    if POISON in article.body:
        raise PoisonedArticleError(f"extractor bug on {article.article_id!r}: " + "x" * MESSAGE_PAD)
    return _engine_run(article)


def main() -> int:
    engine.run = poisoned_run  # what `pipeline.extract.extract` calls, looked up per article
    from pipeline.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())

"""`frontline publish PATH...`: send articles to the `articles` topic."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from pipeline.broker.clients import BrokerUnavailable
from pipeline.cli import CliError
from pipeline.client import FrontlineClient, PublishReport
from pipeline.config import get_settings
from pipeline.inputs import count_items, iter_inputs


def _publish(args: argparse.Namespace) -> int:
    client = FrontlineClient(get_settings())
    total = count_items(args.paths)
    bar = tqdm(
        total=total,
        unit="article",
        disable=args.quiet or (total is not None and total < 200),
        file=sys.stderr,
    )

    def progress(report: PublishReport) -> None:
        bar.update(1)

    items = (
        (i.origin, i.data, i.problem)
        for i in iter_inputs(args.paths, published_at=args.published_at, source=args.source)
    )
    try:
        report = client.publish_inputs(items, validate=not args.no_validate, on_progress=progress)
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    finally:
        bar.close()
    for problem in report.problems[:50]:
        print(f"rejected {problem}", file=sys.stderr)
    if len(report.problems) > 50:
        print(f"... and {len(report.problems) - 50} more", file=sys.stderr)
    print(
        f"sent {report.sent}, rejected {report.rejected}, failed {report.failed} "
        f"-> topic {client.topic('articles')} on {client.settings.bootstrap}",
        file=sys.stderr,
    )
    return 0 if report.failed == 0 and report.rejected == 0 else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish",
        help="publish articles (.txt, .json, .jsonl, or - for stdin)",
        description="Publish articles. Each is validated first; invalid ones are listed and "
        "not sent (use --no-validate to send them and let the worker dead-letter them).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--published-at", help="publication date for articles that lack one")
    p.add_argument("--source", help="outlet name for articles that lack one")
    p.add_argument("--no-validate", action="store_true", help="send JSON as-is")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_publish)

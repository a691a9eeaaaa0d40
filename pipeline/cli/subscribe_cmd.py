"""`frontline subscribe STREAM`: derived streams as JSON lines."""

from __future__ import annotations

import argparse
import sys

import orjson

from pipeline.broker.clients import BrokerUnavailable
from pipeline.cli import CliError
from pipeline.client import FrontlineClient
from pipeline.config import get_settings
from pipeline.topics import STREAMS


def _subscribe(args: argparse.Namespace) -> int:
    client = FrontlineClient(get_settings())
    envelope = args.meta or args.stream == "dlq"
    try:
        for rec in client.stream(
            args.stream,
            from_beginning=args.from_beginning or not args.follow,
            follow=args.follow,
            limit=args.limit,
        ):
            doc = rec.envelope() if envelope else rec.value
            if doc is None:
                doc = rec.envelope()
            sys.stdout.write(orjson.dumps(doc).decode() + "\n")
            sys.stdout.flush()
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "subscribe",
        help="print a derived stream as JSON lines",
        description="Without --follow, prints what the stream holds now and exits.",
    )
    p.add_argument("stream", choices=sorted(STREAMS))
    p.add_argument("--from-beginning", action="store_true", help="with --follow: replay first")
    p.add_argument("--follow", "-f", action="store_true", help="keep waiting for new records")
    p.add_argument("--limit", "-n", type=int, help="stop after N records")
    p.add_argument("--meta", action="store_true", help="wrap each value with topic/offset/headers")
    p.set_defaults(func=_subscribe)

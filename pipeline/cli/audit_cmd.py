"""`frontline audit`: is every article accounted for? Exit 1 when something is missing."""

from __future__ import annotations

import argparse
import sys

import orjson

from pipeline.audit import ArticleRef, check_tables, reconcile, render
from pipeline.broker.clients import BrokerUnavailable
from pipeline.cli import CliError
from pipeline.client import FrontlineClient
from pipeline.config import get_settings


def run_audit(
    client: FrontlineClient, *, tables: bool = True
) -> tuple[int, dict[str, object], str]:
    articles = [ArticleRef(r.partition, r.offset) for r in client.stream("articles")]
    ledger = [r.value for r in client.stream("ledger") if isinstance(r.value, dict)]
    events = [
        r.value
        for name in ("withdrawals", "territorial-control")
        for r in client.stream(name)
        if isinstance(r.value, dict) and "event_id" in r.value
    ]
    event_ids = [e["event_id"] for e in events]
    dlq = []
    for r in client.stream("dlq"):
        try:
            dlq.append((int(r.headers["source.partition"]), int(r.headers["source.offset"])))
        except (KeyError, ValueError):
            continue
    report = reconcile(articles, ledger, event_ids, dlq)
    if tables:
        names = ("control", "withdrawals", "claims")
        model = client.read_tables(names)
        report.table_problems = check_tables(events, {n: dict(model.table(n)) for n in names})
    return (0 if report.clean else 1), report.as_dict(), render(report)


def _audit(args: argparse.Namespace) -> int:
    client = FrontlineClient(get_settings())
    try:
        code, data, text = run_audit(client, tables=not args.no_tables)
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    sys.stdout.write(orjson.dumps(data).decode() + "\n" if args.json else text + "\n")
    return code


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="reconcile articles with events, dead letters and the ledger",
        description="Exit 0 when every article is accounted for, 1 when any is missing.",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-tables", action="store_true", help="skip the table checks")
    p.set_defaults(func=_audit)

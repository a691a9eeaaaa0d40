"""`frontline topics create|list`: the topic definitions of pipeline.topics, applied."""

from __future__ import annotations

import argparse

from pipeline.broker.clients import BrokerUnavailable, ensure_topics
from pipeline.cli import CliError
from pipeline.config import get_settings
from pipeline.topics import topic_specs


def _create(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        created = ensure_topics(settings)
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    for name in created:
        print(f"created {name}")
    print(f"{len(topic_specs(settings))} topics ready on {settings.bootstrap}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for spec in topic_specs(get_settings()):
        cfg = ",".join(f"{k}={v}" for k, v in sorted(spec.config.items()))
        print(f"{spec.name:32} partitions={spec.partitions} rf={spec.replication} {cfg}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="create or list Frontline's topics")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("create", help="create missing topics").set_defaults(func=_create)
    actions.add_parser("list", help="print the topic definitions").set_defaults(func=_list)

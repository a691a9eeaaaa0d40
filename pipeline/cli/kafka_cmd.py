"""`frontline kafka start|stop|status|wipe`: the project's own local Apache Kafka."""

from __future__ import annotations

import argparse
import shutil

from pipeline.broker.local import BrokerError, LocalKafka
from pipeline.cli import CliError
from pipeline.config import get_settings


def _kafka(args: argparse.Namespace) -> LocalKafka:
    return LocalKafka.from_settings(get_settings(), nodes=args.nodes)


def _start(args: argparse.Namespace) -> int:
    kafka = _kafka(args)
    try:
        if not kafka.jars_present():
            print("fetching Apache Kafka jars with Maven (once)...")
        bootstrap = kafka.start(timeout=args.timeout)
    except BrokerError as exc:
        raise CliError(str(exc)) from exc
    print(f"kafka running: {bootstrap} (data in {kafka.state_dir})")
    return 0


def _stop(args: argparse.Namespace) -> int:
    kafka = _kafka(args)
    try:
        kafka.stop()
    except BrokerError as exc:
        raise CliError(str(exc)) from exc
    print("kafka stopped")
    return 0


def _status(args: argparse.Namespace) -> int:
    kafka = _kafka(args)
    running = 0
    for node, pid in kafka.status():
        state = f"running (pid {pid})" if pid else "stopped"
        print(f"node {node.node_id}: 127.0.0.1:{node.broker_port} {state}")
        running += bool(pid)
    return 0 if running == len(kafka.ports()) else 1


def _wipe(args: argparse.Namespace) -> int:
    kafka = _kafka(args)
    try:
        kafka.wipe()
    except BrokerError as exc:
        raise CliError(str(exc)) from exc
    print(f"removed {kafka.state_dir}")
    # Workers' tables are copies of changelogs on the wiped broker: kept, the next worker
    # would find its stored changelog offsets past the new topics' ends and die in recovery.
    workers = get_settings().workers_dir
    if workers.exists():
        shutil.rmtree(workers)
        print(f"removed {workers} (workers' table state)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kafka", help="start, stop or inspect the local Kafka broker")
    p.add_argument(
        "--nodes", type=int, default=1, choices=(1, 3), help="1 broker, or a 3-broker cluster"
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser("start", help="start and wait until it accepts connections")
    s.add_argument("--timeout", type=float, default=90.0)
    s.set_defaults(func=_start)
    actions.add_parser("stop", help="stop it by its own pid").set_defaults(func=_stop)
    actions.add_parser("status", help="exit 0 when every node runs").set_defaults(func=_status)
    actions.add_parser(
        "wipe", help="delete the local broker's data and the workers' table state"
    ).set_defaults(func=_wipe)

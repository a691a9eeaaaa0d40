"""`frontline demo`: broker, topics, worker, the founding articles, their events — one command."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from pipeline.broker.clients import BrokerUnavailable, ensure_topics
from pipeline.broker.local import BrokerError, LocalKafka
from pipeline.cli import CliError
from pipeline.client import FrontlineClient
from pipeline.config import PROJECT_ROOT, Settings, get_settings, settings_env
from pipeline.inputs import iter_path

EXAMPLES = PROJECT_ROOT / "examples" / "seeds.articles.jsonl"


def say(text: str = "") -> None:
    print(text, flush=True)


def _start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker", "-l", "warn"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # we forward Ctrl-C ourselves, in order
        )


def _wait_http(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise CliError(f"the worker exited during start-up; its log ({log_path}):\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise CliError(f"the worker did not answer on {url} within {timeout:.0f}s; see {log_path}")


def describe_event(ev: dict[str, Any]) -> str:
    place = (ev.get("location") or {}).get("name") or "-"
    code = ev["actor"]["code"]
    if ev["event_type"] == "withdrawal":
        what = f"withdrawal  {code:<10} {ev['status']:<9} from {place}"
        extras = [
            f"troops={ev['troops']}" if ev.get("troops") else "",
            f"remaining={ev['remaining_troops']}" if ev.get("remaining_troops") else "",
            f"{ev['percent_complete']:g}% done" if ev.get("percent_complete") is not None else "",
            f"deadline={ev['deadline']}" if ev.get("deadline") else "",
        ]
    else:
        what = f"control     {code:<10} {ev['change']:<9} {place}"
        share = ev.get("territory_share_percent")
        extras = [
            f"{share:g}% of territory" if share is not None else "",
            f"{ev['place_count']} places" if ev.get("place_count") else "",
            f"from {ev['counter_actor']['code']}" if ev.get("counter_actor") else "",
        ]
    extras.append(f"[{ev['claim_status']}]")
    if ev.get("event_date"):
        extras.append(f"on {ev['event_date']}")
    return f"  {what}  " + " ".join(e for e in extras if e)


def print_events(client: FrontlineClient, article_ids: list[str]) -> int:
    seen: dict[str, dict[str, Any]] = {}
    for stream in ("withdrawals", "territorial-control"):
        for rec in client.stream(stream):
            ev = rec.value
            if ev and ev.get("article_id") in article_ids:
                seen[ev["event_id"]] = ev
    for article_id in article_ids:
        events = [e for e in seen.values() if e["article_id"] == article_id]
        say(f"\n{article_id}: {len(events)} events")
        for ev in sorted(events, key=lambda e: (e["event_type"], e["evidence"]["start"])):
            say(describe_event(ev))
            say(f"      “{ev['evidence']['text'][:110]}”")
    return len(seen)


def _wait_ledger(client: FrontlineClient, ids: list[str], since_ms: int, timeout: float) -> None:
    """Wait for this run's outcomes: a re-run finds the last run's ledger records too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = {
            r.value.get("article_id")
            for r in client.stream("ledger")
            if r.value and r.timestamp_ms >= since_ms
        }
        if set(ids) <= done:
            return
        time.sleep(0.5)
    raise CliError(f"the worker did not process the articles within {timeout:.0f}s")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _demo(args: argparse.Namespace) -> int:
    # `kill` or a closed terminal must stop what the demo started, just like Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    settings = get_settings()
    started_kafka: LocalKafka | None = None
    worker: subprocess.Popen[bytes] | None = None
    try:
        if settings.uses_local_broker:
            kafka = LocalKafka.from_settings(settings)
            if not kafka.is_running():
                say(f"starting Apache Kafka on {kafka.bootstrap} (data in {kafka.state_dir}) ...")
                if not kafka.jars_present():
                    say("  fetching Kafka's jars with Maven (first run only) ...")
                kafka.start()
                started_kafka = kafka
            else:
                say(f"using the running local Kafka on {kafka.bootstrap}")
        else:
            say(f"using Kafka at {settings.bootstrap}")
        created = ensure_topics(settings)
        say(f"topics ready ({len(created)} created)")

        log_path = settings.state_dir / "demo-worker.log"
        worker = _start_worker(settings, log_path)
        base = f"http://{settings.web_host}:{settings.web_port}"
        _wait_http(base + "/health", worker, log_path, timeout=90)
        say(f"worker running at {base} (log: {log_path})")

        client = FrontlineClient(settings)
        items = [(i.origin, i.data, i.problem) for i in iter_path(str(args.articles))]
        since_ms = int(time.time() * 1000) - 1000
        report = client.publish_inputs(items)
        say(f"published {report.sent} articles from {args.articles}")
        _wait_ledger(client, report.ids, since_ms, timeout=60)
        print_events(client, report.ids)
        _print_tables(settings)

        say("\nExplore:")
        say("  frontline subscribe territorial-control --follow   # the event stream, live")
        say("  frontline subscribe withdrawals                     # withdrawal events")
        say("  frontline publish my-article.txt --published-at 2021-08-15")
        say(f"  curl {base}/health")
        say("  frontline tables control                            # who controls what")
        say(f"  open {base}/                                       # the live map")
        if args.exit:
            return 0
        what = "the worker and Kafka" if started_kafka else "the worker"
        say(f"\nRunning. Press Ctrl-C to stop {what}.")
        while worker.poll() is None:
            time.sleep(0.5)
        raise CliError(f"the worker stopped unexpectedly; see {log_path}")
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    except BrokerError as exc:
        raise CliError(str(exc)) from exc
    except KeyboardInterrupt:
        say("\nstopping ...")
        return 0
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if started_kafka is not None and not args.keep_kafka:
            started_kafka.stop()
            say("stopped the Kafka broker this demo started")


def _print_tables(settings: Settings) -> None:
    try:
        from pipeline.cli.tables_cmd import print_demo_tables
    except ImportError:
        return
    print_demo_tables(settings)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run everything locally on the founding articles")
    p.add_argument("--articles", type=Path, default=EXAMPLES, help="articles to publish")
    p.add_argument("--exit", action="store_true", help="exit after printing instead of running on")
    p.add_argument("--keep-kafka", action="store_true", help="leave the broker running at exit")
    p.set_defaults(func=_demo)

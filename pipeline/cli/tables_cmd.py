"""`frontline tables control|withdrawals|claims|activity`: the aggregated tables in a terminal.

Reads the compacted `tables.*` topics directly (kafka-python, no worker needed), through the
same read model and query code as the worker's HTTP API, so `--json` prints exactly what
`GET /api/<table>` answers.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.broker.clients import BrokerUnavailable
from pipeline.cli import CliError
from pipeline.client import load_read_model
from pipeline.config import Settings, get_settings
from pipeline.readmodel import TABLES, ReadModel
from pipeline.tables.query import QueryError

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def _code(actor: Any) -> str:
    return actor.get("code", "") if isinstance(actor, dict) else ""


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _sources(row: dict[str, Any]) -> str:
    tally = row.get("sources") or {}
    return str(len(tally.get("names") or []) + int(tally.get("overflow") or 0))


COLUMNS: dict[str, list[Column]] = {
    "control": [
        ("PLACE", lambda r: r["place_key"]),
        ("NAME", lambda r: r["place"]["name"]),
        ("STATUS", lambda r: r["status"]),
        ("CONTROLLER", lambda r: _code(r.get("controller"))),
        ("CONTENDER", lambda r: _code(r.get("contender"))),
        ("CLAIM", lambda r: r["claim_status"]),
        ("DATED BY", lambda r: r.get("date_basis") or ""),
        ("SINCE", lambda r: r["since"]),
        ("LAST", lambda r: r["last_event_date"]),
        ("PENDING CLAIM", lambda r: _code((r.get("pending_claim") or {}).get("actor"))),
        ("REPORTS", lambda r: r.get("reports")),
        ("EVENTS", lambda r: r.get("events")),
        ("SOURCES", _sources),
    ],
    "withdrawals": [
        ("ACTOR", lambda r: r["actor_code"]),
        ("FROM", lambda r: r.get("country") or ""),
        ("STATUS", lambda r: r["status"]),
        ("STATUS DATE", lambda r: r["status_date"]),
        ("DATED BY", lambda r: r.get("date_basis") or ""),
        ("TROOPS", lambda r: _num(r.get("troops"))),
        ("REMAINING", lambda r: _num(r.get("remaining_troops"))),
        ("% DONE", lambda r: _num(r.get("percent_complete"))),
        ("DEADLINE", lambda r: r.get("deadline") or ""),
        ("FIRST", lambda r: r["first_event_date"]),
        ("LAST", lambda r: r["last_event_date"]),
        ("REPORTS", lambda r: r.get("reports")),
        ("EVENTS", lambda r: r.get("events")),
    ],
    "claims": [
        ("ACTOR", lambda r: r["actor_code"]),
        ("SHARE %", lambda r: _num(r["territory_share_percent"])),
        ("DATE", lambda r: r["event_date"]),
        ("CLAIMANT", lambda r: _code(r.get("claimant"))),
        ("STATUS", lambda r: r["claim_status"]),
        ("COUNTRY", lambda r: r.get("country") or ""),
        ("HISTORY", lambda r: len(r.get("history") or [])),
        ("REPORTS", lambda r: r.get("reports")),
    ],
    "activity": [
        ("SPEC", lambda r: r["spec"]),
        ("GROUP", lambda r: r["group"]),
        ("START", lambda r: r["window_start"]),
        ("END", lambda r: r["window_end"]),
        ("COUNT", lambda r: r["count"]),
        ("REPORTS", lambda r: r["reports"]),
        ("CLOSED", lambda r: "final" if r.get("final") else "yes" if r.get("closed") else ""),
    ],
}


def render(table: str, items: Sequence[dict[str, Any]]) -> str:
    """A plain, aligned text table (no colours, safe to pipe)."""
    cols = COLUMNS[table]
    cells = [[h for h, _ in cols]]
    for item in items:
        values = [fn(item) for _, fn in cols]
        cells.append(["" if v is None else str(v) for v in values])
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _params(args: argparse.Namespace) -> dict[str, str]:
    names = ["limit", "offset", "cursor", "since"]
    if args.table == "activity":
        names += ["spec", "group"]
    else:
        names += ["country", "province", "actor", "status"]
        if args.table == "control":
            names.append("as_of")
    return {n: str(v) for n in names if (v := getattr(args, n, None)) is not None}


def _load(settings: Settings, tables: Sequence[str]) -> ReadModel:
    try:
        model: ReadModel = load_read_model(settings, tables)
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    return model


def _tables(args: argparse.Namespace) -> int:
    settings = get_settings()
    params = _params(args)
    if args.table != "control" and args.as_of is not None:
        raise CliError("--as-of applies to the control table only")
    model = _load(settings, [args.table])
    try:
        page = model.list_page(args.table, params)
    except QueryError as exc:
        raise CliError(f"--{exc.param.replace('_', '-')}: {exc.message}") from exc
    if args.json:
        print(json.dumps(page, indent=2, ensure_ascii=False))
        return 0
    title = f"{args.table}: {page['total']} rows"
    if args.as_of:
        title += f" as of {args.as_of}"
    shown = len(page["items"])
    if shown < page["total"]:
        title += f" (showing {page['offset'] + 1}..{page['offset'] + shown})"
    print(title)
    if page["items"]:
        print(render(args.table, page["items"]))
    if page["next_cursor"]:
        print(f"more: --cursor {page['next_cursor']}")
    return 0


def print_demo_tables(settings: Settings, *, timeout: float = 20.0) -> None:
    """Print control, withdrawals and claims once the table agents have caught up (the
    counts stop changing), for `frontline demo`."""
    names = ["control", "withdrawals", "claims"]
    deadline = time.monotonic() + timeout
    model = _load(settings, names)
    previous: tuple[int, int] = (-1, -1)
    while time.monotonic() < deadline:
        current = (model.records, sum(model.counts().values()))
        if current == previous and current[1] > 0:
            break
        previous = current
        time.sleep(1.5)
        model = _load(settings, names)
    for name in names:
        page = model.list_page(name, {"limit": "500"})
        print(f"\n{name} ({page['total']} rows, from topic tables.{name}):")
        if page["items"]:
            print(render(name, page["items"]))
        else:
            print("  (empty)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tables",
        help="show an aggregated table (read from its compacted topic)",
        description="Show control, withdrawals, claims or activity windows.",
    )
    p.add_argument("table", choices=TABLES)
    p.add_argument("--country", help="ISO3 country code, e.g. AFG")
    p.add_argument("--province", help="adm1 P-code, e.g. AF02")
    p.add_argument("--actor", help="actor code, e.g. TALIBAN")
    p.add_argument("--status", help="controlled|contested|claimed|announced|ongoing|completed")
    p.add_argument("--since", help="rows with events on or after YYYY-MM-DD")
    p.add_argument("--as-of", dest="as_of", help="control as it stood on YYYY-MM-DD")
    p.add_argument("--spec", help="activity window spec, e.g. control-30d")
    p.add_argument("--group", help="activity group (province P-code or actor code)")
    p.add_argument("--limit", type=int, help="rows per page (1..500, default 100)")
    p.add_argument("--offset", type=int, help="skip this many rows")
    p.add_argument("--cursor", help="continue after a previous page")
    p.add_argument("--json", action="store_true", help="print JSON (as GET /api/<table>)")
    p.set_defaults(func=_tables)

"""`frontline export control|withdrawals|claims|events --format csv|geojson`: data to load
into QGIS, pandas or R.

Tables are read from their compacted topics, events from the events topics, up to their end
offsets now (no worker needed); the output is what GET /api/<kind>.<format> answers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import export as X
from pipeline.broker.clients import BrokerUnavailable
from pipeline.cli import CliError
from pipeline.client import FrontlineClient
from pipeline.config import get_settings
from pipeline.tables.query import QueryError

TABLE_FILTERS = ("country", "province", "actor", "status", "since", "as_of")
EVENT_FILTERS = ("country", "since", "type")


def _export(args: argparse.Namespace) -> int:
    allowed = EVENT_FILTERS if args.kind == "events" else TABLE_FILTERS
    given = {n: str(v) for n in (*TABLE_FILTERS, "type") if (v := getattr(args, n)) is not None}
    wrong = sorted(set(given) - set(allowed))
    if wrong or (args.as_of is not None and args.kind != "control"):
        name = wrong[0] if wrong else "as_of"
        raise CliError(f"--{name.replace('_', '-')} does not apply to {args.kind}")
    client = FrontlineClient(get_settings())
    try:
        text = client.export(args.kind, args.format, **given)
    except BrokerUnavailable as exc:
        raise CliError(str(exc), exit_code=3) from exc
    except QueryError as exc:
        raise CliError(f"--{exc.param.replace('_', '-')}: {exc.message}") from exc
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a table or the events as CSV or GeoJSON",
        description=(
            "Export control, withdrawals or claims rows, or every event (ACLED-like columns), "
            "as CSV or GeoJSON. Column meanings: docs/exports.md."
        ),
    )
    p.add_argument("kind", choices=X.KINDS)
    p.add_argument("--format", "-f", choices=X.FORMATS, default="csv")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.add_argument("--country", help="ISO3 country code, e.g. SYR")
    p.add_argument("--province", help="tables: adm1 P-code, e.g. AF02")
    p.add_argument("--actor", help="tables: actor code, e.g. ISIS")
    p.add_argument("--status", help="tables: controlled|contested|claimed|announced|...")
    p.add_argument("--since", help="rows or events dated on or after YYYY-MM-DD")
    p.add_argument("--as-of", dest="as_of", help="control: as it stood on YYYY-MM-DD")
    p.add_argument("--type", help="events: withdrawal or territorial_control")
    p.set_defaults(func=_export)

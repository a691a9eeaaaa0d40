"""`frontline eval GOLD.jsonl [--json]`: score the extractor against a gold file."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from pipeline.cli import CliError


def _predict(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    from pipeline.extract import extract
    from schemas import Article

    text = item.get("text") or ""
    if not str(text).strip():
        return []
    art_id = str(item.get("item_id") or "item")
    art = Article.model_validate(
        {
            "id": art_id if len(art_id) <= 200 else None,
            "body": text,
            "published_at": item.get("published_at"),
            "source": item.get("source"),
        }
    )
    return [e.model_dump(mode="json") for e in extract(art)]


def run(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate_gold, format_report, load_gold

    try:
        gold = load_gold(args.gold)
    except FileNotFoundError as exc:
        raise CliError(f"no such gold file: {args.gold}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(str(exc)) from exc
    report = evaluate_gold(gold, _predict)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print(f"{args.gold}: {len(gold)} items")
        print(format_report(report))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score the extractor against a gold JSONL file")
    p.add_argument("gold", help="gold file: {item_id, published_at, text, events:[...]} per line")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=run)

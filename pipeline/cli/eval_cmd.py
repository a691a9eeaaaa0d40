"""`frontline eval GOLD.jsonl [--json] [--split] [--show] [--predictions PRED.jsonl]`.

Scores the extractor (or a file of its predictions) against a gold file, by the rules of the
reference scorer `shared/tools/score.py` (see `pipeline.evaluate`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
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


def _progress() -> Callable[[int, int], None] | None:
    """A one-line counter on stderr, only for a person watching a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rscoring {done}/{total} items", end=end, file=sys.stderr, flush=True)

    return show


def run(args: argparse.Namespace) -> int:
    from pipeline.evaluate import (
        evaluate_gold,
        format_report,
        load_gold,
        load_predictions,
        score_predictions,
        unmatched_articles,
    )

    try:
        # scoring a prediction file needs only the gold events, not the texts
        gold = load_gold(args.gold, require_text=args.predictions is None)
    except FileNotFoundError as exc:
        raise CliError(f"no such gold file: {args.gold}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(str(exc)) from exc

    if args.predictions is None:
        source = "the extractor"
        report = evaluate_gold(gold, _predict, progress=_progress())
        ignored = 0
    else:
        try:
            preds = load_predictions(args.predictions)
        except FileNotFoundError as exc:
            raise CliError(f"no such predictions file: {args.predictions}") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise CliError(str(exc)) from exc
        source = f"{args.predictions} ({len(preds)} events)"
        report = score_predictions(gold, preds)
        ignored = unmatched_articles(gold, preds)

    if args.json:
        out = {"gold": args.gold, "predictions": args.predictions, **report.as_dict()}
        if ignored:
            out["ignored_predictions"] = ignored
        print(json.dumps(out, indent=2, default=str))
        return 0
    print(f"gold: {args.gold} ({len(gold)} items)")
    print(f"predictions: {source}")
    if ignored:
        print(f"  {ignored} predicted events name articles not in the gold: not scored")
    print()
    print(format_report(report, split=args.split, show=args.show))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score the extractor against a gold JSONL file",
        description=(
            "Score the extractor against a gold file: precision, recall and F1 overall and "
            "per event type, and slot accuracy, by the rules of shared/tools/score.py."
        ),
    )
    p.add_argument("gold", help="gold file: {item_id, published_at, text, events:[...]} per line")
    p.add_argument(
        "--json", action="store_true", help="machine-readable report (always has every section)"
    )
    p.add_argument(
        "--split",
        action="store_true",
        help="also score per theatre: AFG+negatives (theatre AFG, NONE or absent) against "
        "the other theatres, and each theatre code on its own",
    )
    p.add_argument(
        "--show",
        action="store_true",
        help="list missed gold events, extra (false positive) predictions and wrong slots",
    )
    p.add_argument(
        "--predictions",
        metavar="PRED.jsonl",
        help="score these predicted events (e.g. the output of `frontline extract GOLD.jsonl`, "
        "joined by article_id = item_id) instead of running the extractor",
    )
    p.set_defaults(func=run)

"""`frontline extract PATH|-`: articles in (txt/json/jsonl/stdin), events out as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.cli import CliError


def _records_from_text(raw: str, name: str) -> Iterator[dict[str, Any]]:
    stripped = raw.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, list):
            yield from (o for o in obj if isinstance(o, dict))
            return
        if isinstance(obj, dict):
            yield obj
            return
        # JSON lines
        records = []
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CliError(f"{name}:{n}: invalid JSON line: {exc.msg}") from exc
            if isinstance(o, dict):
                records.append(o)
        yield from records
        return
    yield {"body": raw}


def _load(path: str) -> Iterator[dict[str, Any]]:
    if path == "-":
        yield from _records_from_text(sys.stdin.read(), "<stdin>")
        return
    p = Path(path)
    if not p.exists():
        raise CliError(f"no such file: {path}")
    try:
        raw = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc
    if p.suffix.lower() == ".txt":
        yield {"body": raw, "id": None}
        return
    yield from _records_from_text(raw, path)


def _to_article(rec: dict[str, Any], args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from schemas import Article

    data = dict(rec)
    if "body" not in data and "text" in data:
        data["body"] = data["text"]
    if "id" not in data and data.get("item_id"):
        data["id"] = data["item_id"]
    if data.get("id") is None:
        data.pop("id", None)
    if args.published_at and not data.get("published_at"):
        data["published_at"] = args.published_at
    if args.source and not data.get("source"):
        data["source"] = args.source
    try:
        return Article.model_validate(data)
    except ValidationError as exc:
        raise CliError(f"invalid article: {exc.errors()[0].get('msg')}") from exc


def run(args: argparse.Namespace) -> int:
    from pipeline.extract import extract

    out = sys.stdout
    for rec in _load(args.path):
        art = _to_article(rec, args)
        for ev in extract(art):
            out.write(ev.model_dump_json() + "\n")
    out.flush()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract events from articles (offline)")
    p.add_argument("path", help="a .txt, .json or .jsonl file, or - for stdin")
    p.add_argument("--published-at", help="reference date for articles that lack one")
    p.add_argument("--source", help="outlet name for articles that lack one")
    p.set_defaults(func=run)

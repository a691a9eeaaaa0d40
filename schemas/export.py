"""Export JSON Schema files for consumers in other languages: `python -m schemas.export`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from schemas.article import Article
from schemas.events import Event, TerritorialControlEvent, WithdrawalEvent

JSON_DIR = Path(__file__).resolve().parent / "json"


def schema_documents() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema document, generated from the models."""
    docs: dict[str, dict[str, Any]] = {
        "article.schema.json": Article.model_json_schema(),
        "withdrawal-event.schema.json": WithdrawalEvent.model_json_schema(),
        "territorial-control-event.schema.json": TerritorialControlEvent.model_json_schema(),
        "event.schema.json": TypeAdapter(Event).json_schema(),
    }
    for name, doc in docs.items():
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = f"frontline/{name}"
    return docs


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def main(out_dir: Path = JSON_DIR) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, doc in schema_documents().items():
        (out_dir / name).write_text(render(doc), encoding="utf-8")
        print(f"wrote {out_dir / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

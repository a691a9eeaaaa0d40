"""Read articles from files or stdin: `.txt` (one article), `.json` (object or list), `.jsonl`.

Pure of Kafka: yields dicts ready to validate as Articles, or a problem per bad item, so that
`publish` and `extract` report the same thing for the same input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson


@dataclass(frozen=True)
class InputItem:
    origin: str  # "file.jsonl:12", for messages
    data: dict[str, Any] | None
    problem: str | None = None


def adapt_record(data: dict[str, Any]) -> dict[str, Any]:
    """Accept the gold/corpus shapes too: `text` for `body`, `item_id` for `id`, `outlets`."""
    out = dict(data)
    if "body" not in out and isinstance(out.get("text"), str):
        out["body"] = out.pop("text")
    if "id" not in out and isinstance(out.get("item_id"), str):
        out["id"] = out["item_id"]
    if "source" not in out and isinstance(out.get("outlets"), list) and out["outlets"]:
        out["source"] = ", ".join(str(o) for o in out["outlets"])
    for key in ("events", "item_id", "outlets"):
        out.pop(key, None)
    return out


def _apply_defaults(
    data: dict[str, Any], published_at: str | None, source: str | None
) -> dict[str, Any]:
    if published_at and not data.get("published_at"):
        data["published_at"] = published_at
    if source and not data.get("source"):
        data["source"] = source
    return data


def _from_json_value(value: Any, origin: str) -> Iterator[InputItem]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _from_json_value(item, f"{origin}[{i}]")
    elif isinstance(value, dict):
        yield InputItem(origin, adapt_record(value))
    else:
        yield InputItem(origin, None, f"expected a JSON object, got {type(value).__name__}")


def _iter_jsonl(stream: IO[str], name: str) -> Iterator[InputItem]:
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        origin = f"{name}:{lineno}"
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield InputItem(origin, None, f"invalid JSON: {exc}")
            continue
        yield from _from_json_value(value, origin)


def _iter_text(text: str, name: str) -> Iterator[InputItem]:
    if not text.strip():
        yield InputItem(name, None, "empty text")
    else:
        yield InputItem(name, {"body": text})


def iter_path(path: str) -> Iterator[InputItem]:
    """Items of one path; `-` is stdin (JSON if it starts with `{` or `[`, else one text)."""
    if path == "-":
        text = sys.stdin.read()
        head = text.lstrip()[:1]
        if head == "[":
            yield from _iter_json_text(text, "<stdin>")
        elif head == "{":
            yield from _iter_jsonl(iter(text.splitlines(keepends=True)), "<stdin>")  # type: ignore[arg-type]
        else:
            yield from _iter_text(text, "<stdin>")
        return
    p = Path(path)
    if not p.is_file():
        yield InputItem(path, None, "no such file")
        return
    suffix = p.suffix.lower()
    if suffix == ".jsonl":
        with p.open(encoding="utf-8", errors="surrogateescape") as fh:
            yield from _iter_jsonl(fh, path)
    elif suffix == ".json":
        yield from _iter_json_text(p.read_text(encoding="utf-8", errors="replace"), path)
    else:
        yield from _iter_text(p.read_text(encoding="utf-8", errors="replace"), path)


def _iter_json_text(text: str, name: str) -> Iterator[InputItem]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        # A .json file holding JSON lines is common enough to accept.
        if text.lstrip().startswith("{"):
            yield from _iter_jsonl(iter(text.splitlines(keepends=True)), name)  # type: ignore[arg-type]
            return
        yield InputItem(name, None, f"invalid JSON: {exc}")
        return
    yield from _from_json_value(value, name)


def iter_inputs(
    paths: list[str], *, published_at: str | None = None, source: str | None = None
) -> Iterator[InputItem]:
    for path in paths:
        for item in iter_path(path):
            if item.data is not None:
                _apply_defaults(item.data, published_at, source)
            yield item


def count_items(paths: list[str]) -> int | None:
    """Cheap total for a progress bar: lines of .jsonl files, else None when unknown."""
    total = 0
    for path in paths:
        p = Path(path)
        if path == "-" or not p.is_file():
            return None
        if p.suffix.lower() == ".jsonl":
            with p.open("rb") as fh:
                total += sum(1 for line in fh if line.strip())
        elif p.suffix.lower() == ".json":
            return None
        else:
            total += 1
    return total

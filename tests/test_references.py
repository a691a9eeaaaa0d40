"""Names and paths that code and comments cite exist: a move or rename updates its citations."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

from pydantic import BaseModel

from pipeline.config import PROJECT_ROOT

DOTTED = re.compile(r"(?<![\w./-])((?:pipeline|schemas)\.[a-z_]\w*(?:\.\w+)*)")
PATH = re.compile(r"(?<![\w./-])((?:pipeline|schemas|tests|benchmarks|infra|docs)/[\w./-]*\w)")
SCANNED = ("pipeline", "schemas", "tests", "benchmarks")


def _lines() -> Iterator[tuple[str, str]]:
    for top in SCANNED:
        for path in sorted((PROJECT_ROOT / top).rglob("*.py")):
            rel = path.relative_to(PROJECT_ROOT)
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield f"{rel}:{n}", line


def _resolves(name: str) -> bool:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            if isinstance(obj, type) and issubclass(obj, BaseModel) and part in obj.model_fields:
                return True
            if not hasattr(obj, part):
                return False
            obj = getattr(obj, part)
        return True
    return False


def test_dotted_names_cited_in_code_exist() -> None:
    missing = [
        f"{where}: {name}"
        for where, line in _lines()
        for name in (m.group(1) for m in DOTTED.finditer(line))
        if "__main__" not in name and not _resolves(name)
    ]
    assert missing == []


def test_paths_cited_in_code_exist() -> None:
    missing = [
        f"{where}: {path}"
        for where, line in _lines()
        for path in (m.group(1) for m in PATH.finditer(line))
        if not (PROJECT_ROOT / path).exists()
    ]
    assert missing == []

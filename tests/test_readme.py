"""The README and docs/ tell the truth: their links lead somewhere, their commands parse, and
the README's Python example runs against a real broker and worker."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.cli import build_parser
from pipeline.config import PROJECT_ROOT, Settings, settings_env
from tests.conftest import WorkerProcess, run_python

README = PROJECT_ROOT / "README.md"
DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
# Pages whose every `frontline ...` command must parse as written (the README, and the
# operator pages that give commands to copy).
COMMAND_PAGES = [
    README,
    *(
        PROJECT_ROOT / "docs" / name
        for name in ("configuration.md", "operations.md", "performance.md", "reliability.md")
    ),
]

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


def fenced(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced code block."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def prose(text: str) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", text)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings."""
    out = set()
    for title in HEADING.findall(prose(page.read_text(encoding="utf-8"))):
        plain = title.replace("`", "").strip().lower()
        out.add(re.sub(r"[^\w\- ]", "", plain).replace(" ", "-"))
    return out


def local_links(page: Path) -> Iterator[str]:
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        yield target


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_local_link_leads_to_a_file_and_heading(page: Path) -> None:
    broken = []
    for target in local_links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


REPO_PATH = re.compile(r"^(?:pipeline|schemas|tests|benchmarks|docs|examples|infra)/[\w./-]*$")


@pytest.mark.parametrize("page", COMMAND_PAGES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_project_path_named_exists(page: Path) -> None:
    named = [
        span
        for span in CODE_SPAN.findall(prose(page.read_text(encoding="utf-8")))
        if REPO_PATH.match(span)
    ]
    missing = [path for path in named if not (PROJECT_ROOT / path).exists()]
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


def subcommands(parser: argparse.ArgumentParser) -> set[str]:
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def commands(page: Path) -> Iterator[list[str]]:
    """Every `frontline ...` command of a page, as argv after `frontline`: from code spans,
    and from the lines of shell blocks (continuations joined, comments, `&` and leading
    VAR=value assignments dropped)."""
    text = page.read_text(encoding="utf-8")
    snippets = CODE_SPAN.findall(prose(text))
    for lang, body in fenced(text):
        if lang in {"sh", "bash", "shell", "console"}:
            snippets += body.replace("\\\n", " ").splitlines()
    for snippet in snippets:
        for part in re.split(r"&&|;|\|\||\s&(?:\s|$)", snippet):
            try:
                words = shlex.split(part, comments=True)
            except ValueError:
                continue
            while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
                words = words[1:]
            if len(words) >= 2 and words[0] == "frontline":
                yield words[1:]


def test_the_readme_shows_commands_at_all() -> None:
    shown = {argv[0] for argv in commands(README)}
    assert {"demo", "worker", "publish", "tables", "subscribe", "audit"} <= shown


@pytest.mark.parametrize("page", COMMAND_PAGES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_frontline_command_shown_is_real_and_parses(page: Path) -> None:
    parser = build_parser()
    known = subcommands(parser)
    wrong = []
    for argv in commands(page):
        if argv[0].isupper() or argv[0].startswith("-"):  # `frontline COMMAND --help`
            continue
        if argv[0] not in known:
            wrong.append(f"frontline {' '.join(argv)}: no subcommand {argv[0]!r}")
            continue
        if len(argv) == 1 or "--help" in argv or "-h" in argv:  # a mention: `frontline tables`
            continue
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            wrong.append(f"frontline {' '.join(argv)}: does not parse")
    assert not wrong, "\n".join(wrong)


def test_make_targets_shown_in_the_readme_exist() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    text = README.read_text(encoding="utf-8")
    shown = set(re.findall(r"\bmake ([a-z][\w-]*)", text))
    assert shown and shown <= targets, shown - targets


def test_every_setting_is_documented() -> None:
    text = (PROJECT_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        f"FRONTLINE_{name.upper()}"
        for name in Settings.model_fields
        if f"`FRONTLINE_{name.upper()}`" not in text
    ]
    assert not missing, f"docs/configuration.md lacks {missing}"


def readme_example() -> str:
    blocks = [body for lang, body in fenced(README.read_text(encoding="utf-8")) if lang == "python"]
    assert blocks, "the README has no Python example"
    return blocks[0]


def test_the_readme_example_is_short_and_imports_what_it_uses() -> None:
    code = readme_example()
    lines = [
        ln for ln in code.splitlines() if ln.strip() and not ln.startswith(("from ", "import "))
    ]
    assert len(lines) <= 5, code
    assert re.search(r"^from pipeline import .*FrontlineClient", code, re.M), code
    compile(code, "README.md", "exec")


@pytest.mark.integration
def test_the_readme_example_runs_against_a_real_broker(
    make_settings: Callable[..., Settings],
    start_worker: Callable[[Settings], WorkerProcess],
) -> None:
    """The example as printed, in a fresh interpreter configured only by FRONTLINE_*
    variables, as a user's would be: it publishes, sees its event and reads the table."""
    settings = make_settings()
    start_worker(settings)
    out = run_python(readme_example(), env=settings_env(settings))
    event_line, table_line = out.strip().splitlines()
    assert event_line == "TALIBAN Kunduz", out
    # The row follows the event within moments; the table may be read just before it lands.
    assert table_line in ("{'AF1901': 'controlled'}", "{}"), out

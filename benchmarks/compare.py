"""What each code change bought: the one-worker benchmark on several commits, same broker.

    python benchmarks/compare.py --commit before=8a48c16 --commit after=HEAD
    python benchmarks/compare.py --collect before=8a48c16=/tmp/a.json ...   # results at hand

Settings can be tried with `tune.py`; code changes cannot, so this checks each commit out in
a git worktree (beside the repository, removed afterwards) and runs that commit's own
`benchmarks/run.py --phases e2e1,latency` against one broker started here, so that every
commit sees the same broker and data. Runs are interleaved (round 1: every commit once,
round 2: ...) and each figure is the median over the rounds: this shared machine drifts by
tens of percent over minutes, and three runs of one commit, then three of the next, measured
the drift (a first attempt put the same code at 1,027/s and 1,927/s). Results go to
benchmarks/results/changes.json, which `run.py` quotes in benchmarks/results/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Cleanup, say, write_results
from run import RESULTS_DIR, parse_args, start_broker

from pipeline.config import PROJECT_ROOT

CHANGES_JSON = RESULTS_DIR / "changes.json"


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """The figures a change is judged by, from one `run.py --json` result."""
    m = result.get("median", {})
    return {
        "articles_per_s": m.get("e2e1.articles_per_s"),
        "cpu_ms_per_article": m.get("e2e1.cpu_ms_per_article"),
        "tables_lag_s": m.get("e2e1.tables_lag_s"),
        "half_load_per_s": m.get("latency.offered_per_s"),
        "p99_ledger_ms": m.get("latency.ledger_ms.p99"),
        "p99_table_ms": m.get("latency.table_ms.p99"),
        "each_run_articles_per_s": [
            r.get("e2e1", {}).get("articles_per_s") for r in result.get("runs", [])
        ],
    }


def merge_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary from the summaries of single-run rounds: the median of each figure."""
    merged: dict[str, Any] = {}
    for name in rounds[0]:
        if name == "each_run_articles_per_s":
            merged[name] = [v for r in rounds for v in r[name]]
            continue
        values = [r[name] for r in rounds if r.get(name) is not None]
        merged[name] = statistics.median(values) if values else None
    return merged


@contextlib.contextmanager
def worktree(commit: str) -> Iterator[Path]:
    """The commit checked out beside the repository, removed afterwards."""
    holder = Path(tempfile.mkdtemp(prefix="frontline-compare-", dir=PROJECT_ROOT.parent))
    tree = holder / "tree"  # git creates it; the holder is ours, so the name cannot clash
    # The commit's code finds the data at ../shared, as the checkout does.
    shared = PROJECT_ROOT.parent / "shared"
    if shared.exists():
        (holder / "shared").symlink_to(shared)
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-f", str(tree), commit],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)],
            cwd=PROJECT_ROOT,
            check=False,
            capture_output=True,
        )
        shutil.rmtree(holder, ignore_errors=True)


def run_once(tree: Path, bootstrap: str, args: argparse.Namespace, out: Path) -> Path:
    """One run of the checked-out commit's own benchmark, its JSON at `out`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}  # that commit's code, this venv
    cmd = [
        sys.executable,
        str(tree / "benchmarks" / "run.py"),
        "-n",
        str(args.articles),
        "--runs",
        "1",
        "--phases",
        "e2e1,latency",
        "--latency-seconds",
        str(args.latency_seconds),
        "--bootstrap",
        bootstrap,
        "--no-docs",
        "--json",
        str(out),
    ]
    say(f"{tree}: {' '.join(cmd[1:])}")
    subprocess.run(cmd, cwd=tree, env=env, check=True, timeout=args.step_timeout)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--commit", action="append", default=[], metavar="LABEL=COMMIT")
    p.add_argument("--collect", action="append", default=[], metavar="LABEL=COMMIT=JSON")
    p.add_argument("-n", "--articles", type=int, default=20000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--latency-seconds", type=float, default=10.0)
    p.add_argument("--step-timeout", type=float, default=1800.0)
    p.add_argument("--out", type=Path, default=CHANGES_JSON)
    p.add_argument("--note", action="append", default=[], help="a line under the table")
    args = p.parse_args(argv)
    if not args.commit and not args.collect:
        p.error("give --commit LABEL=COMMIT (or --collect LABEL=COMMIT=JSON)")

    changes = []
    for spec in args.collect:
        label, commit, path = spec.split("=", 2)
        changes.append(
            {"name": label, "commit": commit, **summarize(orjson.loads(Path(path).read_bytes()))}
        )
    if args.commit:
        specs = [tuple(spec.split("=", 1)) for spec in args.commit]
        rounds: dict[str, list[dict[str, Any]]] = {commit: [] for _, commit in specs}
        cleanup = Cleanup()
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as trees:
            try:
                bootstrap, _ = start_broker(parse_args([]), Path(tmp), cleanup)
                checked_out = {commit: trees.enter_context(worktree(commit)) for _, commit in specs}
                for i in range(args.runs):
                    for label, commit in specs:
                        say(f"round {i + 1} of {args.runs}: {label} ({commit})")
                        out = run_once(
                            checked_out[commit], bootstrap, args, Path(tmp) / f"{commit}-{i}.json"
                        )
                        rounds[commit].append(summarize(orjson.loads(out.read_bytes())))
            finally:
                cleanup.run()
        for label, commit in specs:
            changes.append({"name": label, "commit": commit, **merge_rounds(rounds[commit])})
    fields = {"articles": args.articles, "runs": args.runs, "changes": changes, "notes": args.note}
    write_results(args.out, "compare.py", argv, fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())

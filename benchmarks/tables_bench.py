"""Throughput of the pure table reducers on one core, on the events of the benchmark's data.

    python benchmarks/tables_bench.py [-n ARTICLES] [--runs N]

The articles of `make bench` (the corpus cycled with unique ids, a seed every 50) are
extracted once; their events are then applied in order as the table agents apply them: the
dedup registry, then `control` / `withdrawals` / `claims`, each row parsed from its stored
JSON before and dumped to JSON after every event (the worst case of the agents'
write-behind, a batch of one). Prints events/s per table (median of N runs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# E402 waived below: the repository root must be on sys.path first (run as a script).
from harness import Dataset, machine_info  # noqa: E402

from pipeline.extract import extract  # noqa: E402
from pipeline.tables import claims as C  # noqa: E402
from pipeline.tables import control as K  # noqa: E402
from pipeline.tables import dedup as D  # noqa: E402
from pipeline.tables import withdrawals as W  # noqa: E402
from schemas import Article  # noqa: E402
from schemas.events import TerritorialControlEvent, WithdrawalEvent  # noqa: E402
from schemas.rows import ClaimRow, ControlRow, DedupEntry, WithdrawalRow  # noqa: E402

AnyEvent = WithdrawalEvent | TerritorialControlEvent


def events_of(n: int) -> list[AnyEvent]:
    out: list[AnyEvent] = []
    for item in Dataset().make(n, "tb"):
        out.extend(extract(Article.model_validate_json(item.value)))
    return out


def _stored(row: Any) -> Any:
    return orjson.loads(orjson.dumps(row.model_dump(mode="json")))


# The row tables: each reducer module has accepts(), table_key() and apply().
REDUCERS: dict[str, tuple[Any, Any]] = {
    "withdrawals": (W, WithdrawalRow),
    "control": (K, ControlRow),
    "claims": (C, ClaimRow),
}


def replay(events: list[AnyEvent]) -> dict[str, tuple[int, float]]:
    """(events applied, seconds) per reducer, rows round-tripped through JSON each time."""
    stores: dict[str, dict[str, Any]] = {"dedup": {}, **{name: {} for name in REDUCERS}}
    spent = {name: [0, 0.0] for name in stores}

    def step(name: str, key: str, parse: Callable[[Any], Any], fn: Callable[[Any], Any]) -> Any:
        t0 = time.perf_counter()
        raw = stores[name].get(key)
        new, result = fn(parse(raw) if raw is not None else None)
        stores[name][key] = _stored(new)
        spent[name][0] += 1
        spent[name][1] += time.perf_counter() - t0
        return result

    for ev in events:
        decision = step(
            "dedup", D.dedup_key(ev), DedupEntry.model_validate, lambda e, ev=ev: D.register(e, ev)
        )
        hid = decision.happening_id
        for name, (reducer, model) in REDUCERS.items():
            if reducer.accepts(ev):
                step(
                    name,
                    reducer.table_key(ev),
                    model.model_validate,
                    lambda r, red=reducer, ev=ev, h=hid: (red.apply(r, ev, happening_id=h), None),
                )
    return {name: (int(n), float(s)) for name, (n, s) in spent.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--articles", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    events = events_of(args.articles)
    m = machine_info()
    print(f"{len(events):,} events from {args.articles:,} articles; {m['cores']} cores")
    runs = [replay(events) for _ in range(args.runs)]
    for name in runs[0]:
        n = runs[0][name][0]
        secs = statistics.median(r[name][1] for r in runs)
        rate = n / secs if secs else 0.0
        print(f"  {name:<12} {n:>7,} events  {secs * 1000:8.1f} ms  {rate:>10,.0f} events/s")
    total = statistics.median(sum(s for _, s in r.values()) for r in runs)
    print(
        f"  {'all':<12} {len(events):>7,} events  {total * 1000:8.1f} ms  "
        f"{len(events) / total:>10,.0f} events/s  ({total / args.articles * 1e6:.1f} µs/article)"
    )


if __name__ == "__main__":
    main()

"""The Faust floor: what a bare Faust agent costs per message on this machine, same broker
setup and data as `make bench`, no Frontline code.

    python benchmarks/faust_floor.py [-n 20000] [--runs 3]

Two bare agents (benchmarks/floor_app.py), each run `--runs` times, interleaved:
  mode 0 - consume the articles with take_events(500, 20 ms) and ack them, nothing else;
  mode 1 - the same, plus one 100-byte record sent per message (as the worker's ledger).
The worker does both and more (normalize, events, the digest table, the table agents): the
floor is the part of its CPU per article that no change to Frontline's own code can remove.
Writes benchmarks/results/floor.json, which `run.py` quotes in benchmarks/results/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Cleanup, Dataset, free_port, say, write_results
from run import RESULTS_DIR, parse_args, start_broker

FLOOR_JSON = RESULTS_DIR / "floor.json"
APP = Path(__file__).resolve().parent / "floor_app.py"
MODES = {0: "consume + ack", 1: "consume + ack + one record out"}


def run_floor(mode: int, tag: str, bootstrap: str, n: int, workdir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "FLOOR_N": str(n),
        "FLOOR_MODE": str(mode),
        "FLOOR_ID": f"floor-{tag}",
        "FLOOR_BOOTSTRAP": bootstrap,
        "FLOOR_SOURCE": "floor-articles",
        "FLOOR_SINK": "floor-out",
        "FLOOR_DATADIR": str(workdir / tag),
        "FLOOR_PORT": str(free_port()),
    }
    out = subprocess.run(
        [sys.executable, str(APP), "worker", "-l", "warn"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    for line in (out.stdout + out.stderr).splitlines():
        if "FLOOR {" in line:
            data: dict[str, Any] = orjson.loads(line.split("FLOOR ", 1)[1])
            return data
    tail = (out.stdout + out.stderr)[-3000:]
    raise RuntimeError(f"floor app mode {mode} gave no result:\n{tail}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--messages", type=int, default=20000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--out", type=Path, default=FLOOR_JSON)
    args = p.parse_args(argv)

    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    cleanup = Cleanup()
    results: dict[int, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            bootstrap, _ = start_broker(parse_args([]), Path(tmp), cleanup)
            admin = KafkaAdminClient(bootstrap_servers=bootstrap)
            admin.create_topics(
                [NewTopic(t, args.partitions, 1) for t in ("floor-articles", "floor-out")]
            )
            admin.close()
            items = Dataset().make(args.messages, "floor")
            producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
            for item in items:
                producer.send("floor-articles", key=item.key, value=item.value)
            producer.flush()
            producer.close()
            say(f"published {len(items):,} articles")
            for r in range(args.runs):
                for mode in MODES:
                    res = run_floor(mode, f"{mode}-{r}", bootstrap, len(items), Path(tmp))
                    results[mode].append(res)
                    say(
                        f"round {r + 1}: {MODES[mode]}: {res['messages'] / res['wall_s']:,.0f}/s, "
                        f"{res['cpu_s'] / res['messages'] * 1000:.3f} ms CPU per message"
                    )
        finally:
            cleanup.run()

    summary = []
    for mode, runs in results.items():
        summary.append(
            {
                "mode": mode,
                "name": MODES[mode],
                "per_s": round(statistics.median(r["messages"] / r["wall_s"] for r in runs), 1),
                "cpu_ms_per_message": round(
                    statistics.median(r["cpu_s"] / r["messages"] * 1000 for r in runs), 3
                ),
                "runs": runs,
            }
        )
        say(
            f"{MODES[mode]:<32} {summary[-1]['per_s']:>9,.0f}/s  "
            f"{summary[-1]['cpu_ms_per_message']:.3f} ms CPU/message (median of {len(runs)})"
        )
    write_results(args.out, "faust_floor.py", argv, {"messages": args.messages, "modes": summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())

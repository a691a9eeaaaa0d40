"""Train Frontline's English tagger, parser and lemmatizer from the UD treebanks (`make model`).

Offline and reproducible: the config and seed are in this folder, the treebanks in
`../shared/data/ud/` (or `FRONTLINE_UD_DIR`). The best model is copied into
`pipeline/data/parser/` and its test scores into `docs/parser.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BUILD = ROOT / ".frontline" / "parser-build"
TARGET = ROOT / "pipeline" / "data" / "parser"
TRAIN = ["en_ewt-ud-train.conllu", "en_gum-wikinews-ud-train.conllu"]
DEV = ["en_ewt-ud-dev.conllu", "en_gum-wikinews-ud-dev.conllu"]
TESTS = {"EWT test": "en_ewt-ud-test.conllu", "GUM Wikinews test": "en_gum-wikinews-ud-test.conllu"}


def ud_dir() -> Path:
    env = os.environ.get("FRONTLINE_UD_DIR")
    path = Path(env) if env else ROOT.parent / "shared" / "data" / "ud"
    if not (path / TRAIN[0]).exists():
        sys.exit(f"UD treebanks not found in {path} (set FRONTLINE_UD_DIR)")
    return path


def spacy_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "spacy", *args]


def convert(ud: Path, names: list[str], out: Path) -> Path:
    """Concatenate treebanks and convert them to one .spacy file (10 sentences per doc)."""
    out.mkdir(parents=True, exist_ok=True)
    joined = out / "joined.conllu"
    with joined.open("w", encoding="utf-8") as fh:
        for name in names:
            fh.write((ud / name).read_text(encoding="utf-8").rstrip("\n") + "\n\n")
    subprocess.run(
        spacy_cli("convert", str(joined), str(out), "-c", "conllu", "-n", "10"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    joined.unlink()
    return out / "joined.spacy"


def train(train_file: Path, dev_file: Path, minutes: float) -> Path:
    out = BUILD / "output"
    cmd = spacy_cli(
        "train",
        str(HERE / "config.cfg"),
        "--output",
        str(out),
        "--paths.train",
        str(train_file),
        "--paths.dev",
        str(dev_file),
        "--nlp.batch_size",
        "256",
    )
    proc = subprocess.Popen(cmd, env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + minutes * 60
    while proc.poll() is None:
        if time.monotonic() > deadline:
            # SIGINT, not SIGTERM: spaCy keeps model-best from its last evaluation either way,
            # and an interrupted run still exits cleanly.
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=120)
            break
        time.sleep(5)
    best = out / "model-best"
    if not best.exists():
        sys.exit("training produced no model-best")
    return best


def evaluate(model: Path, ud: Path) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for label, name in TESTS.items():
        test = convert(ud, [name], BUILD / "test" / name.removesuffix(".conllu"))
        result = BUILD / "test" / f"{name}.json"
        subprocess.run(
            spacy_cli("evaluate", str(model), str(test), "--output", str(result)),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        raw = json.loads(result.read_text())
        scores[label] = {
            "UAS": round(100 * raw["dep_uas"], 1),
            "LAS": round(100 * raw["dep_las"], 1),
            "XPOS": round(100 * raw["tag_acc"], 1),
            "lemma": round(100 * raw["lemma_acc"], 1),
            "sentence F": round(100 * raw["sents_f"], 1),
        }
    return scores


def install(best: Path, scores: dict[str, dict[str, float]]) -> None:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(best, TARGET)
    meta_path = TARGET / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(
        name="frontline_parser",
        version="1.0.0",
        license="CC BY-SA 4.0",
        description="Tagger, parser and lemmatizer trained on UD English EWT and "
        "GUM Wikinews documents by infra/parser/train.py.",
        test_scores=scores,
    )
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=40.0, help="training time cap")
    args = parser.parse_args()
    ud = ud_dir()
    train_file = convert(ud, TRAIN, BUILD / "train")
    dev_file = convert(ud, DEV, BUILD / "dev")
    best = train(train_file, dev_file, args.minutes)
    scores = evaluate(best, ud)
    install(best, scores)
    size = sum(f.stat().st_size for f in TARGET.rglob("*") if f.is_file()) / 1e6
    print(json.dumps({"scores": scores, "size_mb": round(size, 1)}, indent=2))


if __name__ == "__main__":
    main()

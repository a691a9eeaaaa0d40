"""`frontline eval` on a prediction file: the report, --split, --show and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.pipeline.test_evaluate import GOLD_ITEMS, PREDICTIONS, _write_jsonl


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    gold = _write_jsonl(tmp_path / "gold.jsonl", GOLD_ITEMS)
    pred = _write_jsonl(tmp_path / "pred.jsonl", PREDICTIONS)
    return str(gold), str(pred)


def test_eval_reports_split_and_show(files: tuple[str, str], capsys: pytest.CaptureFixture) -> None:
    gold, pred = files
    assert main(["eval", gold, "--predictions", pred, "--split", "--show"]) == 0
    out = capsys.readouterr()
    assert out.err == ""  # no progress outside a terminal
    lines = out.out.splitlines()
    assert "1 predicted events name articles not in the gold: not scored" in out.out
    overall = next(line.split() for line in lines if line.strip().startswith("overall"))
    assert overall[1:] == ["5", "1", "0", "0.833", "1.000", "0.909"]
    theatre_rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("  ")}
    assert theatre_rows["AFG+negatives"][:4] == ["3", "3", "1", "0"]
    assert theatre_rows["QQA"][:4] == ["1", "1", "0", "0"]
    assert "slot accuracy 0.750 (3/4)" in out.out
    assert any(line.split()[:2] == ["EXTRA", "withdrawal"] for line in lines)
    assert any("status: gold='announced' predicted='completed'" in line for line in lines)


def test_eval_json_has_every_section(files: tuple[str, str], capsys: pytest.CaptureFixture) -> None:
    gold, pred = files
    assert main(["eval", gold, "--predictions", pred, "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert (rep["tp"], rep["fp"], rep["fn"], rep["items"]) == (5, 1, 0, 5)
    assert set(rep["split"]) == {"AFG+negatives", "other theatres"}
    assert set(rep["theatres"]) == {"AFG", "NONE", "QQA", "RRB"}
    assert [e["item_id"] for e in rep["extras"]] == ["n1"]
    assert rep["misses"] == [] and rep["ignored_predictions"] == 1


def test_eval_missing_files_are_user_errors(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    gold, _ = files
    assert main(["eval", str(tmp_path / "nope.jsonl")]) == 2
    assert main(["eval", gold, "--predictions", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such predictions file" in capsys.readouterr().err

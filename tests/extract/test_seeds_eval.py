"""The two founding articles end to end, scored with the eval functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.eval_cmd import _predict
from pipeline.evaluate import evaluate_gold, load_gold

GOLD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seeds" / "seeds.gold.jsonl"


@pytest.mark.skipif(not GOLD.exists(), reason="shared seed gold not available")
def test_seeds_all_found_no_false_positives_all_slots_right() -> None:
    rep = evaluate_gold(load_gold(GOLD), _predict)
    assert rep.overall.fn == 0, rep.as_dict()["items"]
    assert rep.overall.fp == 0, rep.as_dict()["items"]
    assert rep.slot_accuracy == 1.0, rep.as_dict()["items"]

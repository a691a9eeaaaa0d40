"""The scorer's rules, pinned on small invented events, and its agreement with score.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluate import (
    AFG_GROUP,
    OTHER_GROUP,
    Report,
    match_item,
    names_agree,
    normalise_name,
    place_agrees,
    score_item,
    score_items,
    score_predictions,
    slot_results,
    unmatched_articles,
)
from tests.conftest import SHARED

REFERENCE = SHARED / "tools" / "score.py"
SEEDS_GOLD = SHARED / "data" / "seeds" / "seeds.gold.jsonl"


def _ev(**kw: Any) -> dict[str, Any]:
    """A withdrawal by USA from Afghanistan, with `kw` replacing any field."""
    base: dict[str, Any] = {
        "event_type": "withdrawal",
        "actor": {"code": "USA"},
        "location": {"name": "Afghanistan", "kind": "country", "country": "AFG"},
    }
    base.update(kw)
    return base


def _loc(**kw: Any) -> dict[str, Any]:
    return {"location": kw}


def _counts(rep: Report) -> tuple[int, int, int]:
    return rep.overall.tp, rep.overall.fp, rep.overall.fn


def _one(golds: Sequence[dict[str, Any]], preds: Sequence[dict[str, Any]]) -> Report:
    rep = Report()
    rep.add(score_item("x", golds, preds))
    return rep


# ----------------------------------------------------------------------------- matching


def test_optional_gold_events_are_matched_last_and_never_counted() -> None:
    # the optional event comes first in the gold, yet the required one gets the prediction
    rep = _one([_ev(optional=True), _ev()], [_ev()])
    assert _counts(rep) == (1, 0, 0)
    # a matched optional event uses up its prediction without scoring it
    assert _counts(_one([_ev(), _ev(optional=True)], [_ev(), _ev()])) == (1, 0, 0)
    # an unmatched optional event is no miss
    assert _counts(_one([_ev(optional=True, actor={"code": "GBR"})], [])) == (0, 0, 0)


def test_matching_is_greedy_first_unused_prediction() -> None:
    broad = _ev(location={"kind": "country", "country": "AFG"}, location_kind_also=["province"])
    region = _ev(location={"name": "the south", "kind": "region", "country": "AFG"})
    fits_both = _ev(location={"kind": "country", "country": "AFG"})
    fits_broad_only = _ev(location={"name": "Velmora", "kind": "province", "country": "AFG"})
    # gold order: `broad` takes the first prediction, `region` is left without one (a best
    # assignment would have matched both)
    m = match_item([broad, region], [fits_both, fits_broad_only])
    assert (m.pairs, m.misses, m.extras) == ([(0, 0)], [1], [1])
    assert match_item([broad, region], [fits_broad_only, fits_both]).pairs == [(0, 0), (1, 1)]


def test_actor_code_with_actor_also() -> None:
    gold = _ev(actor={"code": "COALITION"}, actor_also=["USA", "GBR"])
    assert match_item([gold], [_ev(actor={"code": "GBR"})]).pairs == [(0, 0)]
    assert match_item([gold], [_ev(actor={"code": "FRA"})]).pairs == []
    assert match_item([_ev()], [_ev(actor=None)]).pairs == []
    assert match_item([_ev(event_type="territorial_control")], [_ev()]).pairs == []


def test_pcodes_adm2_agrees_by_adm1_too() -> None:
    gold = _ev(**_loc(name="Tarsk", kind="district", country="AFG", adm1="ZZ07", adm2="ZZ0703"))
    same_district = _loc(name="Tarsk town", kind="city", adm1="ZZ07", adm2="ZZ0703")
    same_province = _loc(name="Greater Tarsk", kind="province", adm1="ZZ07")
    other_district = _loc(name="Tarsk", kind="district", adm1="ZZ08", adm2="ZZ0801")
    assert place_agrees(gold, _ev(**same_district))
    assert place_agrees(gold, _ev(**same_province))
    assert not place_agrees(gold, _ev(**other_district))  # the name does not rescue it
    province = _ev(**_loc(name="Orvan", kind="province", country="AFG", adm1="ZZ07"))
    assert place_agrees(province, _ev(**same_district))
    assert not place_agrees(province, _ev(**other_district))


def test_country_defaults_to_afg_and_country_also() -> None:
    gold = _ev(**_loc(kind="country"))  # no country: Afghanistan
    assert place_agrees(gold, _ev(**_loc(kind="country", country="AFG")))
    assert place_agrees(gold, _ev(**_loc(kind="country")))
    assert not place_agrees(gold, _ev(**_loc(kind="country", country="PAK")))
    # only an absent country defaults; an explicit null is a different country
    assert not place_agrees(gold, _ev(**_loc(kind="country", country=None)))
    border = _ev(**_loc(kind="region", country="AFG"), country_also=["PAK"])
    assert place_agrees(border, _ev(**_loc(kind="region", country="PAK")))


def test_kinds_broad_and_location_kind_also() -> None:
    share = _ev(**_loc(name="much of the country", kind="territory_share", country="QQA"))
    assert place_agrees(share, _ev(**_loc(name="the north", kind="region", country="QQA")))
    # a broad predicted kind with a P-code is a particular place, not a broad one
    assert not place_agrees(share, _ev(**_loc(kind="region", country="QQA", adm1="QQ01")))
    assert not place_agrees(share, _ev(**_loc(name="Velmora", kind="city", country="QQA")))
    town = _ev(**_loc(name="Velmora", kind="city", country="QQA"), location_kind_also=["district"])
    assert place_agrees(town, _ev(**_loc(name="Velmora", kind="district", country="QQA")))
    assert not place_agrees(town, _ev(**_loc(name="Velmora", kind="base", country="QQA")))
    # a description, not a proper name: the kind is enough
    posts = _ev(**_loc(name="several border posts", kind="base", country="QQA"))
    assert place_agrees(posts, _ev(**_loc(name="Kastrel Gate", kind="base", country="QQA")))
    named = _ev(**_loc(name="Kastrel Gate", kind="base", country="QQA"))
    assert not place_agrees(named, _ev(**_loc(name="Dunmoor Post", kind="base", country="QQA")))


def test_place_names_normalised_and_close_spellings() -> None:
    assert normalise_name("Al-Dhurayn Governorate") == "dhurayn"
    assert normalise_name("Ḱâsr el Tomb, the Old City") == "kasr tomb old"
    assert normalise_name("al_Mazar") == "al mazar"  # 'al' is a stop word only as a whole word

    def agree(gold_name: str, pred_name: str, **extra: Any) -> bool:
        gold = _ev(**_loc(name=gold_name, kind="city", country="QQA"), **extra)
        return names_agree(gold, _ev(**_loc(name=pred_name, kind="city", country="QQA")))

    assert agree("Velmora", "Velmorah")  # close spelling
    assert agree("Port Selvan", "Selvan")  # contained
    assert agree("Drevin Heights Camp", "the Heights of Drevin airfield")  # shared tokens
    assert agree("Ostrava Nova", "AL-OSTRAVA NOVA")
    assert not agree("Velmora", "Kastrel")
    assert not agree("Velmora", "")
    assert agree("Velmora", "Old Quarter", name_also=["the old quarter"])


# ----------------------------------------------------------------------------- slots


def test_slot_alternatives_numbers_and_prefix_dates() -> None:
    gold = _ev(
        status="ongoing",
        status_also=["completed"],
        troops=1200,
        deadline="2031-05",
        event_date="2030",
        claim_status="reported",
    )
    pred = _ev(
        status="completed",
        troops=1200.0,
        deadline="2031-05-20",
        event_date="2030-11-02",
        claim_status="confirmed",
    )
    assert slot_results(gold, pred) == {
        "status": True,
        "troops": True,
        "deadline": True,
        "claim_status": False,
        "event_date": True,
    }
    wrong = slot_results(gold, _ev(status="announced", deadline="2031-06-01", event_date=None))
    assert wrong["status"] is False and wrong["deadline"] is False
    assert wrong["event_date"] is False and wrong["troops"] is False
    assert slot_results(_ev(change="lost", change_also=["contested"]), _ev(change="contested")) == {
        "change": True
    }


def test_slot_accuracy_over_all_slots_of_matched_required_events() -> None:
    golds = [
        _ev(status="announced", troops=300),
        _ev(actor={"code": "GBR"}, status="completed"),  # missed: its slots are not scored
        _ev(actor={"code": "FRA"}, status="ongoing", optional=True),  # optional: neither
    ]
    preds = [
        _ev(status="announced", troops=250),
        _ev(actor={"code": "FRA"}, status="announced"),
    ]
    rep = _one(golds, preds)
    assert _counts(rep) == (1, 0, 1)
    assert (rep.slot_correct, rep.slot_total) == (1, 2)
    assert rep.slot_accuracy == 0.5
    assert rep.summary()["precision"] == 1.0 and rep.summary()["recall"] == 0.5


def test_rates_are_zero_without_a_denominator_and_per_type_counts() -> None:
    empty = _one([], [])
    assert empty.summary() == {
        "items": 1,
        "tp": 0,
        "fp": 0,
        "fn": 0,
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "slot_accuracy": 0.0,
    }
    held = _ev(event_type="territorial_control", actor={"code": "RIVERS"})
    rep = _one([_ev(), held], [_ev(), _ev(event_type="territorial_control")])
    assert rep.as_dict()["per_type"] == {
        "territorial_control": {
            "tp": 0,
            "fp": 1,
            "fn": 1,
            "precision": 0.0,
            "recall": 0.0,
            "f1": 0.0,
        },
        "withdrawal": {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0},
    }


# ----------------------------------------------------------------------------- theatres


def _item(item_id: str, events: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {"item_id": item_id, "text": "An invented article.", "events": events, **kw}


GOLD_ITEMS = [
    _item("a1", [_ev(), _ev(actor={"code": "GBR"}, status="announced")]),  # no theatre: AFG
    _item("a2", [_ev(status="completed", deadline="2031")], theatre="AFG"),
    _item("n1", [], theatre="NONE"),
    _item(
        "q1",
        [
            _ev(
                event_type="territorial_control",
                actor={"code": "NORTH-FRONT"},
                actor_also=["NF"],
                change="captured",
                **_loc(name="Velmora", kind="city", country="QQA"),
            ),
            _ev(actor={"code": "QQA-ARMY"}, optional=True, **_loc(kind="country", country="QQA")),
        ],
        theatre="QQA",
    ),
    _item(
        "r1",
        [_ev(**_loc(name="Kastrel", kind="district", country="RRB", adm1="RB01", adm2="RB0102"))],
        theatre="RRB",
    ),
]
PREDICTIONS = [
    {"article_id": "a1", **_ev()},
    {"article_id": "a1", **_ev(actor={"code": "GBR"}, status="completed")},
    {"article_id": "a2", **_ev(status="completed", deadline="2031-12-31")},
    {"article_id": "n1", **_ev(actor={"code": "USA"})},  # a false positive on a negative
    {
        "article_id": "q1",
        **_ev(
            event_type="territorial_control",
            actor={"code": "NF"},
            change="captured",
            **_loc(name="Velmorah", kind="city", country="QQA"),
        ),
    },
    {"article_id": "q1", **_ev(actor={"code": "QQA-ARMY"}, **_loc(kind="region", country="QQA"))},
    {"article_id": "r1", **_ev(**_loc(name="Orvan", kind="province", country="RRB", adm1="RB01"))},
    {"article_id": "zz", **_ev()},  # no such gold item: ignored
]


def test_split_by_theatre_groups_and_single_theatres() -> None:
    rep = score_predictions(GOLD_ITEMS, PREDICTIONS)
    assert _counts(rep) == (5, 1, 0)
    groups = {k: (len(v.items), *_counts(v)) for k, v in rep.by_group().items()}
    assert groups == {AFG_GROUP: (3, 3, 1, 0), OTHER_GROUP: (2, 2, 0, 0)}
    theatres = {k: (len(v.items), *_counts(v)) for k, v in rep.by_theatre().items()}
    assert theatres == {
        "AFG": (2, 3, 0, 0),
        "NONE": (1, 0, 1, 0),
        "QQA": (1, 1, 0, 0),
        "RRB": (1, 1, 0, 0),
    }
    assert rep.by_theatre()["AFG"].slot_accuracy == 2 / 3
    assert unmatched_articles(GOLD_ITEMS, PREDICTIONS) == 1
    # an explicit null theatre is not Afghanistan
    odd = score_items([_item("z", [], theatre=None)], lambda item: [])
    assert list(odd.by_group()) == [OTHER_GROUP]


# ----------------------------------------------------------------------------- reference


def _reference(gold: Path, pred: Path) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """score.py's JSON summary and its --split lines, parsed."""
    out = subprocess.run(
        [sys.executable, str(REFERENCE), str(gold), str(pred), "--json", "--split"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    split = {}
    for line in out[:-1]:
        name, figures = re.match(r"\s*(.+?)\s+(items=.*)$", line).groups()  # type: ignore[union-attr]
        split[name] = dict(kv.split("=") for kv in figures.split())
    return json.loads(out[-1]), split


def _assert_agree(gold: Path, pred: Path) -> None:
    from pipeline.evaluate import load_gold, load_predictions

    ref, ref_split = _reference(gold, pred)
    rep = score_predictions(load_gold(gold, require_text=False), load_predictions(pred))
    ours = rep.as_dict()
    for key in ("items", "tp", "fp", "fn", "precision", "recall", "f1", "slot_accuracy"):
        assert ours[key] == ref[key], key
    assert {k: {m: v[m] for m in ("tp", "fp", "fn")} for k, v in ours["per_type"].items()} == ref[
        "per_type"
    ]
    assert {k: f"{v['correct']}/{v['total']}" for k, v in ours["slots"].items()} == ref["slots"]
    assert set(ours["split"]) == set(ref_split)
    for name, figures in ours["split"].items():
        r = ref_split[name]
        assert figures["items"] == int(r["items"])
        for ours_key, ref_key in [("precision", "P"), ("recall", "R"), ("f1", "F1")]:
            assert figures[ours_key] == float(r[ref_key]), (name, ours_key)
        assert figures["slot_accuracy"] == float(r["slot_acc"])


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/tools/score.py not available")
def test_agrees_with_the_reference_scorer(tmp_path: Path) -> None:
    gold = _write_jsonl(tmp_path / "gold.jsonl", GOLD_ITEMS)
    pred = _write_jsonl(tmp_path / "pred.jsonl", PREDICTIONS)
    _assert_agree(gold, pred)


@pytest.mark.skipif(
    not (REFERENCE.exists() and SEEDS_GOLD.exists()), reason="shared scorer or seeds missing"
)
def test_agrees_with_the_reference_scorer_on_the_seeds(tmp_path: Path) -> None:
    from pipeline.cli.eval_cmd import _predict  # pipeline.extract.extract on each item
    from pipeline.evaluate import load_gold

    rows = []
    for item in load_gold(SEEDS_GOLD):
        # joined to the gold by article_id, whatever id the extractor gave the article
        rows += [{**ev, "article_id": item["item_id"]} for ev in _predict(item)]
    assert rows
    _assert_agree(SEEDS_GOLD, _write_jsonl(tmp_path / "pred.jsonl", rows))

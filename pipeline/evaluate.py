"""Pure scoring of predicted events against gold files (event contract v1).

A predicted event matches a gold event of the same ``event_type`` whose actor code agrees
(gold may list ``actor_also``) and whose place agrees: the same P-code when the gold has one
(adm2 if the gold has adm2, else adm1), else the same country and kind (gold may list
``location_kind_also``). Matching is one-to-one (maximum bipartite matching, then the best
slot agreement). Gold events marked ``optional`` are neither required nor false positives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SLOTS = ("status", "change", "troops", "deadline", "claim_status")


@dataclass
class SlotScore:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class ItemResult:
    item_id: str
    matched: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    slot_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    overall: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)
    slots: dict[str, SlotScore] = field(default_factory=lambda: {s: SlotScore() for s in SLOTS})
    items: list[ItemResult] = field(default_factory=list)

    @property
    def slot_accuracy(self) -> float | None:
        c = sum(s.correct for s in self.slots.values())
        t = sum(s.total for s in self.slots.values())
        return c / t if t else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "by_type": {k: v.as_dict() for k, v in sorted(self.by_type.items())},
            "slots": {
                k: {"correct": v.correct, "total": v.total, "accuracy": v.accuracy}
                for k, v in self.slots.items()
            },
            "slot_accuracy": self.slot_accuracy,
            "items": [
                {
                    "item_id": it.item_id,
                    "misses": [_brief(g) for g in it.misses],
                    "false_positives": [_brief(p) for p in it.false_positives],
                    "slot_errors": it.slot_errors,
                }
                for it in self.items
                if it.misses or it.false_positives or it.slot_errors
            ],
        }


def _brief(ev: Mapping[str, Any]) -> dict[str, Any]:
    loc = ev.get("location") or {}
    return {
        "event_type": ev.get("event_type"),
        "actor": (ev.get("actor") or {}).get("code"),
        "location": loc.get("name"),
        "kind": loc.get("kind"),
        "adm1": loc.get("adm1"),
        "adm2": loc.get("adm2"),
        "status": ev.get("status") or ev.get("change"),
    }


# ----------------------------------------------------------------------------- matching


def actor_agrees(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    code = (pred.get("actor") or {}).get("code")
    codes = {(gold.get("actor") or {}).get("code"), *(gold.get("actor_also") or [])}
    return code is not None and code in codes


def place_agrees(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    g = gold.get("location") or {}
    p = pred.get("location") or {}
    if not g:
        return not p
    if not p:
        return False
    if g.get("adm2"):
        return p.get("adm2") == g["adm2"]
    if g.get("adm1"):
        return p.get("adm1") == g["adm1"]
    kinds = {g.get("kind"), *(gold.get("location_kind_also") or [])}
    return p.get("country") == g.get("country") and p.get("kind") in kinds


def event_matches(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    return (
        pred.get("event_type") == gold.get("event_type")
        and actor_agrees(pred, gold)
        and place_agrees(pred, gold)
    )


def _date_agrees(pred: str | None, gold: str) -> bool:
    """Compare at gold's written precision: '2012-12' matches any day of Dec 2012."""
    if pred is None:
        return False
    return str(pred).startswith(str(gold))


def slot_results(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> dict[str, bool]:
    """Per scored slot (only those the gold specifies): does the prediction agree?"""
    out: dict[str, bool] = {}
    for slot in ("status", "change"):
        if gold.get(slot) is not None:
            ok = {gold[slot], *(gold.get(f"{slot}_also") or [])}
            out[slot] = pred.get(slot) in ok
    if gold.get("troops") is not None:
        out["troops"] = pred.get("troops") == gold["troops"]
    if gold.get("deadline") is not None:
        out["deadline"] = _date_agrees(pred.get("deadline"), gold["deadline"])
    if gold.get("claim_status") is not None:
        ok = {gold["claim_status"], *(gold.get("claim_status_also") or [])}
        out["claim_status"] = pred.get("claim_status") in ok
    return out


def _max_matching(edges: list[list[int]], n_right: int) -> list[int]:
    """Kuhn's augmenting-path bipartite matching; returns right->left assignment (-1 free)."""
    match_r = [-1] * n_right

    def try_left(u: int, seen: list[bool]) -> bool:
        for v in edges[u]:
            if not seen[v]:
                seen[v] = True
                if match_r[v] == -1 or try_left(match_r[v], seen):
                    match_r[v] = u
                    return True
        return False

    for u in range(len(edges)):
        try_left(u, [False] * n_right)
    return match_r


def match_item(
    preds: Sequence[Mapping[str, Any]], golds: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """One-to-one matching: (pairs (pred_idx, gold_idx), unmatched preds, unmatched golds).

    Required gold events are matched first so optional ones never steal a prediction.
    """

    def slot_score(pi: int, gi: int) -> int:
        return sum(slot_results(preds[pi], golds[gi]).values())

    required = [gi for gi, g in enumerate(golds) if not g.get("optional")]
    optional = [gi for gi, g in enumerate(golds) if g.get("optional")]
    pairs: list[tuple[int, int]] = []
    free_preds = list(range(len(preds)))
    for group in (required, optional):
        # order candidate edges by slot agreement so ties favour the better pairing
        edges = [
            sorted(
                [j for j, gi in enumerate(group) if event_matches(preds[pi], golds[gi])],
                key=lambda j, pi=pi: -slot_score(pi, group[j]),  # type: ignore[misc]
            )
            for pi in free_preds
        ]
        assign = _max_matching(edges, len(group))
        used = set()
        for j, u in enumerate(assign):
            if u >= 0:
                pairs.append((free_preds[u], group[j]))
                used.add(free_preds[u])
        free_preds = [p for p in free_preds if p not in used]
    matched_gold = {g for _, g in pairs}
    missed = [gi for gi in required if gi not in matched_gold]
    return pairs, free_preds, missed


def score(
    items: Iterable[tuple[str, Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]],
) -> Report:
    """Score (item_id, predictions, gold events) triples."""
    rep = Report()
    for item_id, preds, golds in items:
        res = ItemResult(item_id)
        pairs, fps, misses = match_item(preds, golds)
        for pi, gi in pairs:
            p, g = preds[pi], golds[gi]
            et = str(g.get("event_type"))
            counts = rep.by_type.setdefault(et, Counts())
            if not g.get("optional"):
                rep.overall.tp += 1
                counts.tp += 1
            res.matched.append((dict(p), dict(g)))
            for slot, ok in slot_results(p, g).items():
                rep.slots[slot].total += 1
                rep.slots[slot].correct += int(ok)
                if not ok:
                    gold_val = g.get(slot)
                    res.slot_errors.append(
                        {"slot": slot, "gold": gold_val, "predicted": p.get(slot), **_brief(g)}
                    )
        for pi in fps:
            et = str(preds[pi].get("event_type"))
            rep.overall.fp += 1
            rep.by_type.setdefault(et, Counts()).fp += 1
            res.false_positives.append(dict(preds[pi]))
        for gi in misses:
            et = str(golds[gi].get("event_type"))
            rep.overall.fn += 1
            rep.by_type.setdefault(et, Counts()).fn += 1
            res.misses.append(dict(golds[gi]))
        rep.items.append(res)
    return rep


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: invalid JSON: {exc}") from exc
            if not isinstance(obj, dict) or "text" not in obj:
                raise ValueError(f"{path}:{n}: expected an object with 'text'")
            out.append(obj)
    return out


def evaluate_gold(
    gold_items: Sequence[Mapping[str, Any]],
    predict: Callable[[Mapping[str, Any]], list[dict[str, Any]]],
) -> Report:
    """Run `predict` on each gold item and score it."""
    return score(
        (str(it.get("item_id", i)), predict(it), list(it.get("events") or []))
        for i, it in enumerate(gold_items)
    )


def format_report(rep: Report) -> str:
    lines = []
    o = rep.overall
    lines.append(
        f"events: P={o.precision:.3f} R={o.recall:.3f} F1={o.f1:.3f} "
        f"(tp={o.tp} fp={o.fp} fn={o.fn})"
    )
    for et, c in sorted(rep.by_type.items()):
        lines.append(
            f"  {et:<20} P={c.precision:.3f} R={c.recall:.3f} F1={c.f1:.3f} "
            f"(tp={c.tp} fp={c.fp} fn={c.fn})"
        )
    acc = rep.slot_accuracy
    lines.append("slot accuracy: " + (f"{acc:.3f}" if acc is not None else "n/a"))
    for name, s in rep.slots.items():
        if s.total:
            lines.append(f"  {name:<13} {s.correct}/{s.total} = {s.accuracy:.3f}")
    bad = [it for it in rep.items if it.misses or it.false_positives or it.slot_errors]
    if bad:
        lines.append("per item:")
    for it in bad:
        lines.append(f"  {it.item_id}")
        for g in it.misses:
            b = _brief(g)
            lines.append(
                f"    MISS {b['event_type']} {b['actor']} @ {b['location']} ({b['kind']}) "
                f"{b['status']}"
            )
        for p in it.false_positives:
            b = _brief(p)
            lines.append(
                f"    FP   {b['event_type']} {b['actor']} @ {b['location']} ({b['kind']}) "
                f"{b['status']}"
            )
        for e in it.slot_errors:
            lines.append(
                f"    SLOT {e['slot']}: gold={e['gold']} predicted={e['predicted']} "
                f"({e['event_type']} {e['actor']} @ {e['location']})"
            )
    return "\n".join(lines)

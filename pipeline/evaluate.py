"""Pure scoring of predicted events against gold files (event contract v1).

The rules are those of the independent reference scorer (``shared/tools/score.py``), so that
``frontline eval`` and that scorer report the same figures on the same predictions:

* Matching is greedy, per gold item: gold events in their order, optional ones last, each
  takes the first unused prediction that matches it.
* A prediction matches a gold event of the same ``event_type`` whose actor code agrees (gold
  may list ``actor_also``) and whose place agrees (:func:`place_agrees`).
* Optional gold events are neither required nor false positives: a matching prediction is
  used up and not counted.
* Slots (:data:`SLOTS`) are scored on matched required events, where the gold gives a value;
  gold may list accepted alternatives in ``<slot>_also``.
* Precision, recall, F1 and slot accuracy are 0.0 when their denominator is 0.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Event = Mapping[str, Any]

BROAD_KINDS = frozenset({"country", "region", "territory_share"})
"""Place kinds that name no particular spot: any two of them agree within a country."""

SLOTS = (
    "status",
    "change",
    "troops",
    "remaining_troops",
    "percent_complete",
    "deadline",
    "claim_status",
    "territory_share_percent",
    "event_date",
)
PREFIX_SLOTS = frozenset({"deadline", "event_date"})
"""Dates compared at the gold's written precision: gold '2012-12' accepts '2012-12-31'."""

DEFAULT_COUNTRY = "AFG"  # the contract's default when a place gives no country
DEFAULT_THEATRE = "AFG"  # gold items without `theatre` predate the other theatres
AFG_GROUP = "AFG+negatives"
OTHER_GROUP = "other theatres"

# Words that do not tell places apart ("al-Qaim" is "Qaim", "Kunduz Province" is "Kunduz").
_NAME_STOPWORDS = frozenset(
    {"al", "el", "ad", "as", "ar", "the", "of"}
    | {"city", "province", "governorate", "oblast", "region", "district", "town", "village"}
)
_NAME_SIMILARITY = 0.8  # difflib ratio for a close spelling (Falluja / Fallujah)
_NAME_TOKEN_OVERLAP = 0.5  # Jaccard of name tokens ("Camp Bastion" / "Bastion airfield")


# ----------------------------------------------------------------------------- matching


def actor_code(actor: Any) -> Any:
    """The actor's code, or None when the actor is missing or not an object."""
    return actor.get("code") if isinstance(actor, Mapping) else None


def _also(gold: Event, key: str) -> list[Any]:
    """A gold event's list of accepted alternatives (`<key>_also`); absent or null is none."""
    return list(gold.get(key) or [])


def normalise_name(name: str | None) -> str:
    """A place name reduced for comparison: ASCII, lower case, no stop words or punctuation."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    # Stop words are whole runs of word characters ("al" in "al-qaim" but not in "al_qaim"),
    # then runs are split on anything but letters and digits.
    runs = re.findall(r"\w+", ascii_name.lower())
    kept = " ".join(r for r in runs if r not in _NAME_STOPWORDS)
    return " ".join(re.findall(r"[a-z0-9]+", kept))


def _names_close(gold_name: str, pred_name: str) -> bool:
    """Two normalised, non-empty names: equal, one within the other, or close enough."""
    if gold_name in pred_name or pred_name in gold_name:
        return True
    if difflib.SequenceMatcher(None, gold_name, pred_name).ratio() >= _NAME_SIMILARITY:
        return True
    g_tokens, p_tokens = set(gold_name.split()), set(pred_name.split())
    return len(g_tokens & p_tokens) / len(g_tokens | p_tokens) >= _NAME_TOKEN_OVERLAP


def names_agree(gold: Event, pred: Event) -> bool:
    """Does the prediction's place name agree with the gold's name or one of `name_also`?"""
    pred_name = normalise_name((pred.get("location") or {}).get("name"))
    if not pred_name:
        return False
    candidates = [(gold.get("location") or {}).get("name"), *_also(gold, "name_also")]
    for candidate in candidates:
        gold_name = normalise_name(candidate)
        if gold_name and _names_close(gold_name, pred_name):
            return True
    return False


def place_agrees(gold: Event, pred: Event) -> bool:
    """Does the predicted place agree with the gold place?

    With a gold P-code: adm2 agrees by the same adm2 or, leniently, the same adm1; adm1 by
    the same adm1. Without one: the same country (`country_also`), then either both places
    broad (a broad gold kind, a broad predicted kind without adm1) or the predicted kind
    among the gold's (`location_kind_also`); a gold place with a proper name must then also
    agree by name, while a description ("several districts") needs only the kind.
    """
    g = gold.get("location") or {}
    p = pred.get("location") or {}
    if g.get("adm2"):
        return p.get("adm2") == g["adm2"] or bool(g.get("adm1") and p.get("adm1") == g["adm1"])
    if g.get("adm1"):
        return bool(p.get("adm1") == g["adm1"])
    # Only an absent country defaults: an explicit null stays null, as in the reference.
    countries = [g.get("country", DEFAULT_COUNTRY), *_also(gold, "country_also")]
    if p.get("country", DEFAULT_COUNTRY) not in countries:
        return False
    gold_kinds = {g.get("kind") or "country", *_also(gold, "location_kind_also")}
    pred_kind = p.get("kind") or "country"
    if gold_kinds & BROAD_KINDS and pred_kind in BROAD_KINDS and not p.get("adm1"):
        return True
    if pred_kind not in gold_kinds:
        return False
    gold_name = str(g.get("name") or "").strip()
    if pred_kind in BROAD_KINDS or not gold_name[:1].isupper():
        return True
    return names_agree(gold, pred)


def event_matches(gold: Event, pred: Event) -> bool:
    """Same event type, an accepted actor code (`actor_also`) and an agreeing place."""
    if gold.get("event_type") != pred.get("event_type"):
        return False
    codes = [actor_code(gold.get("actor")), *_also(gold, "actor_also")]
    if actor_code(pred.get("actor")) not in codes:
        return False
    return place_agrees(gold, pred)


def slot_agrees(slot: str, gold: Event, pred: Event) -> bool:
    """Does the prediction's value of `slot` agree with the gold's (or a `<slot>_also`)?"""
    gv, pv = gold.get(slot), pred.get(slot)
    if pv is not None and pv in _also(gold, f"{slot}_also"):
        return True
    if slot in PREFIX_SLOTS:
        return pv is not None and str(pv).startswith(str(gv))
    numbers = (int, float)
    if isinstance(gv, numbers) and isinstance(pv, numbers):
        return abs(gv - pv) < 1e-6
    return bool(gv == pv)


def slot_results(gold: Event, pred: Event) -> dict[str, bool]:
    """Per scored slot (those the gold gives a value for): does the prediction agree?"""
    return {s: slot_agrees(s, gold, pred) for s in SLOTS if gold.get(s) is not None}


@dataclass
class ItemMatch:
    """One item's matching: (gold index, prediction index) pairs, misses and extras."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    misses: list[int] = field(default_factory=list)  # required gold events left unmatched
    extras: list[int] = field(default_factory=list)  # predictions left unmatched


def match_item(golds: Sequence[Event], preds: Sequence[Event]) -> ItemMatch:
    """Greedy matching of one item: gold order, optional events last (stable), first fit.

    Pairs include those of optional gold events (they use up a prediction but score nothing).
    """
    order = sorted(range(len(golds)), key=lambda i: bool(golds[i].get("optional")))
    used = [False] * len(preds)
    out = ItemMatch()
    for gi in order:
        hit = next(
            (pi for pi, p in enumerate(preds) if not used[pi] and event_matches(golds[gi], p)),
            None,
        )
        if hit is None:
            if not golds[gi].get("optional"):
                out.misses.append(gi)
            continue
        used[hit] = True
        out.pairs.append((gi, hit))
    out.extras = [pi for pi in range(len(preds)) if not used[pi]]
    return out


# ----------------------------------------------------------------------------- results


@dataclass
class SlotScore:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


def _type_key(value: Any) -> str:
    # a prediction's event_type may be missing; JSON would name it "null" anyway
    return value if isinstance(value, str) else json.dumps(value)


def theatre_of(item: Mapping[str, Any]) -> str:
    """The gold item's theatre code; an absent one is Afghanistan."""
    value = item.get("theatre", DEFAULT_THEATRE)
    return value if isinstance(value, str) else json.dumps(value)


def theatre_group(theatre: str) -> str:
    """Afghanistan with the negatives (NONE), or the other theatres."""
    return AFG_GROUP if theatre in ("AFG", "NONE") else OTHER_GROUP


@dataclass
class ItemResult:
    """One gold item scored: its counts, slot tallies, and the events behind them."""

    item_id: str
    theatre: str = DEFAULT_THEATRE
    counts: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)
    slots: dict[str, SlotScore] = field(default_factory=dict)
    matched: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    slot_errors: list[dict[str, Any]] = field(default_factory=list)


def score_item(
    item_id: str, golds: Sequence[Event], preds: Sequence[Event], theatre: str = DEFAULT_THEATRE
) -> ItemResult:
    """Match and score one gold item's events against its predictions."""
    res = ItemResult(item_id, theatre)
    m = match_item(golds, preds)
    for gi, pi in m.pairs:
        g, p = golds[gi], preds[pi]
        if g.get("optional"):
            continue
        res.counts.tp += 1
        res.by_type.setdefault(_type_key(g.get("event_type")), Counts()).tp += 1
        res.matched.append((dict(p), dict(g)))
        for slot, ok in slot_results(g, p).items():
            tally = res.slots.setdefault(slot, SlotScore())
            tally.total += 1
            tally.correct += int(ok)
            if not ok:
                res.slot_errors.append(
                    {
                        "item_id": item_id,
                        "slot": slot,
                        "gold": g.get(slot),
                        "predicted": p.get(slot),
                    }
                    | _brief(g)
                )
    for gi in m.misses:
        res.counts.fn += 1
        res.by_type.setdefault(_type_key(golds[gi].get("event_type")), Counts()).fn += 1
        res.misses.append(dict(golds[gi]))
    for pi in m.extras:
        res.counts.fp += 1
        res.by_type.setdefault(_type_key(preds[pi].get("event_type")), Counts()).fp += 1
        res.false_positives.append(dict(preds[pi]))
    return res


@dataclass
class Report:
    """Scores of a set of gold items; every figure is a sum over :attr:`items`."""

    items: list[ItemResult] = field(default_factory=list)
    overall: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)
    slots: dict[str, SlotScore] = field(default_factory=dict)

    def add(self, res: ItemResult) -> None:
        self.items.append(res)
        self.overall.add(res.counts)
        for et, c in res.by_type.items():
            self.by_type.setdefault(et, Counts()).add(c)
        for name, s in res.slots.items():
            tally = self.slots.setdefault(name, SlotScore())
            tally.correct += s.correct
            tally.total += s.total

    @property
    def slot_correct(self) -> int:
        return sum(s.correct for s in self.slots.values())

    @property
    def slot_total(self) -> int:
        return sum(s.total for s in self.slots.values())

    @property
    def slot_accuracy(self) -> float:
        """Correct slots over all scored slots (0.0 when none was scored)."""
        return self.slot_correct / self.slot_total if self.slot_total else 0.0

    def _partition(self, key: Callable[[ItemResult], str]) -> dict[str, Report]:
        # every figure is a per-item sum, so a part's report equals scoring its items alone
        out: dict[str, Report] = {}
        for res in self.items:
            out.setdefault(key(res), Report()).add(res)
        return dict(sorted(out.items()))

    def by_group(self) -> dict[str, Report]:
        """AFG+negatives and the other theatres, as the reference scorer's --split."""
        return self._partition(lambda r: theatre_group(r.theatre))

    def by_theatre(self) -> dict[str, Report]:
        """One report per theatre code, codes in alphabetical order."""
        return self._partition(lambda r: r.theatre)

    def summary(self) -> dict[str, Any]:
        """Item count, counts and rounded rates, as the reference scorer prints them."""
        return {
            "items": len(self.items),
            **self.overall.as_dict(),
            "slot_accuracy": round(self.slot_accuracy, 3),
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything: summary, per type, per slot, per theatre, misses, extras, slot errors."""
        return {
            **self.summary(),
            "per_type": {k: v.as_dict() for k, v in sorted(self.by_type.items())},
            "slots": {
                k: {"correct": v.correct, "total": v.total, "accuracy": round(v.accuracy, 3)}
                for k, v in sorted(self.slots.items(), key=lambda kv: SLOTS.index(kv[0]))
            },
            "split": {k: v.summary() for k, v in self.by_group().items()},
            "theatres": {k: v.summary() for k, v in self.by_theatre().items()},
            "misses": [{"item_id": r.item_id, **_brief(g)} for r in self.items for g in r.misses],
            "extras": [
                {"item_id": r.item_id, **_brief(p)} for r in self.items for p in r.false_positives
            ],
            "slot_errors": [e for r in self.items for e in r.slot_errors],
        }


def _brief(ev: Event) -> dict[str, Any]:
    loc = ev.get("location") or {}
    return {
        "event_type": ev.get("event_type"),
        "actor": actor_code(ev.get("actor")),
        "location": loc.get("name"),
        "kind": loc.get("kind"),
        "adm1": loc.get("adm1"),
        "adm2": loc.get("adm2"),
        "note": ev.get("note"),
        "evidence": (ev.get("evidence") or {}).get("text"),
    }


# ----------------------------------------------------------------------------- scoring


def score_items(
    gold_items: Sequence[Mapping[str, Any]],
    predict: Callable[[Mapping[str, Any]], Sequence[Event]],
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Score each gold item against `predict(item)`; `progress(done, total)` after each."""
    rep = Report()
    for n, item in enumerate(gold_items, 1):
        rep.add(
            score_item(
                str(item.get("item_id", n - 1)),
                list(item.get("events") or []),
                list(predict(item)),
                theatre_of(item),
            )
        )
        if progress is not None:
            progress(n, len(gold_items))
    return rep


def evaluate_gold(
    gold_items: Sequence[Mapping[str, Any]],
    predict: Callable[[Mapping[str, Any]], list[dict[str, Any]]],
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run the extractor (`predict`) on each gold item and score it."""
    return score_items(gold_items, predict, progress)


def score_predictions(
    gold_items: Sequence[Mapping[str, Any]], predictions: Iterable[Event]
) -> Report:
    """Score predicted events, joined to gold items by ``article_id == item_id``.

    Predictions for articles that are not in the gold are ignored, as by the reference.
    """
    by_article: dict[str, list[Event]] = {}
    for p in predictions:
        by_article.setdefault(json.dumps(p.get("article_id")), []).append(p)

    def lookup(item: Mapping[str, Any]) -> list[Event]:
        # keyed by the JSON text so that ids compare as the raw values do (1 != "1")
        item_id = item.get("item_id")
        return by_article.get(json.dumps(item_id), []) if item_id is not None else []

    return score_items(gold_items, lookup)


def unmatched_articles(
    gold_items: Sequence[Mapping[str, Any]], predictions: Iterable[Event]
) -> int:
    """How many predictions name an article that no gold item has (they are not scored)."""
    ids = {json.dumps(it.get("item_id")) for it in gold_items if it.get("item_id") is not None}
    return sum(1 for p in predictions if json.dumps(p.get("article_id")) not in ids)


def _load_jsonl(path: str | Path, what: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: invalid JSON: {exc}") from exc
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{n}: expected {what} object")
            out.append(obj)
    return out


def load_gold(path: str | Path, require_text: bool = True) -> list[dict[str, Any]]:
    """Gold items, one JSON object a line; `text` is needed only to run the extractor."""
    items = _load_jsonl(path, "a gold item")
    for n, obj in enumerate(items, 1):
        if require_text and "text" not in obj:
            raise ValueError(f"{path}: item {n}: expected an object with 'text'")
        if not isinstance(obj.get("events", []), list):
            raise ValueError(f"{path}: item {n}: 'events' must be a list")
    return items


def load_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Predicted events, one JSON object a line (``frontline extract`` output)."""
    return _load_jsonl(path, "an event")


# ----------------------------------------------------------------------------- text report


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows under a header: first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _rates(c: Counts) -> list[str]:
    return [str(c.tp), str(c.fp), str(c.fn), f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"]


def _clip(text: Any, n: int = 80) -> str:
    return " ".join(str(text or "").split())[:n]


def format_split(rep: Report) -> list[str]:
    """Per theatre group (as the reference's --split) and per theatre code."""
    header = ["theatre", "items", "tp", "fp", "fn", "P", "R", "F1", "slot acc"]
    groups, theatres = rep.by_group(), rep.by_theatre()
    rows = [
        [name, str(len(sub.items)), *_rates(sub.overall), f"{sub.slot_accuracy:.3f}"]
        for name, sub in [*groups.items(), *theatres.items()]
    ]
    lines = _table(header, rows)
    lines.insert(1 + len(groups), "")  # the groups above, the single theatres below
    return lines


def _what(b: Mapping[str, Any], label: str) -> list[str]:
    return [label, str(b["event_type"]), str(b["actor"]), str(b["location"])]


def format_show(rep: Report) -> list[str]:
    """Misses, extras (false positives) and wrong slots, grouped by item in gold order."""
    lines: list[str] = []
    for it in rep.items:
        rows: list[list[str]] = []
        for g in it.misses:
            b = _brief(g)
            rows.append([*_what(b, "MISS"), _clip(b["note"])])
        for p in it.false_positives:
            b = _brief(p)
            rows.append([*_what(b, "EXTRA"), _clip(b["evidence"])])
        for e in it.slot_errors:
            wrong = f"{e['slot']}: gold={e['gold']!r} predicted={e['predicted']!r}"
            rows.append([*_what(e, "SLOT"), wrong])
        if not rows:
            continue
        lines.append(f"  {it.item_id}")
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            cells = [c.ljust(w) for c, w in zip(r[:4], widths, strict=True)]
            lines.append(("    " + "  ".join([*cells, r[4]])).rstrip())
    return lines


def format_report(rep: Report, split: bool = False, show: bool = False) -> str:
    """The report for a reader: events overall and per type, slots, then optional sections."""
    lines = ["events"]
    rows = [["overall", *_rates(rep.overall)]]
    rows += [[et, *_rates(c)] for et, c in sorted(rep.by_type.items())]
    lines += _table(["", "tp", "fp", "fn", "P", "R", "F1"], rows)
    lines.append("")
    lines.append(f"slot accuracy {rep.slot_accuracy:.3f} ({rep.slot_correct}/{rep.slot_total})")
    slot_rows = [
        [name, f"{s.correct}/{s.total}", f"{s.accuracy:.3f}"]
        for name in SLOTS
        if (s := rep.slots.get(name)) is not None and s.total
    ]
    if slot_rows:
        lines += _table(["slot", "right", "acc"], slot_rows)
    if split:
        lines += ["", "by theatre"]
        lines += format_split(rep)
    if show:
        shown = format_show(rep)
        misses = sum(len(it.misses) for it in rep.items)
        extras = sum(len(it.false_positives) for it in rep.items)
        wrong = sum(len(it.slot_errors) for it in rep.items)
        lines += ["", f"misses {misses}, extras {extras}, wrong slots {wrong}"]
        lines += shown
    return "\n".join(lines)

"""Rule engine: sentences -> candidate events -> merged events."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from pipeline.extract import syntax
from pipeline.extract.dates import DateExpr, find_dateline, find_dates, weekday_anchors
from pipeline.extract.gazetteer import national_capitals
from pipeline.extract.mentions import ActorMention, PlaceMention, complete_scan, scan_names
from pipeline.extract.resources import (
    ActorEntry,
    PlaceEntry,
    hoist_boundaries,
    knowledge,
    norm_key,
)
from pipeline.extract.text import (
    find_numbers,
    lower_same_length,
    parse_number,
    split_sentences,
)
from schemas import Article, TerritorialControlEvent, WithdrawalEvent
from schemas.common import CLAIM_STRENGTH, Actor, ClaimStatus, Evidence, Place

STATUS_RANK = {"announced": 0, "ongoing": 1, "completed": 2}
# shares of territory said in words, as percentages
FRACTIONS = {
    "half": 50.0, "a third": 33.0, "one third": 33.0, "one-third": 33.0, "two-thirds": 67.0,
    "two thirds": 67.0, "a quarter": 25.0, "one quarter": 25.0, "three-quarters": 75.0,
    "three quarters": 75.0,
}  # fmt: skip
KIND_RANK = {
    "border_crossing": 7, "base": 6, "city": 5, "district": 4, "province": 3, "region": 2,
    "territory_share": 1, "country": 0,
}  # fmt: skip


@lru_cache(maxsize=1)
def P() -> dict[str, re.Pattern[str]]:
    lx = knowledge().lexicon
    i = re.IGNORECASE

    def c(p: str, flags: int = i) -> re.Pattern[str]:
        return re.compile(p, flags)

    trig = (
        r"\b(?:(?P<wv>" + lx["withdrawal_verbs"] + r")|(?P<wn>" + lx["withdrawal_nouns"] + r")"
        r"|(?P<gp>" + lx["gain_passive_by"] + r")|(?P<gt>" + lx["gain_passive_to"] + r")"
        r"|(?P<ho>" + lx["handover_triggers"] + r")"
        r"|(?P<hp>" + lx["hold_passive_by"] + r")"
        r"|(?P<gn>" + lx["gain_nominal"] + r")"
        r"|(?P<ga>" + lx["gain_active"] + r")"
        r"|(?P<ha>" + lx["hold_active"] + "|" + lx["hold_adjectival"] + ")"
        r"|(?P<ct>" + lx["contest_triggers"] + r")"
        r"|(?P<gb>" + lx["gain_bare"] + r")"
        r"|(?P<gl>" + lx["loss_to"] + r")"
        r")\b"
    )
    return {
        "trig": c(trig),
        # the pre-filter is the trigger pattern itself: no second list to keep in step
        "any": c(trig),
        "clause": c(
            r";|,\s+(?=(?:which|who|while|raising|after|before|amid|following|making|bringing|"
            r"according|but|although|though|where|when|whereas|as|leaving|keeping|opening|paving"
            r"|giving|dealing|marking|prompting|forcing|sending|killing|cutting)\b)"
            r"|\s(?=(?:as|amid|while|after"
            r"|when|but|because|although|whereas|following|before|during)\s)|:\s"
        ),
        "mil": c(r"\b(?:" + lx["military_nouns"] + r")\b"),
        # "ordered the families of its personnel to": whom a side tells to act (lower-case)
        "told_to": c(
            r"\b(?:" + lx["control_verbs"] + r")\s+(?:the\s+|its\s+|their\s+|all\s+)?"
            r"(?:[\w.-]+\s+)??(?P<head>[\w-]+)\b[^;]{0,50}?\bto\s+(?:\w+\s+)?$"
        ),
        "nonmil": c(r"\b(?:" + lx["non_military_nouns"] + r")\b"),
        # a non-military noun heading a short noun phrase: "the U.S. embassy", "its consulate"
        "nonmil_np": c(r"(?:[\w.'’-]+\s+){0,2}?(?:" + lx["non_military_nouns"] + r")\b"),
        "announce": c(hoist_boundaries(lx["announce_cues"])),
        "ongoing": c(hoist_boundaries(lx["ongoing_cues"])),
        "completed": c(hoist_boundaries(lx["completed_cues"])),
        "hypo": c(hoist_boundaries(lx["hypothetical_cues"])),
        "commentary": c(hoist_boundaries(lx["commentary_cues"])),
        "neg": c(hoist_boundaries(lx["negation_cues"])),
        "intent": c(lx["intent_cues"]),
        "person": c(
            r"^\W*(?:(?:the|a|an|us|u\.s\.|former|then)\s+)?(?:[\w.\-]+\s+){0,2}?(?:"
            + lx["person_subjects"]
            + r")\b(?!\s+(?:troops|forces|soldiers))"
        ),
        "last_mil": c(r"\blast\s+(?:[\w.\-]+\s+){0,3}?(?:" + lx["military_nouns"] + r")\b"),
        # "left office", "left behind", "left alone", "on leave": not troops leaving
        "left_bad": c(r"\s*(?:\w+\s+)?(?:" + lx["leave_not_withdrawal"] + r")\b"),
        "leave_noun": c(r"\b(?:" + lx["leave_noun_before"] + r")\s+$"),
        "hedge": c(r"\b(?:" + lx["hedges"] + r")\b"),
        "claimv": c(r"\b(?:" + lx["claim_verbs"] + r")\b"),
        # "according to a photo showing ...": the people shown do not speak
        "shown_by": c(r"\b(?:" + lx["visual_sources"] + r")\b"),
        # "claimed responsibility", "claimed the attack": a deed, not ground
        "claimed_deed": c(
            r"\s+(?:(?:the|a|an|this|that)\s+)?(?:[\w-]+\s+)?(?:" + lx["claimed_deeds"] + r")\b"
        ),
        "confirm": c(r"\b(?:" + lx["confirm_cues"] + r")\b"),
        "say": c(r"\b(?:" + lx["say_verbs"] + r")\b"),
        "causal": c(r"\b(?:" + lx["causal_cues"] + r")\b"),
        "auxiliary": c(r"\b(?:" + lx["auxiliary_cues"] + r")\s+(?:[\w,.\-]+\s+){0,3}?$"),
        "official": c(r"\b(?:" + lx["official_roles"] + r")\b"),
        "partial": c(lx["partial_cues"]),
        "remain": c(
            r"\s+(?:\w+\s+){0,2}?(?:will\s+|to\s+|would\s+)?(?:" + lx["remain_verbs"] + r")\b"
        ),
        # "cut to 5,500", "reduce troop levels to about 8,600": the number is what stays
        "reduce_to": c(
            r"\b(?:" + lx["reduce_to_cues"] + r")\b[^;]{0,40}?\bto\s+"
            r"(?:about |around |roughly |some |nearly |just |fewer than |under |approximately )?$"
        ),
        # "leaving about 650", "keep 9,800 troops", "a residual force of 200"
        "keep_before": c(
            r"\b(?:" + lx["keep_cues"] + r")\s+(?:about |around |roughly |some |nearly |just "
            r"|fewer than |approximately |up to |at least )?$"
        ),
        "troop_after": c(
            r"(?:\s+(?:more|additional|extra|remaining|of (?:its|their|the)|[A-Z][\w.]*|combat|"
            r"foreign|american|british|french|us|u\.s\.|nato|coalition|international|ground|regular)){0,3}"
            r"\s+(?:troops|soldiers|servicem[ae]n|service members|personnel|marines|paratroopers|"
            r"military personnel|combat troops|forces)\b"
        ),
        "strong": c(r"-strong"),
        "share": c(
            r"(?:(?P<num>\d{1,3}(?:\.\d+)?)\s?(?:%|percent|per cent)|(?P<frac>"
            + "|".join(FRACTIONS)
            + r"))\s+of\s+(?:the\s+)?(?:(?P<adj>[A-Z]\w+)\s+)?(?:territory|country|land|districts)",
            0,
        ),
        "count": c(
            r"\b(?P<n>\w+)\s+(?:out\s+)?of\s+(?:the\s+)?(?P<total>\w+)\s+(?:[A-Z]\w+\s+)?"
            r"(?:districts|provinces|provincial capitals)\b|\b(?P<n2>\d+|two|three|four|five|six"
            r"|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty)\s+(?:more\s+)?(?:[A-Z]\w+\s+)?"
            r"(?:districts|provinces|provincial capitals)\b"
        ),
        "vague": c(
            r"\b(?:(?:" + lx["vague_quantifiers"] + r")\s+){0,2}"
            r"(?:(?:" + lx["vague_modifiers"] + r")\s+){0,2}"
            r"(?P<head>" + lx["facility_nouns"] + "|" + lx["vague_heads"] + r")\b"
        ),
        "anchor_region": c(
            r"\s+(?:in\s+)?(?:the\s+)?(?:provinces?|districts?|areas?)?\s*(?:"
            + lx["relation_words"]
            + r")\s+(?:the\s+)?(?:capital\s+)?"
        ),
        "from_indef": c(
            r"\bfrom\s+(?:a|an|the)\s+(?:[\w\-]+\s+){0,2}?(?P<kind>province|district|base)\b"
        ),
        "pronoun_it": c(r"\s+(?:it|them)\b"),
        "by_actor": c(r"\s+(?:by\s+)?"),
        "led_by": c(
            r"(?:led|backed|supported|trained|funded|joined|accompanied) by\s+(?:the\s+)?$"
        ),
        "to_before": c(r"(?:\bto|\binto|\btowards|\bhome to)\s+(?:the\s+)?$"),
        "border_before": c(r"\bborder\b"),
        "province_word": c(r"\bprovinces?\b(?!\s*capital)"),
        "future_will": c(r"\bwill now\b|\bnow\b"),
    }


_INLINE_NAME = re.compile(r"\(\?P<\w+>|\\[A-Za-z]")


@lru_cache(maxsize=1)
def PL() -> dict[str, re.Pattern[str]]:
    """P()'s case-insensitive patterns whose literals are lower-case, compiled without
    re.IGNORECASE for use on lower-cased text (several times faster)."""
    out: dict[str, re.Pattern[str]] = {}
    for name, pat in P().items():
        literal = _INLINE_NAME.sub("", pat.pattern)
        if pat.flags & re.IGNORECASE and literal == literal.lower():
            out[name] = re.compile(pat.pattern)
    return out


@dataclass
class Ctx:
    body: str
    ref: date
    basis: str
    sents: list[tuple[int, int]]
    actors: list[list[ActorMention]]
    places: list[list[PlaceMention]]
    anchors: dict[int, date]
    host: str
    in_theatre: bool
    province_counts: dict[str, int] = field(default_factory=dict)
    date_cache: dict[int, list[DateExpr]] = field(default_factory=dict)
    adm1_in_article: set[str] = field(default_factory=set)
    completed: set[int] = field(default_factory=set)
    ref_known: bool = True  # False: no reference day; relative dates are not resolved
    theatre: dict[str, Any] = field(default_factory=dict)  # theatres.json entry of the host
    host_ranking: list[str] = field(default_factory=list)  # theatres named, most first
    dateline_end: int = 0  # "MOSUL, Iraq (Reuters) —": where the story is filed, not an event
    countries_named: set[str] = field(default_factory=set)
    docs: dict[str, Any] = field(default_factory=dict)  # the trigger sentences' parses
    foreign_capitals: set[tuple[int, int]] = field(default_factory=set)
    # `low` is the body lower-cased, offsets kept; `lp` the case-insensitive patterns
    # compiled for it (PL()).
    low: str = ""
    sent_ends: list[int] = field(default_factory=list)
    clause_cache: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    count_cache: dict[int, int | None] = field(default_factory=dict)
    usable_cache: dict[int, bool] = field(default_factory=dict)
    place_cache: dict[tuple[int, str], Place] = field(default_factory=dict)
    resolved: dict[int, tuple[PlaceEntry, str] | None] = field(default_factory=dict)
    insurgent_cache: dict[int, ActorEntry | None] = field(default_factory=dict)
    number_cache: dict[int, list[tuple[int, int, int | float]]] = field(default_factory=dict)
    speaker_cache: dict[int, tuple[ActorEntry | None, bool, bool, bool, bool]] = field(
        default_factory=dict
    )
    lp: dict[str, re.Pattern[str]] = field(default_factory=dict)
    title: str | None = None
    # the lede's explicit day, when the story is told (computed on first use: [] = not yet)
    narrative_memo: list[date | None] = field(default_factory=list)

    def narrative(self) -> date | None:
        if not self.narrative_memo:
            self.narrative_memo.append(_narrative_date(self, self.title))
        return self.narrative_memo[0]

    def ensure(self, si: int) -> None:
        """Complete sentence `si`'s mentions (generic actors, place qualifiers) on first use:
        sentences far from any trigger never pay for it."""
        if si not in self.completed:
            self.completed.add(si)
            a, b = self.sents[si]
            complete_scan(self.body, a, b, self.actors[si], self.places[si])


@dataclass
class Cand:
    etype: str
    actor: ActorEntry | None
    generic: str | None
    place: Place | None
    sent_idx: int
    start: int
    end: int
    status: str | None = None
    change: str | None = None
    troops: int | None = None
    remaining: int | None = None
    percent: float | None = None
    deadline: DateExpr | None = None
    event_date: DateExpr | None = None
    default_date: bool = False
    claim: str = "reported"
    claimant: ActorEntry | None = None
    counter: ActorEntry | None = None
    share: float | None = None
    count: int | None = None
    partial: bool = False
    explicit_place: bool = True
    vague: bool = False
    listed: bool = False  # one of several places left, named in one list
    scope: str | None = None  # a country's or province's control: "whole" or "part"
    said_now: bool = False  # an announcement made as the article is written ("Paris has said")
    present: bool = False  # the trigger's clause is in the present tense / progressive

    def score(self) -> int:
        slots = [self.troops, self.remaining, self.percent, self.deadline, self.share, self.count]
        return sum(x is not None for x in slots) + (1 if self.explicit_place else 0)


# ----------------------------------------------------------------------------- helpers


def _roles(ctx: Ctx, si: int, pos: int) -> syntax.Roles | None:
    """The parse's reading of the trigger at body offset ``pos`` (None without a model)."""
    a, b = ctx.sents[si]
    return syntax.sentence_roles(ctx.body[a:b], a, pos, ctx.docs)


def _is_verb_at(ctx: Ctx, si: int, pos: int) -> bool:
    """Is the word at body offset ``pos`` a verb in the parse? (False without a model.)"""
    a, b = ctx.sents[si]
    doc = ctx.docs.get(ctx.body[a:b]) or syntax.parse(ctx.body[a:b])
    if doc is None:
        return False
    tok = syntax.token_at(doc, pos - a)
    return tok is not None and tok.tag_.startswith("VB")


def _in_span(x: ActorMention, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= x.start < span[1]


_LOCATIVE_BEFORE = re.compile(r"\b(?:in|inside|across|near|around)\s+(?:the\s+)?$")


def _agent_mentions(
    roles: syntax.Roles | None, mentions: list[ActorMention], body: str | None = None
) -> list[ActorMention] | None:
    """The actor mentions inside the parse's agent phrase, the head's first; None when the
    parse names no agent (the caller keeps its own reading)."""
    if roles is None or roles.agent is None:
        return None
    inside = [x for x in mentions if _in_span(x, roles.agent)]
    if body is not None:
        # "al-Qaeda's affiliate in Iraq": a place inside the doer's phrase is not the doer
        inside = [
            x for x in inside if not _LOCATIVE_BEFORE.search(body, max(0, x.start - 12), x.start)
        ]
    head = roles.agent_head
    if head is not None:
        inside.sort(key=lambda x: not (x.start < head[1] and head[0] < x.end))
    return inside


def _place_from_entry(e: PlaceEntry, kind: str | None = None, name: str | None = None) -> Place:
    k = knowledge()
    kind = kind or e.kind
    adm1, adm2 = e.adm1, e.adm2
    if kind == "province":
        adm2 = None
        prov = k.provinces.get(adm1 or "") or k.subdivisions.get(e.iso_adm1 or "")
        if prov is not None and e.kind != "province":
            e = prov
    return Place(
        name=(name or e.name)[:300],
        kind=kind,  # type: ignore[arg-type,unused-ignore]
        country=e.country,
        adm1=adm1,
        adm2=adm2,
        lat=e.lat,
        lon=e.lon,
        place_id=e.place_id if (kind == e.kind or kind in ("city", "district")) else None,
    )


def _place_of(ctx: Ctx, e: PlaceEntry, kind: str) -> Place:
    """_place_from_entry, built once per article for each (place, kind)."""
    key = (id(e), kind)
    pl = ctx.place_cache.get(key)
    if pl is None:
        pl = _place_from_entry(e, kind)
        ctx.place_cache[key] = pl
    return pl


def _resolve_place(ctx: Ctx, pm: PlaceMention, si: int) -> tuple[PlaceEntry, str] | None:
    """Choose one gazetteer entry and a kind for a mention (once per mention)."""
    key = id(pm)
    if key not in ctx.resolved:
        ctx.resolved[key] = _resolve_place_uncached(ctx, pm, si)
    return ctx.resolved[key]


def _resolve_place_uncached(ctx: Ctx, pm: PlaceMention, si: int) -> tuple[PlaceEntry, str] | None:
    """Choose one gazetteer entry and a kind for a mention (disambiguation by nearby province)."""
    k = knowledge()
    # a small town of a country the article never names is a namesake, not the place
    entries = [e for e in pm.entries if _in_context(ctx, e)]
    if not entries:
        return None
    if entries[0].country is None:
        # a settlement only the text names ("the town of X"): in the article's theatre
        if not ctx.in_theatre:
            return None
        e0 = entries[0]
        return PlaceEntry(name=e0.name, kind=e0.kind, country=ctx.host), e0.kind
    if len(entries) > 1:
        sent_adm1 = {
            e.adm1 for p in ctx.places[si] if p is not pm for e in p.entries if e.kind == "province"
        }
        pref = [e for e in entries if e.adm1 in sent_adm1] or [
            e for e in entries if e.adm1 in ctx.adm1_in_article and e.kind != "province"
        ]
        if pref and len({e.adm1 for e in entries}) > 1:
            entries = pref
    provs = [e for e in entries if e.kind == "province"]
    caps = [e for e in entries if e.kind == "district" and e.is_capital]
    sites = [e for e in entries if e.kind in ("base", "border_crossing", "country")]
    if (
        pm.hint in ("base", "border_crossing")
        and entries[0].kind != "country"  # "a U.S. airbase" names its owner, not a place
        and not [e for e in sites if e.kind == pm.hint]
    ):
        return _facility(entries[0], pm), pm.hint
    if sites:
        return sites[0], sites[0].kind
    a, b = ctx.sents[si]
    sent = ctx.low[a:b]
    if pm.hint == "province" and provs:
        return provs[0], "province"
    if pm.hint == "province":
        d = entries[0]
        if d.adm1 and d.adm1 in k.provinces:
            return k.provinces[d.adm1], "province"
        if d.adm1 is None and d.kind in ("city", "region"):
            return d, "province"  # "the Donetsk region" of a theatre without P-codes
    if provs and not caps:
        # the province's capital may share its name ("Kandahar"): decide from context
        cap = k.capital_of.get(provs[0].adm1 or "")
        if cap is not None and pm.hint == "city":
            return cap, "city"
        if (
            cap is not None
            and norm(cap.name) == norm(provs[0].name)
            and not PL()["province_word"].search(sent)
            and pm.hint != "province"
        ):
            return cap, "city"
        return provs[0], "province"
    if caps:
        if provs and (
            pm.hint == "province" or (pm.hint != "city" and PL()["province_word"].search(sent))
        ):
            return provs[0], "province"
        return caps[0], "city"
    d = entries[0]
    if d.kind == "district":
        return d, "city" if pm.hint == "city" and d.is_capital else "district"
    return d, d.kind


def _facility(town: PlaceEntry, pm: PlaceMention) -> PlaceEntry:
    """A base or crossing named after a town ("Tabqa airfield"): where the town is, with an
    identifier of its own."""
    slug = re.sub(r"[^a-z0-9]+", "-", pm.text.lower()).strip("-")[:80] or "facility"
    return PlaceEntry(
        name=pm.text,
        kind=pm.hint or "base",
        country=town.country,
        adm1=town.adm1,
        adm2=town.adm2,
        lat=town.lat,
        lon=town.lon,
        place_id=f"frontline:{(town.country or 'xxx').lower()}:{slug}",
        iso_adm1=town.iso_adm1,
    )


_PROMINENT_POPULATION = 1_000_000


def _in_context(ctx: Ctx, e: PlaceEntry) -> bool:
    """Can this gazetteer entry be meant here? Its country is named in the article (a place,
    a state, its forces, a group of its war), or it is a P-coded, curated or major place."""
    if e.country is None or e.country in ctx.countries_named or e.kind == "country":
        return True
    if e.adm1 or e.curated or (e.place_id or "").startswith("frontline:"):
        return True
    return e.population >= _PROMINENT_POPULATION


def norm(s: str) -> str:
    return re.sub(r"[^a-z]", "", s.lower())


def _clause_bounds(ctx: Ctx, si: int, pos: int) -> tuple[int, int]:
    a, b = ctx.sents[si]
    cs, ce = a, b
    spans = ctx.clause_cache.get(si)
    if spans is None:
        spans = [(m.start(), m.end()) for m in ctx.lp["clause"].finditer(ctx.low, a, b)]
        ctx.clause_cache[si] = spans
    for m_start, m_end in spans:
        if m_end <= pos:
            cs = m_end
        elif m_start >= pos:
            ce = m_start
            break
    return cs, ce


def _resolve_actor(ctx: Ctx, am: ActorMention) -> ActorEntry | None:
    k = knowledge()
    if am.actor is not None:
        a = am.actor
        mapped = ctx.theatre.get("actor_map", {}).get(a.code) if ctx.in_theatre else None
        if mapped in k.actor_by_code:
            return k.actor_by_code[mapped]  # al-Qaeda in Yemen is AQAP
        if a.kind == "state_forces" and ctx.in_theatre and _side(a.code) != ctx.host:
            # a state's forces abroad are the state itself ("Chadian troops" in Nigeria)
            return k.actor_by_code.get(_side(a.code), a)
        return a
    if am.generic == "insurgent":
        # the most recent armed group mentioned before, else the theatre's insurgent
        if am.start in ctx.insurgent_cache:
            return ctx.insurgent_cache[am.start]
        if am.country is not None:
            # "Syrian rebels": the theatre's rebels when it is their country, else unnamed ones
            here = ctx.in_theatre and am.country == ctx.host
            ctx.insurgent_cache[am.start] = (
                _theatre_insurgent(ctx)
                if here
                else (k.actor_by_code.get(k.unnamed_insurgent or ""))
            )
            return ctx.insurgent_cache[am.start]
        if "rebel" in ctx.low[am.start : am.end]:
            # "rebels" is what the press calls the theatre's insurgency (the Houthis in Yemen,
            # where al-Qaeda's are "militants"), whoever else the story names
            ins = _theatre_insurgent(ctx, unnamed=False) if ctx.in_theatre else None
            if ins is not None:
                ctx.insurgent_cache[am.start] = ins
                return ins
        # the armed group named most so far (the latest on a tie): "the militants" of a story
        # about al-Qaeda stay al-Qaeda when the Houthis are named once in between
        seen: dict[str, tuple[int, int, ActorMention]] = {}
        for sent_actors in ctx.actors:
            if sent_actors and sent_actors[0].start >= am.start:
                break
            for x in sent_actors:
                if x.start >= am.start:
                    break
                if x.actor is not None and x.actor.kind == "armed_group":
                    n = seen.get(x.actor.code, (0, 0, x))[0]
                    seen[x.actor.code] = (n + 1, x.start, x)
        best = max(seen.values(), key=lambda v: (v[0], v[1]))[2] if seen else None
        found: ActorEntry | None = None
        if best is not None and best.actor is not None:
            found = _resolve_actor(ctx, best)  # the theatre's name for it (AQAP in Yemen)
        elif ctx.in_theatre:
            found = _theatre_insurgent(ctx)
        ctx.insurgent_cache[am.start] = found
        return found
    if am.generic == "anaphor":
        # "these forces captured Ataq": the side named last before (this or two sentences back)
        si = bisect_right(ctx.sent_ends, am.start)
        for j in range(si, max(-1, si - 3), -1):
            named = [x for x in ctx.actors[j] if x.actor is not None and x.start < am.start]
            for x in reversed(named):
                if _LOCATIVE_BEFORE.search(ctx.body, max(0, x.start - 12), x.start):
                    continue  # "advanced south in Yemen": a place, not a side
                r = _resolve_actor(ctx, x)
                if r is not None and (
                    r.kind in ("armed_group", "state_forces")
                    or (r.kind == "state" and r.code != ctx.host)
                ):
                    return r
        return None
    if am.generic == "host_forces":
        return k.actor_by_code.get(ctx.theatre.get("forces") or "") if ctx.in_theatre else None
    if am.generic == "backed" and ctx.in_theatre:
        # "U.S.-backed forces": whom that backer backs in this theatre then (theatres.json)
        backed = ctx.theatre.get("backed") or {}
        return k.actor_by_code.get(_period_code(ctx, backed.get(am.role)) or "")
    return None


def _theatre_period_code(ctx: Ctx, field_name: str) -> str | None:
    """The actor code a theatre's ``field_name`` entry (a code, or a list of {code, from,
    until} periods) names for the article's day."""
    return _period_code(ctx, ctx.theatre.get(field_name))


def _period_code(ctx: Ctx, spec: Any) -> str | None:
    """The code `spec` (a code, or a list of {code, from, until}) names for the article's day."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        day = ctx.ref.isoformat()
        for period in spec:
            if period.get("from", "0000") <= day <= period.get("until", "9999"):
                return str(period["code"])
    return None


def _theatre_period_actor(ctx: Ctx, field_name: str) -> ActorEntry | None:
    """The actor a theatre's ``field_name`` entry names for the article's day, if any."""
    code = _theatre_period_code(ctx, field_name) if ctx.in_theatre else None
    return knowledge().actor_by_code.get(code or "")


def _theatre_insurgent(ctx: Ctx, *, unnamed: bool = True) -> ActorEntry | None:
    """The group an unnamed "rebels" means in the article's theatre and time (theatres.json),
    else, with ``unnamed``, the generic unnamed-rebels actor."""
    k = knowledge()
    code = _theatre_period_code(ctx, "insurgent")
    if code is None and unnamed:
        code = k.unnamed_insurgent
    return k.actor_by_code.get(code or "")


def _state_of(a: ActorEntry) -> ActorEntry:
    """Leaders, capitals and demonyms stand for the state itself."""
    k = knowledge()
    if a.kind == "state":
        return k.actor_by_code.get(a.code, a)
    return a


def _actor_model(a: ActorEntry) -> Actor:
    return Actor(name=a.name, code=a.code, kind=a.kind)  # type: ignore[arg-type,unused-ignore]


def _side(code: str) -> str:
    return code.split("-")[0]


# ----------------------------------------------------------------------------- article setup


# Stands in for an unknown reference day: only dates with an explicit year are kept then.
_NO_REFERENCE = date(2000, 1, 1)


def _reference(article: Article) -> tuple[date | None, str]:
    """The day relative dates are resolved against, and its basis. Time is an input: with
    no publication date, dateline or ingestion time there is no reference day (None), never
    the wall clock."""
    if article.published_at is not None:
        return article.published_at.date(), "published_at"
    dl = find_dateline(article.body)
    if dl is not None:
        return dl, "dateline"
    if article.ingested_at is not None:
        return article.ingested_at.date(), "ingestion"
    return None, "ingestion"


# "MOSUL, Iraq (Reuters) —", "KABUL —", "(CNN) --", "WASHINGTON The ...": the filing place
_DATELINE_PLACE = re.compile(
    r"\s*[A-Z][\w .,'-]{0,40}\((?:CNN|Reuters|AP|AFP)\)\s*[-—–]+\s*"
    r"|\s*(?:\(CNN\)\s*-+\s*)?(?:[A-Z][A-Z'.-]+(?:[ /][A-Z][A-Z'.-]+)*"
    r"(?:,\s+[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)?\s*(?:\([A-Za-z .]+\))?\s*"
    r"(?:[-—–]+|:)?\s*(?=[A-Z(]))"
)


def build_ctx(article: Article) -> Ctx | None:
    body = article.body
    low = lower_same_length(body)
    if not P()["any"].search(body):
        return None
    ref_day, basis = _reference(article)
    ref = ref_day or _NO_REFERENCE
    sents = split_sentences(body)
    k = knowledge()
    actors: list[list[ActorMention]] = []
    places: list[list[PlaceMention]] = []
    counts: dict[str, int] = {}
    # which theatre the article is about: the theatre country named most (places, the state,
    # its forces), the earliest on a tie; none named -> the default theatre, "not in theatre"
    host_of = {t["forces"]: c for c, t in k.theatres.items() if t.get("forces")}
    host_of.update(k.home_theatre)
    host_of.update({c: c for c in k.theatres})
    seen: dict[str, list[int]] = {}
    dl = _DATELINE_PLACE.match(body)
    dateline_end = dl.end() if dl else 0
    for a, b in sents:
        am, pm = scan_names(body, a, b)
        actors.append(am)
        places.append(pm)
    # countries the article names outright: a country, a state or its forces, a group of
    # its war, a province (ISO subdivisions and P-codes are distinctive), a curated place
    named: set[str] = set()
    for am in actors:
        for x in am:
            if x.actor is None:
                continue
            code = x.actor.code
            if code in host_of:
                named.add(host_of[code])
            elif x.actor.kind in ("state", "state_forces"):
                named.add(_side(code))
    for pm in places:
        for p in pm:
            for e in p.entries:
                distinctive = (
                    e.kind in ("country", "province")
                    or e.adm1
                    or (e.place_id or "").startswith("frontline:")
                )
                if distinctive and e.country:
                    named.add(e.country)
    for pm in places:
        for p in pm:
            if p.start < dateline_end:
                continue
            # where things happen names the theatre more surely than who is named; a
            # namesake town of a country never named does not count
            isos = {
                e.country
                for e in p.entries
                if e.country in k.theatres
                and (e.country in named or e.population >= _PROMINENT_POPULATION)
            }
            for iso in sorted(isos):
                seen.setdefault(iso, [0, p.start])[0] += 2
            for e in p.entries:
                if e.kind == "province" and e.adm1:
                    counts[e.adm1] = counts.get(e.adm1, 0) + 1
    for am in actors:
        for x in am:
            host_iso = host_of.get(x.actor.code) if x.actor is not None else None
            if host_iso is not None:
                seen.setdefault(host_iso, [0, x.start])[0] += 1
    ranking = sorted(seen, key=lambda c: (-seen[c][0], seen[c][1]))
    if seen:
        host = ranking[0]
        theatre, in_theatre = k.theatres[host], True
    else:
        theatre, in_theatre = k.theatre, False
    ctx = Ctx(
        body,
        ref,
        basis,
        sents,
        actors,
        places,
        weekday_anchors(body, ref),
        theatre["country"],
        in_theatre,
    )
    ctx.theatre = theatre
    ctx.host_ranking = ranking
    ctx.countries_named = named | set(seen)
    ctx.dateline_end = dateline_end
    ctx.foreign_capitals = {
        (x.start, x.end)
        for am in actors
        for x in am
        if x.role == "capital" and x.actor is not None and x.actor.code != ctx.host
    }
    ctx.province_counts = counts
    ctx.ref_known = ref_day is not None
    ctx.sent_ends = [b for _, b in sents]
    ctx.low, ctx.lp = low, PL()
    ctx.adm1_in_article = set(counts)
    ctx.title = article.title
    # districts also count towards their province for "a province" anaphora
    for pm in places:
        for p in pm:
            if len(p.entries) == 1 and p.entries[0].kind == "district" and p.entries[0].adm1:
                adm1 = p.entries[0].adm1
                ctx.province_counts[adm1] = ctx.province_counts.get(adm1, 0) + 1
    return ctx


_EXPLICIT_DAY = re.compile(r"\d")
_LEDE_SENTENCES = 3
_NARRATIVE_MAX_DAYS = 120


def _narrative_date(ctx: Ctx, title: str | None) -> date | None:
    """The day the story is told: the first explicit day-precision date ("Monday, July 12",
    "12 July 2021") in the lede - the first sentences of the body after a dateline and a
    title line - when it is on or shortly before the reference day. A date in a causal
    phrase ("after the May 3 attack") is the cause's, not the story's."""
    if not ctx.ref_known:
        return None
    body = ctx.body
    head = (title or "").strip().lower()
    lede: list[int] = []
    for si, (a, b) in enumerate(ctx.sents):
        text = body[a:b].strip()
        if si == 0 and find_dateline(text) is not None and len(text) <= 40:
            continue  # the dateline line
        if head and text.lower().rstrip(".") == head.rstrip("."):
            continue  # the title repeated at the top of the body
        lede.append(si)
        if len(lede) == _LEDE_SENTENCES:
            break
    causal = ctx.lp["causal"]
    for si in lede:
        a, b = ctx.sents[si]
        for d in _dates_for(ctx, a, b):
            if d.precision != "day" or not _EXPLICIT_DAY.search(body, d.start, d.end):
                continue
            if causal.search(ctx.low, max(a, d.start - 60), d.start):
                continue
            if 0 <= (ctx.ref - d.value).days <= _NARRATIVE_MAX_DAYS:
                return d.value
            return None
    return None


# ----------------------------------------------------------------------------- cues


_SET_TO = re.compile(r"\b(?:set|expected|likely|poised|about) to\s*$")
_FUTURE = re.compile(r"\bwill\b|\bwould\b|\bgoing to\b")
_WILL_NOW = re.compile(r"\bwill now\b")
_MAY_HAVE = re.compile(r"\b(?:may|might|could) have (?:\w+ )?$")
_IF_AFTER = re.compile(r"^[^,.;]{0,25}\b(?:if|unless)\b")


def _blocked(ctx: Ctx, si: int, t0: int, t1: int, cs: int, *, kind: str) -> bool:
    """Negation, hypotheticals, forecasts and commentary before the trigger."""
    body, low, lp = ctx.body, ctx.low, ctx.lp
    a, _ = ctx.sents[si]
    lo = max(cs, t0 - 70)
    pre = body[lo:t0]
    lpre = low[lo:t0]
    if lp["neg"].search(lpre):
        return True
    hypo_m = lp["hypo"].search(lpre)
    if hypo_m:
        word = hypo_m.group(0)
        if word in ("may", "might", "could") and _MAY_HAVE.search(lpre):
            pass  # "may have seized": an uncertain report of the past, not a forecast
        elif word == "would" and lp["say"].search(low[a:t0]):
            pass  # reported speech: "announced that troops would leave"
        elif kind == "handover" and word in ("will",):
            pass
        else:
            return True
    if kind != "withdrawal" and _SET_TO.search(pre):
        return True
    if kind != "withdrawal" and lp["intent"].search(low[max(cs, t0 - 50) : t0]):
        return True  # "the goal to push the militants out", "vowed to retake": not done yet
    if kind != "withdrawal" and _FUTURE.search(pre) and not _WILL_NOW.search(pre):
        # future territorial statements are forecasts ("will now be the responsibility" is not)
        return True
    post = body[t1 : min(t1 + 30, ctx.sents[si][1])]
    if _IF_AFTER.match(post):
        return True
    return bool(lp["commentary"].search(low[a:t0]))


# an unattributed source right before the verb of saying
_SOURCE_NOUN = re.compile(
    r"\b(?:reports?|sources?|residents|witnesses|media|observers|analysts|villagers|locals"
    r"|monitors|journalists|accounts)\s+(?:\w+\s+)?$"
)
_ACCORDING_INDEF = re.compile(r"according to\s+(?:a|an|one|some)\b", re.IGNORECASE)


def _speaker(ctx: Ctx, si: int) -> tuple[ActorEntry | None, bool, bool, bool, bool]:
    """Who speaks or claims in sentence `si`: (speaker, official, definite source, verb
    confirms, claim verb). Computed once per sentence."""
    cached = ctx.speaker_cache.get(si)
    if cached is not None:
        return cached
    low, lp = ctx.low, ctx.lp
    a, b = ctx.sents[si]
    sent = low[a:b]
    speaker: ActorEntry | None = None
    speaker_official = False
    definite = True
    verb_confirm = False
    claimed = False
    for m in lp["say"].finditer(sent):
        vs = a + m.start()
        if any(x.start <= vs < x.end for x in ctx.actors[si]):
            continue  # "Islamic State" is a name, not a verb
        word = m.group(0).lower()
        if word == "according to":
            after = [x for x in ctx.actors[si] if vs < x.start <= vs + 80]
            cand = after[0] if after else None
            if cand is not None and lp["shown_by"].search(low, vs, cand.start):
                cand = None  # "according to a photo showing Ukrainian soldiers": no speaker
            seg = low[vs : vs + 80]
            definite = not _ACCORDING_INDEF.match(seg)
        else:
            before = [x for x in ctx.actors[si] if vs - 60 <= x.end <= vs]
            cand = before[-1] if before else None
            seg = low[max(a, vs - 60) : vs]
            if _SOURCE_NOUN.search(seg):
                cand = None  # "..., unconfirmed reports said": the source is not an actor
            if lp["confirm"].match(m.group(0)):
                verb_confirm = True
        if cand is not None:
            speaker = _resolve_actor(ctx, cand)
            speaker_official = bool(lp["official"].search(seg)) or cand.role in (
                "leader",
                "capital",
            )
            break
    for m in lp["claimv"].finditer(sent):
        if lp["claimed_deed"].match(sent, m.end()):
            continue  # "has claimed the attack": a deed owned, not ground claimed
        before = [x for x in ctx.actors[si] if a + m.start() - 40 <= x.end <= a + m.start()]
        if before:
            sp = _resolve_actor(ctx, before[-1])
            if sp is not None:
                speaker, claimed = sp, True
                break
    out = (speaker, speaker_official, definite, verb_confirm, claimed)
    ctx.speaker_cache[si] = out
    return out


# a denial that points back at what was said: "denied the claim / the reports / it"
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing))"
    r"\s+(?:the |this |that |these |those |such )?(?:\w+ )?(?:claims?|reports?|it|this|that)\b"
)
_SENTENCE_OPENING = re.compile(r"[^.;]{0,80}")


def _denied_after(ctx: Ctx, si: int, pos: int, actor: ActorEntry) -> bool:
    """Someone not on `actor`'s side denies, after `pos` in the sentence or at the start of
    the next one: "..., but the ministry of defence denied the claim"."""
    low = ctx.low
    b = ctx.sents[si][1]
    spots: list[tuple[int, int]] = []
    m = _DENIAL.search(low, pos, b)
    if m:
        spots.append((si, m.start()))
    if si + 1 < len(ctx.sents):
        a2, b2 = ctx.sents[si + 1]
        head = _SENTENCE_OPENING.match(low, a2, b2)
        head_end = head.end() if head else a2
        d = _DENIAL.search(low, a2, min(b2, head_end + 40))
        if d and d.start() <= head_end:
            spots.append((si + 1, d.start()))
    for sj, at in spots:
        ctx.ensure(sj)
        lo = max(ctx.sents[sj][0], at - 60)
        deniers = [x for x in ctx.actors[sj] if lo <= x.start and x.end <= at]
        who = _resolve_actor(ctx, deniers[-1]) if deniers else None
        if who is None or _side(_state_of(who).code) != _side(actor.code):
            return True
    return False


def _claim(
    ctx: Ctx,
    si: int,
    actor: ActorEntry | None,
    counter: ActorEntry | None,
    etype: str,
    after: int | None = None,
) -> tuple[str, ActorEntry | None]:
    """Claim status and claimant; `after`: where the reported happening ends (a denial
    after it by the other side makes the event disputed)."""
    pos = after - 1 if after is not None else None
    status, claimant = _claim_status(ctx, si, actor, counter, etype, pos)
    if (
        status != "confirmed"
        and actor is not None
        and after is not None
        and _denied_after(ctx, si, after, actor)
    ):
        return "disputed", claimant
    return status, claimant


def _parsed_speaker(
    ctx: Ctx, si: int, pos: int
) -> tuple[ActorEntry | None, bool, bool, bool, bool] | None:
    """The speaker the parse attaches to the trigger at ``pos`` ("X said Y took Z"), in
    `_speaker`'s shape; None when the parse names no known speaker."""
    roles = _roles(ctx, si, pos)
    if roles is None or roles.speaker is None:
        return None
    inside = [x for x in ctx.actors[si] if _in_span(x, roles.speaker)]
    who = next((r for x in inside if (r := _resolve_actor(ctx, x)) is not None), None)
    if who is None:
        return None
    lemma = roles.speech_lemma or ""
    s0, s1 = roles.speaker
    official = bool(ctx.lp["official"].search(ctx.low, s0, s1)) or any(
        x.role in ("leader", "capital", "forces") for x in inside
    )
    confirms = lemma in syntax.lexicon()["confirm_verbs"]
    return who, official, True, confirms, lemma in syntax.lexicon()["claim_verbs"]


def _claim_status(
    ctx: Ctx,
    si: int,
    actor: ActorEntry | None,
    counter: ActorEntry | None,
    etype: str,
    pos: int | None = None,
) -> tuple[str, ActorEntry | None]:
    parsed = _parsed_speaker(ctx, si, pos) if pos is not None else None
    speaker, speaker_official, definite, verb_confirm, claimed = parsed or _speaker(ctx, si)
    if speaker is not None and actor is not None:
        if etype == "withdrawal":
            if _side(_state_of(speaker).code) == _side(actor.code) or speaker.group == actor.group:
                return "confirmed", _state_of(speaker)
            return "reported", None
        if claimed or _side(speaker.code) == _side(actor.code):
            if claimed and counter is not None and _side(speaker.code) == _side(counter.code):
                return "confirmed", speaker
            return "claimed", speaker
        if (
            counter is not None
            and _side(speaker.code) == _side(counter.code)
            and (verb_confirm or (speaker_official and definite))
        ):
            return "confirmed", speaker
        if verb_confirm or (speaker_official and definite):
            return "confirmed", speaker
    return "reported", None


def _numbers(ctx: Ctx, lo: int, hi: int) -> list[tuple[int, int, int | float]]:
    """Numbers within body[lo:hi] (one sentence), found once per sentence."""
    si = bisect_right(ctx.sent_ends, lo)
    if si >= len(ctx.sents) or ctx.sents[si][0] > lo or ctx.sents[si][1] < hi:
        return find_numbers(ctx.low, lo, hi, lowered=True)  # not inside one sentence
    found = ctx.number_cache.get(si)
    if found is None:
        a, b = ctx.sents[si]
        found = find_numbers(ctx.low, a, b, lowered=True)
        ctx.number_cache[si] = found
    return [x for x in found if lo <= x[0] and x[1] <= hi]


_STAY_BARE = re.compile(r"\s+(?:will|would|are to|were to|is to)\s+(?:remain|stay)\b")


def _troops(ctx: Ctx, lo: int, hi: int) -> tuple[int | None, list[tuple[int, int]]]:
    """First troop count in body[lo:hi] that is not a 'will stay' count; plus remaining counts."""
    body, low, lp = ctx.body, ctx.low, ctx.lp
    p = P()
    found: int | None = None
    remaining: list[tuple[int, int]] = []
    for s, e, val in _numbers(ctx, lo, hi):
        if not isinstance(val, int) or val <= 0 or val > 5_000_000:
            continue
        if lp["strong"].match(low, e):
            continue
        ta = p["troop_after"].match(body, e, min(len(body), e + 60))
        if not ta:
            continue
        pre = body[max(lo, s - 60) : s]
        if (
            lp["remain"].match(low, ta.end(), min(len(body), ta.end() + 40))
            or p["reduce_to"].search(pre)
            or p["keep_before"].search(pre)
        ):
            remaining.append((s, val))
            continue
        if found is None:
            found = val
    return found, remaining


def _dates_for(ctx: Ctx, lo: int, hi: int) -> list[DateExpr]:
    """Date expressions starting in body[lo:hi], computed once per sentence."""
    out: list[DateExpr] = []
    sents = ctx.sents
    # sentences are sorted and disjoint: start at the first one ending after `lo`
    first = bisect_right(ctx.sent_ends, lo)
    for si in range(first, len(sents)):
        a, b = sents[si]
        if a >= hi:
            break
        if b <= lo:
            continue
        cached = ctx.date_cache.get(si)
        if cached is None:
            cached = find_dates(ctx.body, a, b, ctx.ref, ctx.anchors)
            if not ctx.ref_known:
                cached = [d for d in cached if d.explicit_year]
            ctx.date_cache[si] = cached
        out.extend(d for d in cached if lo <= d.start < hi)
    return out


@lru_cache(maxsize=1)
def _trigger_scanner() -> re.Pattern[str]:
    """The trigger alternation for the lower-cased body: one pass finds every trigger
    ("[A-Z]", which matched any letter under re.IGNORECASE, becomes "[a-z]")."""
    src = P()["trig"].pattern
    src = src.replace("[A-Z]", "[a-z]")
    literal = _INLINE_NAME.sub("", src).replace("A-Za-z", "")
    assert literal == literal.lower()
    return re.compile(src)


def _triggers(low: str, a: int, b: int) -> list[re.Match[str]]:
    """Trigger matches in the lower-cased body between a and b."""
    return list(_trigger_scanner().finditer(low, a, b))


def _in_cause(ctx: Ctx, d: DateExpr, t0: int, t1: int) -> bool:
    """Is date `d` inside a causal/background phrase ("after a string of attacks in 2011",
    "since 2001", "in response to the May 3 bombing") rather than dating the trigger at
    t0..t1? The cue must stand between the trigger and the date, or shortly before a date
    that precedes the trigger, with no clause break (";") after it."""
    if d.start >= t1:
        lo, hi = t1, d.start
    else:
        lo, hi = max(0, d.start - 60, ctx.sents[bisect_right(ctx.sent_ends, d.start)][0]), d.start
    span = ctx.low[lo:hi]
    ends = [m.end() for m in ctx.lp["causal"].finditer(span)]
    return bool(ends) and ";" not in span[ends[-1] :]


def _pick_dates(
    ctx: Ctx, dates: list[DateExpr], t0: int, t1: int
) -> tuple[DateExpr | None, DateExpr | None]:
    """(deadline, event_date) from the date expressions around a trigger. Dates in a
    causal/background phrase date the cause, not the happening: they are skipped."""
    deadline = None
    when = None
    dates = [d for d in dates if not _in_cause(ctx, d, t0, t1)]
    for d in sorted(dates, key=lambda d: abs(d.start - t0)):
        # with no reference day nothing is known to lie ahead: only "by ..." makes a deadline
        future = ctx.ref_known and (
            d.value > ctx.ref or (d.precision != "day" and d.value.year > ctx.ref.year)
        )
        if (d.is_by or future) and deadline is None:
            if d.precision == "day" and d.value < ctx.ref and not d.is_by:
                continue
            deadline = d
        elif not d.is_by and not future and when is None:
            when = d
    return deadline, when


# ----------------------------------------------------------------------------- places per trigger


# what stands between a town and the region that only qualifies it
_QUALIFIER_GAP = re.compile(
    r"[\s,(]*(?:(?:in|of|near)\s+)?(?:the\s+)?(?:(?![\w'’-]+ing\b|(?:and|but|while|as|to)\b)[\w'’-]+,?\s+){0,6}?(?:(?:region|province"
    r"|oblast|governorate|state|district) of\s+)?"
)
_PART_SCOPE = re.compile(
    r"\b(?:parts?|much|most|half|swath(?:e)?s|areas?|sections?|portions?|chunks|pockets?|"
    r"territory|towns|villages|cities|districts|positions|some)\s+(?:of|in|across|throughout)"
    r"\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}$"
    r"|\d+(?:\.\d+)?\s?(?:%|percent|per cent)\s+of\s+(?:the\s+)?$"
)
_OBJECT_GAP = re.compile(
    r"\s*(?:(?:of|over)\s+)?(?:the\s+)?(?:(?!(?:in|at|near|from|to|on|by|with|for|after)\b)"
    r"[\w'’-]+\s+){0,3}"
)
_LOCATIVE_GAP = re.compile(
    r"\b(?:in|inside|near|around|across|outside)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}$"
)
_SUBJECT_GAP = re.compile(r"[^,;]{0,40}?\b(?:has|have|had|was|were|is|are|been)\s+(?:\w+\s+)?$")


def _scope(ctx: Ctx, cs: int, t0: int, t1: int, pos: int) -> str | None:
    """Whether a control statement is about its whole country or province ("part" for
    "large parts of Helmand", "30 percent of Syria"); None where the place is not the
    trigger's own object or subject, and the tables judge from the sentence."""
    low = ctx.low
    if _PART_SCOPE.search(low, max(cs, pos - 50), pos):
        return "part"
    if pos >= t1 and _OBJECT_GAP.fullmatch(low, t1, pos):
        return "whole"  # "seized Helmand province", "took control of the country"
    if pos >= t1 and _LOCATIVE_GAP.search(low, t1, pos):
        return "part"  # "seized a village in the Donetsk region": the region only locates it
    if pos < t0 and _SUBJECT_GAP.search(low, pos, t0):
        return "whole"  # "Helmand province was captured by the Taliban"
    return None


@lru_cache(maxsize=1)
def _base_head() -> re.Pattern[str]:
    """An unnamed facility's head noun (lexicon `facility_nouns`): "base", "airfield"."""
    return re.compile(knowledge().lexicon["facility_nouns"])


@lru_cache(maxsize=1)
def _facility_locative() -> re.Pattern[str]:
    """ "an army base in Helmand province": the province only locates the facility taken."""
    return re.compile(
        r"\b(?:" + knowledge().lexicon["facility_nouns"] + r")\s+(?:in|near|outside"
        r"|(?:north|south|east|west)(?:east|west)?\s+of)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}$"
    )


_SIDE_GAP = re.compile(
    r"\s*(?:(?:fighters|forces|troops|militants|rebels|soldiers)\s+)?(?:now\s+)?"
)


def _side_right_before(ctx: Ctx, si: int, m: re.Match[str]) -> bool:
    ctx.ensure(si)
    a = ctx.sents[si][0]
    return any(
        x.end <= m.start()
        and _SIDE_GAP.fullmatch(ctx.low, x.end, m.start())
        # "rebels in Syria control": a country named as where is no side
        and not _LOCATIVE_BEFORE.search(ctx.low, max(a, x.start - 12), x.start)
        for x in ctx.actors[si]
    )


_VERB_OBJECT_AFTER = re.compile(
    r"\s+(?:the|most|much|all|large|parts|about|nearly|some|around|roughly|almost|half|"
    r"more than|\d|a third|a quarter|one|two|three)"
)


def _share_value(m: re.Match[str]) -> float:
    """The percentage a share match states ("40%", "half", "two-thirds")."""
    return float(m.group("num")) if m.group("num") else FRACTIONS[m.group("frac").lower()]


_SHARE_BEFORE = re.compile(
    r"(\d{1,3}(?:\.\d+)?)\s?(?:%|percent|per cent)\s+of\s+(?:the\s+)?(?:[\w'’-]+\s+)?$"
)
_ANAPHOR_TOWN = re.compile(r"(?:the\s+)?(?:city|town|provincial capital|capital)\b")
_TIGHT_LOCATIVE = re.compile(r"\s*,?\s+in\s+(?:the\s+)?(?:[\w'’-]+\s+)?")
_DIRECTION_BEFORE = re.compile(
    r"\b((?:north|south|east|west|central|north-?east|north-?west|south-?east|south-?west)"
    r"(?:ern)?)\s+$"
)
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|inside|across|throughout|within|around)\s+(?:the\s+)?$")
_POWER = re.compile(r"\bpower\b")
_COUNTRY_POSSESSIVE = re.compile(r"['’]s?\s")
_SPEAKS_AFTER = re.compile(
    r"\s+(?:has\s+|had\s+|also\s+)?(?:said|says|announced|claimed|reported|confirmed|denied"
    r"|stated|insisted)\b"
)
_COUNTRY_PART = re.compile(
    r"['’]s\s+((?:far\s+)?(?:north|south|east|west|north-?east|north-?west|south-?east"
    r"|south-?west))\b"
)
_SHARE_AFTER = re.compile(r"['’]s?\s+(?:\w+\s+)?(?:territory|land|soil)\b")


def _places_in(
    ctx: Ctx, si: int, lo: int, hi: int, *, territorial: bool
) -> list[tuple[Place, int, bool]]:
    """Concrete places in body[lo:hi] (resolved, anchors removed, qualifiers dropped)."""
    out: list[tuple[Place, PlaceEntry, int]] = []
    body, low, lp = ctx.body, ctx.low, ctx.lp
    actor_spans = {(x.start, x.end) for x in ctx.actors[si] if x.actor is not None}
    for pm in ctx.places[si]:
        if pm.start < lo or pm.start >= hi or pm.anchored or pm.start < ctx.dateline_end:
            continue
        if (pm.start, pm.end) in ctx.foreign_capitals:
            continue  # "Moscow said ...": a foreign capital speaking for its state
        if (
            territorial
            and pm.hint not in ("base", "border_crossing")
            and _facility_locative().search(low, max(lo, pm.start - 50), pm.start)
        ):
            continue  # "a base in Helmand province": the facility, not the province, is taken
        res = _resolve_place(ctx, pm, si)
        if res is None:
            continue
        entry, kind = res
        if (
            kind == "country"
            and territorial
            and _COUNTRY_POSSESSIVE.match(body, pm.end)
            and not _SHARE_AFTER.match(low, pm.end)
        ):
            continue  # "Iraq's second city", "Yemen's state TV": the country qualifies a noun
        if kind == "country" and _SPEAKS_AFTER.match(low, pm.end):
            continue  # "..., Sri Lanka said": the speaker, not a place
        if kind == "country" and territorial:
            before = low[max(lo, pm.start - 30) : pm.start]
            side = _DIRECTION_BEFORE.search(before)
            if side:
                # "northern Mali": a named part of the country, never the whole of it
                name = f"{body[pm.start - len(side.group(1)) - 1 : pm.start - 1]} {pm.text}"
                region = Place(
                    name=name.strip(),
                    kind="region",
                    country=entry.country,
                    lat=entry.lat,
                    lon=entry.lon,
                )
                out.append((region, entry, pm.start))
                continue
            if _LOCATIVE_BEFORE.search(before) and not _POWER.search(low, lo, pm.start):
                continue  # "seized a base in Myanmar": where it happened, not what was taken
        if kind == "country" and entry.country != ctx.host:
            sa = ctx.sents[si][0]  # the lookbehind may reach into the trigger ("out| of")
            left = not territorial and (
                _FROM_BEFORE.search(low, max(sa, pm.start - 12), pm.start)
                or _FROM_BEFORE_ADJ.search(low, max(sa, pm.start - 40), pm.start)
            )
            if territorial or ((pm.start, pm.end) in actor_spans and not left):
                continue
            if lp["led_by"].search(low[max(0, pm.start - 30) : pm.start]):
                continue
            if lp["to_before"].search(low[max(0, pm.start - 12) : pm.start]):
                continue
            if lp["border_before"].search(low[max(lo, pm.start - 80) : pm.start]):
                continue
        elif (
            kind == "country"
            and territorial
            and lp["border_before"].search(low[max(lo, pm.start - 80) : pm.start])
        ):
            continue
        out.append((_place_of(ctx, entry, kind), entry, pm.start))
    # drop qualifiers: a province or country whose more specific place is also listed
    keep: list[tuple[Place, int, bool]] = []
    for pl, _entry, pos in out:
        if pl.kind == "country" and any(o[0].kind != "country" for o in out):
            continue
        if (
            pl.kind == "region"
            and _entry.kind == "country"
            and any(o[0].kind not in ("country", "region") for o in out)
        ):
            continue  # "Lysychansk ... in eastern Ukraine": the part of the country qualifies

        if (
            pl.kind in ("province", "region")
            and any(
                o[0].kind not in ("province", "region", "country")
                and (
                    (
                        (o[0].adm1 == pl.adm1 if pl.adm1 else o[1].province == pl.name)
                        and _QUALIFIER_GAP.fullmatch(body[_end_of(ctx, si, o[2]) : pos])
                    )
                    # "Ghormach in Faryab province": the text says where, whatever the gazetteer
                    or _TIGHT_LOCATIVE.fullmatch(body[_end_of(ctx, si, o[2]) : pos])
                )
                for o in out
            )
        ):
            continue  # "Lyman, in the Donetsk region": the region only qualifies the town
        if any(k_[0] == pl for k_ in keep):
            continue
        if (
            keep
            and pl.adm1
            and keep[-1][0].adm1 == pl.adm1
            and re.fullmatch(r"\s*,\s*", body[_end_of(ctx, si, keep[-1][1]) : pos])
        ):
            continue  # apposition: "Islam Qala, Herat," names the province of the place
        keep.append((pl, pos, True))
    return keep


def _end_of(ctx: Ctx, si: int, start: int) -> int:
    for pm in ctx.places[si]:
        if pm.start == start:
            return pm.end
    return start


def _vague_places(ctx: Ctx, si: int, lo: int, hi: int) -> list[tuple[Place, int, bool]]:
    body, low, lp = ctx.body, ctx.low, ctx.lp
    k = knowledge()
    out: list[tuple[Place, int, bool]] = []
    host = k.countries.get(ctx.host)
    pos = lo
    while pos < hi:
        m = lp["vague"].search(low, pos, hi)
        if m is None:
            break
        pos = max(m.end(), pos + 1)
        head = m.group("head").lower()
        anc = lp["anchor_region"].match(low, m.end(), hi)
        if anc:
            after = [pm for pm in ctx.places[si] if anc.end() <= pm.start <= anc.end() + 3]
            if after:
                name = body[m.start() : after[0].end]
                if "districts " in name and " in " in name:
                    name = name.split(" in ", 1)[1]
                # "villages south of Lysychansk" lie in the anchor's country
                res = _resolve_place(ctx, after[0], si)
                iso = res[0].country if res is not None and res[0].country else ctx.host
                vk = "base" if _base_head().fullmatch(head) else "region"
                out.append((Place(name=name[:300], kind=vk, country=iso), m.start(), False))
                pos = max(pos, after[0].end)
                continue
            ref_m = _ANAPHOR_TOWN.match(low, anc.end(), hi)
            ref = _previous_place(ctx, si, m.start(), ("city", "district")) if ref_m else None
            if ref_m and ref is not None:
                # "three villages around the city": the city named before anchors them
                lead = re.sub(r"(?:\bthe)?\s*$", " ", body[m.start() : anc.end()])
                name = " ".join(f"{lead}{ref.name}".split())
                out.append(
                    (Place(name=name[:300], kind="region", country=ref.country), m.start(), False)
                )
                pos = max(pos, ref_m.end())
                continue
        if head == "the country" and host is not None:
            part = _COUNTRY_PART.match(low, m.end())
            if part:
                # "in the country's north": a region of the theatre, not all of it
                name = f"{part.group(1)} of {host.name}"
                out.append((Place(name=name, kind="region", country=host.country), m.start(), True))
                continue
            if _COUNTRY_POSSESSIVE.match(body, m.end()):
                continue  # "the country's largest province": the country qualifies a noun
            # "the Taliban took over the country": the article's theatre, as a whole
            out.append((_place_from_entry(host, "country"), m.start(), True))
            continue
        if head == "the capital":
            cap = _capital_of(ctx.host)
            # "the capital, Kabul" names itself; "the capital of Gezira state" is another's;
            # "Wad Madani, the capital of ..." is an apposition to a place named before
            after_cap = body[m.end() : m.end() + 4]
            apposition = re.search(r",\s*$", body[max(0, m.start() - 3) : m.start()])
            if (
                cap is not None
                and not re.match(r",?\s+[A-Z]|\s+of\b|\s+city\s+of\b", after_cap + "    ")
                and not apposition
            ):
                out.append((_place_from_entry(cap, "city"), m.start(), True))
            continue
        if head in ("the district", "the city", "the town", "the province"):
            want = {
                "the district": ("district", "city"),
                "the city": ("city",),
                "the town": ("city", "district"),
                "the province": ("province",),
            }[head]
            ref = _previous_place(ctx, si, m.start(), want)
            if ref is not None:
                out.append((ref, m.start(), True))
            continue
        if _base_head().fullmatch(head):
            kind = "base"  # "an army base", "the airport": a facility the text does not name
        elif head.startswith("district"):
            kind = "district"
        elif head.startswith("province"):
            kind = "province"
        elif head.startswith("provincial capital"):
            kind = "city"
        elif head.startswith("border") or head == "checkpoints":
            kind = "border_crossing" if head.startswith("border") else "country"
        else:
            kind = "country"
        if kind == "base":
            located = _located_facility(ctx, si, m.start(), m.end(), hi)
            if located is not None:
                out.append((located, m.start(), False))
                continue
        if host is None:
            continue
        if kind == "country":
            # "seized several towns": a report about part of the country, never its controller
            phrase = body[m.start() : m.end()][:300]
            out.append((Place(name=phrase, kind="region", country=ctx.host), m.start(), False))
        else:
            out.append(
                (
                    Place(name=body[m.start() : m.end()][:300], kind=kind, country=ctx.host),
                    m.start(),
                    False,
                )
            )  # type: ignore[arg-type,unused-ignore]
    return out


_LOCATED_AT = re.compile(r"\s+(?:in|at|near|outside)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,3}?")


def _located_facility(ctx: Ctx, si: int, start: int, end: int, hi: int) -> Place | None:
    """ "an army base in Helmand province": the unnamed facility, placed where the text
    puts it (its country and, in a theatre with P-codes, its province)."""
    at = _LOCATED_AT.match(ctx.low, end, hi)
    if at is None:
        return None
    for pm in ctx.places[si]:
        if at.end() - 12 <= pm.start <= at.end() + 2 and pm.start >= end:
            res = _resolve_place(ctx, pm, si)
            if res is None:
                return None
            entry, kind = res
            adm1 = entry.adm1 if kind != "country" else None
            return Place(
                name=" ".join(ctx.body[start : pm.end].split())[:300],
                kind="base",
                country=entry.country,
                adm1=adm1,
                lat=entry.lat,
                lon=entry.lon,
            )
    return None


@lru_cache(maxsize=256)
def _capital_of(iso3: str) -> PlaceEntry | None:
    """The capital city of a state, from its actors.json capitals and the gazetteer."""
    k = knowledge()
    # every alias key of a capital is searched: its entries are equal across aliases, so
    # they cannot tell which key was already seen
    for key, entries in k.actors.items():
        if not any(a.code == iso3 and a.role == "capital" for a in entries):
            continue
        for e in k.places.get(key, []):
            if e.country == iso3 and e.kind in ("city", "district"):
                return e
    # a theatre whose capital is no actor alias ("Kabul" speaks for no one there): GeoNames
    name = national_capitals().get(iso3)
    for e in k.places.get(norm_key(name), []) if name else []:
        if e.country == iso3 and e.kind in ("city", "district"):
            return e
    return None


def _previous_place(
    ctx: Ctx, si: int, pos: int, kinds: tuple[str, ...] | None = None, back: int = 2
) -> Place | None:
    """Nearest concrete place mentioned before `pos` (this or the `back` previous sentences)."""
    for j in range(si, max(-1, si - back - 1), -1):
        ctx.ensure(j)
        for pm in reversed(ctx.places[j]):
            if pm.start >= pos or pm.anchored or pm.start < ctx.dateline_end:
                continue  # the dateline names where the story is filed, never "the city"
            res = _resolve_place(ctx, pm, j)
            if res is None:
                continue
            entry, kind = res
            if kind == "country" and entry.country != ctx.host:
                continue
            if (
                kinds is None
                or kind in kinds
                or (kind == "district" and "city" in kinds and entry.is_capital)
            ):
                if kinds and "city" in kinds and entry.is_capital and kind != "city":
                    kind = "city"
                return _place_of(ctx, entry, kind)
    return None


# ----------------------------------------------------------------------------- triggers


_UNDERWAY = re.compile(r"\bunder ?way\b|\beffective\b|\bin progress\b")
_IS_ARE = re.compile(r"\b(?:is|are|was|were)\s+(?:now\s+|still\s+|currently\s+)?$")
# present tense or progressive in a clause: "is already 90% effective", "retains control"
_PRESENT = re.compile(
    r"\b(?:is|are|remains?|continues|retains|controls|holds|keeps|stays)\b"
    r"|\b(?:is|are)\s+(?:still\s+|now\s+)?\w+ing\b"
)
# a statement made at the time of writing: present or present perfect of a saying verb
# (matched case-sensitively: "the United States" is no verb)
_SAID_NOW = re.compile(
    r"\b(?:has|have)\s+(?:\w+\s+)?(?:said|announced|confirmed|declared|stated)\b"
    r"|\b(?:says|announces|confirms|declares|states)\b"
)
_PERCENT_DONE = re.compile(
    r"(\d{1,3}(?:\.\d+)?)\s?(?:%|percent|per cent)\s+(?:\w+\s+){0,2}?"
    r"(?:effective|complete|completed|done|finished|over)\b"
    # "some 70% of the Russian troops ... had withdrawn": the share already gone
    r"|(\d{1,2}(?:\.\d+)?)\s?(?:%|percent|per cent)\s+of\s+(?:the\s+)?(?:[\w.'’-]+\s+){0,3}?"
    r"(?:troops|forces|soldiers|personnel)\b[^.;]{0,60}?\b(?:had|have|has)\s+(?:\w+\s+)?"
    r"(?:withdrawn|left|pulled out|gone)"
)


def _usable_withdrawer(ctx: Ctx, x: ActorMention, a: int) -> bool:
    """A foreign state or coalition (or "foreign troops"), not "led by" someone else."""
    if x.generic == "foreign":
        return True
    r = _resolve_actor(ctx, x)
    if r is None or r.kind not in ("state", "coalition") or r.code in knowledge().non_parties:
        return False
    if r.code == ctx.host:
        return False
    return not ctx.lp["led_by"].search(ctx.low[max(a, x.start - 30) : x.start])


_DOUBT_MODALS = frozenset({"could", "might", "may"})
_NOMINAL_AGENT = re.compile(
    r"^[\s,]*(?:by|to|into the hands of|into|under)\s+(?:the\s+)?(?:[\w-]+\s+)?$"
)
_POSSESSIVE = re.compile(r"['’]s?\s")
_PRONOUN_START = re.compile(r"\W*(?:as\s+|when\s+|after\s+|while\s+)?(?:they|it|we)\b")
# "withdraw from Syria", "pull out of Iraq": the country named is the one left
_FROM_BEFORE = re.compile(r"\b(?:from|out of)\s+(?:the\s+)?$")
_FROM_BEFORE_ADJ = re.compile(r"\b(?:from|out of)\s+(?:the\s+)?(?:[a-z-]+\s+){1,2}$")
_FROM_AFTER = re.compile(r"\s+(?:[\w,'’-]+\s+){0,4}?(?:from|out of)\s+(?:the\s+)?")
_MODIFIER_GAP = re.compile(r"(?:['’]s)?\s+(?:[\w-]+\s+)?")
_NOUN_COMPLEMENT = re.compile(r"\s+(?:of|at|from)\s")


_LIST_JOIN = re.compile(
    r"\s*(?:,|and|or|,\s*and|and then|then)?\s*(?:(?:from|out of)\s+)?(?:the\s+)?"
)


def _coordinated_left(
    ctx: Ctx, si: int, sub: list[tuple[Place, int, bool]], t1: int
) -> list[Place]:
    """Places left in one list after the trigger ("from Kyiv and Chernihiv")."""
    after = sorted((x for x in sub if x[1] >= t1), key=lambda x: x[1])
    if len(after) < 2 or (
        not _FROM_BEFORE_ADJ.search(ctx.low, max(t1, after[0][1] - 40), after[0][1])
        and not _FROM_BEFORE.search(ctx.low, max(t1, after[0][1] - 12), after[0][1])
    ):
        return []
    out = [after[0][0]]
    prev_end = _end_of(ctx, si, after[0][1])
    for pl, pos, _ in after[1:]:
        if not _LIST_JOIN.fullmatch(ctx.body[prev_end:pos]):
            break
        if pl not in out:
            out.append(pl)
        prev_end = _end_of(ctx, si, pos)
    return out if len(out) > 1 else []


_FROM_REFERENCE = re.compile(
    r"\s+(?:[\w,.'’-]+\s+){0,8}?(?:from|out of)\s+the\s+(?P<word>city|town|village|district|"
    r"province|base|airport|airfield)\b"
)
_REFERENCE_KINDS = {
    "city": ("city",),
    "town": ("city", "district"),
    "village": ("city",),
    "district": ("district", "city"),
    "province": ("province",),
    "base": ("base",),
    "airport": ("base",),
    "airfield": ("base",),
}


def _place_left_by_reference(ctx: Ctx, si: int, t0: int, t1: int, ce: int) -> Place | None:
    """ "withdrew from the city": the city named before (this or the two previous sentences)."""
    ref = _FROM_REFERENCE.match(ctx.low, t1, ce)
    if ref is None:
        return None
    kinds = _REFERENCE_KINDS[ref.group("word")]
    # a story has few bases: "from the base" may point further back than "from the city"
    return _previous_place(ctx, si, t0, kinds, back=8 if kinds == ("base",) else 2)


_LIST_ITEM_GAP = re.compile(r"\s*(?:,|and|or|,\s*and)\s*(?:the\s+)?")
# "from the west bank of the Dnipro and the city of Kherson": a later item of the "from" list
_FROM_LIST = re.compile(
    r"\b(?:from|out of)\s[^,;]{0,60}?\band\s+(?:the\s+)?"
    r"(?:(?:city|town|village|province|region|district|port)\s+of\s+)?$"
)


_OWN_FORCES = re.compile(
    r"(?:its|their|his|her)\s+(?:[\w-]+\s+)?(?:forces|troops|soldiers|units|fighters|army)\b"
)


_ALSO_BEFORE = re.compile(r"\balso\s+(?:\w+\s+)?$")


def _also_left(ctx: Ctx, si: int, t0: int, out: list[Cand]) -> Place | None:
    """The place the previous withdrawal (this or the sentence before) left, when this one
    "also" leaves and names no place of its own."""
    if not _ALSO_BEFORE.search(ctx.low, max(ctx.sents[si][0], t0 - 20), t0):
        return None
    prev = next(
        (c.place for c in reversed(out) if c.etype == "withdrawal" and si - 1 <= c.sent_idx <= si),
        None,
    )
    return prev if prev is not None and prev.kind != "country" else None


def _named_as_left(ctx: Ctx, si: int, t1: int, pos: int) -> bool:
    """Is the place at `pos` what the withdrawal trigger ending at `t1` leaves: after "from"
    or "out of" (or later in its list), or right after the verb ("leave Kabul")?"""
    a = ctx.sents[si][0]
    low = ctx.low
    if _FROM_BEFORE.search(low, max(a, pos - 20), pos):
        return True
    if _FROM_BEFORE_ADJ.search(low, max(a, pos - 40), pos):
        return True
    if _FROM_LIST.search(low, max(t1, pos - 90), pos):
        return True
    return t1 <= pos <= t1 + 30 and _FROM_AFTER.match(low, t1) is None


def _left_abroad(ctx: Ctx, si: int, after: list[tuple[Place, int, bool]]) -> str | None:
    """The country of a place named as left ("from southern Lebanon", "out of Gaza")."""
    a = ctx.sents[si][0]
    for pl, pos, _ in after:
        # the window may reach back into the trigger: "pull its soldiers out| of Somalia"
        if _FROM_BEFORE.search(ctx.low, max(a, pos - 20), pos) or _FROM_BEFORE_ADJ.search(
            ctx.low, max(a, pos - 40), pos
        ):
            return pl.country
    return None


def _local_withdrawer(ctx: Ctx, x: ActorMention) -> bool:
    """A host's forces or an armed group: they withdraw from places, not from countries."""
    r = _resolve_actor(ctx, x)
    return r is not None and (
        r.kind in ("armed_group", "state_forces") or (r.kind == "state" and r.code == ctx.host)
    )


def _withdrawal(
    ctx: Ctx,
    si: int,
    m: re.Match[str],
    gname: str,
    out: list[Cand],
    remain_facts: list[tuple[ActorEntry | None, int]],
) -> None:
    body, low, lp = ctx.body, ctx.low, ctx.lp
    k = knowledge()
    t0, t1 = m.start(), m.end()
    word = m.group(0).lower()
    a, b = ctx.sents[si]
    cs, ce = _clause_bounds(ctx, si, t0)
    if word in ("left", "leave", "leaves", "leaving") and (
        lp["left_bad"].match(low, t1) or lp["leave_noun"].search(low, max(a, t0 - 15), t0)
    ):
        return
    if (
        word.startswith("cross")
        and "out of" not in word
        and "back" not in word
        and not lp["last_mil"].search(low, max(a, t0 - 60), t0)
    ):
        return  # crossing a border is a withdrawal for the last troops or going back
    if (
        word.startswith("exit")
        and gname == "wv"
        and not lp["mil"].search(low, t1, min(ce, t1 + 30))
    ):
        return
    if word.startswith("return") and not lp["mil"].search(low, cs, t0):
        return
    mil_clause = lp["mil"].search(low, cs, ce)
    if not mil_clause and _PRONOUN_START.match(low, cs):
        # "..., as they prepared for withdrawal": "they" are the troops named before
        mil_clause = lp["mil"].search(low, a, ce)
    if not mil_clause and (gname == "wn" or not word.startswith("end")):
        if gname == "wv":
            return
        if not re.search(
            r"\b(?:its|their|the)\s+(?:\w+\s+)?$", body[max(cs, t0 - 20) : t0]
        ) and not [x for x in ctx.actors[si] if t0 - 25 <= x.end <= t0]:
            return
    if _blocked(ctx, si, t0, t1, cs, kind="withdrawal"):
        return
    frm = _FROM_AFTER.match(low, t1, min(ce, t1 + 40))
    if frm and lp["nonmil_np"].match(low, frm.end(), min(ce, frm.end() + 30)):
        return  # "evacuated from the U.S. Embassy": a mission, not troops, leaves
    # military context required, civilians/diplomats/athletes excluded
    near_lo, near_hi = max(cs, t0 - 40), min(ce, t1 + 45)
    mil_near = lp["mil"].search(low, max(cs, t0 - 30), min(ce, t1 + 45))
    nonmil = lp["nonmil"].search(low, near_lo, near_hi)
    if nonmil and not mil_near:
        return
    if gname == "wn" and _NOUN_COMPLEMENT.match(low, t1):
        comp_end = min(ce, t1 + 60)
        if lp["nonmil"].search(low, t1, comp_end) and not lp["mil"].search(low, t1, comp_end):
            return  # "the departure of embassy employees", "a drawdown at the consulate"
    if gname == "wn" and (nm := lp["nonmil"].search(low, max(cs, t0 - 25), t0)):
        # "the embassy drawdown", "diplomatic departure": the word qualifies the noun itself;
        # "the deal promises the withdrawal of troops" speaks of troops
        modifier = _MODIFIER_GAP.fullmatch(low, nm.end(), t0)
        if modifier and not lp["mil"].search(low, max(cs, t0 - 25), t0):
            return
    told = lp["told_to"].search(low, max(cs, t0 - 80), t0)
    if told and lp["nonmil"].fullmatch(low, *told.span("head")):
        return  # "ordered the families of its soldiers to leave": the families leave
    pre_clause = low[cs:t0]
    last_mil = lp["last_mil"].search(low, max(a, t0 - 60), t0)
    if lp["person"].search(pre_clause) and not last_mil and not lp["say"].search(pre_clause):
        # "the head of US forces withdraws", "the envoy leaves" - persons, not troops
        return
    if gname == "wv" and not mil_clause and not word.startswith("end"):
        return
    if gname == "wn" and not mil_clause:
        poss = [x for x in ctx.actors[si] if t0 - 25 <= x.end <= t0]
        if not poss and not re.search(
            r"\b(?:its|their|the)\s+(?:\w+\s+)?$", body[max(cs, t0 - 20) : t0]
        ):
            return
    # --- actor
    actor: ActorEntry | None = None
    generic: str | None = None
    mentions = ctx.actors[si]

    def usable(x: ActorMention) -> bool:
        """Can this mention be the withdrawing side? (once per mention and article)"""
        ok = ctx.usable_cache.get(id(x))
        if ok is None:
            ok = _usable_withdrawer(ctx, x, a)
            ctx.usable_cache[id(x)] = ok
        return ok

    chosen: ActorMention | None = None
    roles = _roles(ctx, si, t0) if gname != "wn" else None
    if roles is not None and (roles.negated or roles.conditional or roles.modal in _DOUBT_MODALS):
        return  # "did not withdraw", "if we withdraw", "could pull out" ("will" announces)
    if roles is not None and roles.agent is not None:
        g0, g1 = roles.agent
        if lp["nonmil"].search(low, g0, g1) and not lp["mil"].search(low, g0, g1):
            return  # "diplomats left", "the families of personnel will leave"
        if roles.agent_head is not None and lp["nonmil"].fullmatch(low, *roles.agent_head):
            return  # "the families of its personnel": families, whoever's they are
    if (
        roles is not None
        and roles.patient is not None
        and not roles.passive
        and not word.startswith("cross")  # what is crossed is a border or a bridge
    ):
        # what is withdrawn or left must be troops or a place: not "left a vacuum",
        # "withdrew its ambassador", "leave the door open"; and "leave 3,000 troops" is
        # what stays, not what goes
        p0, p1 = roles.patient
        if lp["nonmil"].search(low, p0, p1):
            return  # "evacuated civilians", "withdrew its ambassador"
        has_place = any(p0 <= x.start < p1 for x in ctx.places[si])
        has_troops = bool(lp["mil"].search(low, p0, p1))
        if not has_place and (not has_troops or word.startswith(("leav", "left"))):
            return
    if roles is not None:
        # the parse's subject may also be a host's forces or an armed group leaving a place
        # the clause splitter bounds what the parse may pick: a wrong attachment across
        # "after ..." must not make another clause's subject the doer
        parsed = _agent_mentions(
            roles,
            [x for x in mentions if x.start >= cs and (usable(x) or _local_withdrawer(ctx, x))],
            body,
        )
        if parsed:
            # "coalition troops and Afghan police will withdraw": the foreign side leaves
            chosen = next((x for x in parsed if usable(x)), parsed[0])
        elif roles.agent is not None and _OWN_FORCES.match(low, roles.agent[0]):
            # "Ukraine's military said its forces had withdrawn": the side named before
            owners = [
                x
                for x in mentions
                if a <= x.start < roles.agent[0] and (usable(x) or _local_withdrawer(ctx, x))
            ]
            chosen = owners[-1] if owners else None
    if chosen is None and gname == "wn":
        of = re.match(r"\s+of\s+", body[t1 : t1 + 6])
        if of:
            seg_end = min(ce, t1 + 70)
            inside = [
                x
                for x in mentions
                if t1 < x.start < seg_end
                and usable(x)
                # "the withdrawal of troops from Iraq": the country left is not the leaver
                and not _FROM_BEFORE.search(low, max(t1, x.start - 12), x.start)
            ]
            if inside:
                chosen = inside[0]
        if chosen is None:
            poss = [x for x in mentions if t0 - 25 <= x.end <= t0 and usable(x)]
            if poss:
                chosen = poss[-1]
    if chosen is None:
        before = [x for x in mentions if cs <= x.start < t0 and usable(x)]
        if not before:
            before = [x for x in mentions if a <= x.start < t0 and usable(x)]
        if before:
            chosen = before[-1]
    after_trigger = _places_in(ctx, si, t1, ce, territorial=False)
    abroad = _left_abroad(ctx, si, after_trigger)
    if chosen is None and abroad is not None:
        # the theatre's own state leaving another country ("Israel will withdraw from
        # Lebanon" in an article that names Israel most)
        home = [
            x
            for x in mentions
            if cs <= x.start < t0
            and (r0 := _resolve_actor(ctx, x)) is not None
            and r0.kind == "state"
            and r0.code == ctx.host != abroad
        ]
        if home:
            chosen = home[-1]
    # a doer the parse found but that names no known actor ("Iran-backed militiamen
    # withdrew from the U.S. Embassy"): a name after the verb is not it
    unknown_doer = roles is not None and roles.agent is not None and gname != "wn"
    if chosen is None and not unknown_doer:
        after = [
            x
            for x in mentions
            if t1 <= x.start < ce
            and usable(x)
            and not _FROM_BEFORE.search(low, max(t1, x.start - 12), x.start)
        ]
        if after:
            chosen = after[0]
    if chosen is None:
        return
    anaphoric: Place | None = None
    foreign = (
        _theatre_period_actor(ctx, "foreign")
        if chosen.generic == "foreign" and not (roles is not None and roles.backdrop)
        else None
    )
    if chosen.generic == "foreign" and foreign is not None:
        actor = foreign  # "foreign troops" in a theatre and period with one foreign coalition
    elif chosen.generic == "foreign":
        generic = "foreign"
    else:
        r = _resolve_actor(ctx, chosen)
        if r is None:
            return
        # a state's forces (or the theatre's own state) leaving another country are foreign
        # there ("Serbian forces withdrew from Kosovo"); at home they leave places
        local = r.kind == "armed_group" or (
            (r.kind == "state_forces" or r.code == ctx.host) and abroad in (None, _side(r.code))
        )
        anaphoric = _place_left_by_reference(ctx, si, t0, t1, ce)
        if local and anaphoric is None and not [x for x in after_trigger if x[0].kind != "country"]:
            return  # a local side leaves a named place, never "the country"
        if r.kind == "state" and r.code == ctx.host:
            r = k.actor_by_code.get(ctx.theatre.get("forces") or "", r)
        actor = r if local else _state_of(r)
        if actor.kind == "coalition":
            actor = k.actor_by_code.get(actor.code, actor)
    # --- place
    place: Place | None = None
    explicit = True
    plist = _places_in(ctx, si, cs, ce, territorial=False)
    if actor is not None:
        # "withdrew from the U.S. Embassy": the leaver's own country is never the place left
        plist = [
            x for x in plist if not (x[0].kind == "country" and x[0].country == _side(actor.code))
        ]
    if actor is not None and actor.kind in ("state", "coalition") and actor.code != ctx.host:
        # a foreign force leaves a town it is said to leave ("from Kherson", "leave Kabul"),
        # not one another clause names ("despite its withdrawal, jets struck Palmyra")
        kept: list[tuple[Place, int, bool]] = []
        for x in sorted(plist, key=lambda x: x[1]):
            listed = bool(kept) and _LIST_ITEM_GAP.fullmatch(
                ctx.low, _end_of(ctx, si, kept[-1][1]), x[1]
            )
            if x[0].kind == "country" or listed or _named_as_left(ctx, si, t1, x[1]):
                kept.append(x)
        plist = kept
    sub = [x for x in plist if x[0].kind != "country"]
    if not sub and anaphoric is not None:
        sub = [(anaphoric, t1, True)]  # "forced to withdraw from the city": the one named
    ind = lp["from_indef"].search(low, t1, min(ce, t1 + 60))
    also: list[Place] = []
    if sub:
        # the place after the verb is the one left ("after retreats from Kyiv, troops
        # withdrew from Kherson"); one before it is the place left only when none follows
        sub = [x for x in sub if x[1] >= t1] or sub
        place = max(sub, key=lambda x: KIND_RANK.get(x[0].kind, 0) * 0 + (1 if x[0].adm2 else 0))[0]
        also = _coordinated_left(ctx, si, sub, t1)
        if also:
            place, also = also[0], also[1:]
    elif ind and ind.group("kind") == "province" and ctx.province_counts:
        adm1 = max(ctx.province_counts.items(), key=lambda kv: kv[1])[0]
        place = _place_from_entry(k.provinces[adm1], "province")
    elif plist:
        place = plist[0][0]
    elif (also_left := _also_left(ctx, si, t0, out)) is not None:
        place = also_left  # "Britain also evacuated soldiers": from where the others left
    else:
        # the country left is the article's theatre, unless that is the leaver's own
        # country ("Israel withdrew ...": the next theatre named)
        own = _side(actor.code) if actor is not None else None
        left = next((c for c in ctx.host_ranking if c != own), None)
        if left is None and ctx.host != own and ctx.in_theatre:
            left = ctx.host
        host = k.countries.get(left or "")
        if host is None:
            return
        place = _place_from_entry(host, "country")
        explicit = False
    # --- slots
    troops, _ = _troops(ctx, cs, ce)
    _, rems = _troops(ctx, a, b)
    for pos, val in rems:
        owners = [x for x in mentions if pos <= x.start <= pos + 40 and usable(x)]
        if owners and (r := _resolve_actor(ctx, owners[0])) is not None:
            remain_facts.append((_state_of(r), val))
    percent: float | None = None
    pm = _PERCENT_DONE.search(body[cs:ce])
    if pm:
        percent = min(100.0, float(pm.group(1) or pm.group(2)))
    dates = _dates_for(ctx, t1, min(b, t1 + 140)) + _dates_for(ctx, max(cs, t0 - 40), t0)
    deadline, when = _pick_dates(ctx, dates, t0, t1)
    if (
        deadline is not None
        and not deadline.is_by
        and deadline.precision == "month"
        and (deadline.value.year, deadline.value.month) == (ctx.ref.year, ctx.ref.month)
        and not lp["announce"].search(low[cs:t0])
    ):
        # "withdrew ... in May" written in May: this month, done, not a deadline ahead
        deadline, when = None, when or deadline
    post = body[t1 : min(ce, t1 + 40)]
    lpre = low[max(cs, t0 - 60) : t0]
    lpost = low[t1 : min(ce, t1 + 40)]
    ongoing = lp["ongoing"].search(lpre)
    if ongoing and re.search(r"\bto\s+$", lpre[: ongoing.start()]):
        ongoing = None  # "sets the stage for Trump to begin withdrawing": not yet begun
    if ongoing or _UNDERWAY.search(post) or percent is not None:
        status = "ongoing"
    elif lp["announce"].search(low[cs:t0]) or (
        deadline is not None and (deadline.value >= ctx.ref or not ctx.ref_known)
    ):
        status = "announced"
    elif lp["completed"].search(lpre) or lp["completed"].search(lpost) or last_mil:
        status = "completed"
    elif gname == "wn" or (
        _IS_ARE.search(low, max(cs, t0 - 20), t0) and low[t0:t1].split(" ", 1)[0].endswith("ing")
    ):
        status = "ongoing"  # "the U.S. is drawing back troops"
    else:
        status = "completed"
    if status != "announced" and deadline is not None and not deadline.is_by:
        deadline = None
    claim, claimant = (
        _claim(ctx, si, actor, None, "withdrawal", t1) if actor else ("reported", None)
    )
    for where in [place, *also]:
        c = Cand(
            "withdrawal",
            actor,
            generic,
            where,
            si,
            a,
            b,
            status=status,
            troops=troops if where is place else None,
            percent=percent,
            deadline=deadline,
            event_date=when,
        )
        c.explicit_place = explicit
        c.default_date = when is None and status != "announced"
        c.said_now = status == "announced" and bool(_SAID_NOW.search(body, cs, t0))
        c.present = bool(_PRESENT.search(low, cs, ce))
        c.claim, c.claimant = claim, claimant
        c.listed = bool(also)
        out.append(c)


@lru_cache(maxsize=1)
def _count_low() -> re.Pattern[str]:
    """P()["count"] for the lower-cased body ("[A-Z]" matched any letter under re.I)."""
    return re.compile(P()["count"].pattern.replace("[A-Z]", "[a-z]"))


def _place_count(ctx: Ctx, si: int) -> int | None:
    """ "two out of six districts" -> 2: the sentence's place count, found once."""
    if si in ctx.count_cache:
        return ctx.count_cache[si]
    a, b = ctx.sents[si]
    count: int | None = None
    cm = _count_low().search(ctx.low, a, b)
    if cm:
        tok = cm.group("n") or cm.group("n2")
        val = parse_number(tok) if tok else None
        if isinstance(val, int):
            count = val
    ctx.count_cache[si] = count
    return count


@lru_cache(maxsize=1)
def _taken_not_ground() -> re.Pattern[str]:
    """People or things right after a gain verb: "captured a senior commander", "seized U.S.
    embassy vehicles" (lexicon `taken_people`, `taken_things`; lower-cased text)."""
    lx = knowledge().lexicon
    return re.compile(
        r"\s+(?:(?!(?:districts?|provinces?|city|cities|towns?|villages?|regions?|areas?"
        r"|for|from|with|to|by|of|in|at|on|after|before|as|when|while|and|but|or|then|during"
        r"|since|until|because|despite|following|amid|which|who|that)\b)"
        r"(?:[\w'’-]+|(?:\w\.){2,})\s+){0,3}?(?:"
        + lx["taken_people"]
        + "|"
        + lx["taken_things"]
        + r")\b(?!\s+(?:of\b|depots?|factory|factories|plants?|stores?|bases?|fields?|terminals?))"
    )


# (searched in the lower-cased body)
_ATTEMPT = re.compile(
    r"\b(?:attempt(?:s|ed|ing)? to|trying to|tries to|tried to|bid to|effort to|counter-?offensive"
    r"|(?:operation|offensive|campaign|push|drive)(?: [\w-]+){0,3} to)\b"
)
_COUNTER_OFFENSIVE = re.compile(r"counter-?offensive")


_BY_AGENT = re.compile(r"\s+by\s+")
_TO_GAINER = re.compile(r"\bto\s+(?:the\s+)?")
_OBJECT_NOUN_OF = re.compile(
    r"\b(?:city|town|village|capital|district|province|region|port|base|provinces|districts"
    r"|towns|villages|cities|centre|center|heart|downtown) of\b"
)
_OBJECT_LEAD = re.compile(r"\s+(?:back\s+)?(?:the\s+|a\s+)?(?:[\w'’-]+\s+){0,3}?$")


_PLACE_AHEAD = re.compile(
    r"\b[A-Z][a-z]|\b(?:bases?|airports?|airfields?|outposts?|towns?|city|cities|villages?|"
    r"districts?|provinces?|regions?|capital|country|territory|centre|center)\b"
)


def _may_name_place(ctx: Ctx, m: re.Match[str]) -> bool:
    """A bare "took"/"reached" can gain only a place named soon after it: a cheap check
    that keeps sentences like "it took months" away from the parser."""
    return _PLACE_AHEAD.search(ctx.body, m.end(), m.end() + 80) is not None


_VAGUE_OBJECT_LEAD = re.compile(
    r"\s+(?:(?:the|a|an|some|several|many|most|much|all|parts|part|large|of|more|dozens"
    r"|\d+|two|three|four|five|six|seven|eight|nine|ten)\s+)*"
)


def _place_is_object(ctx: Ctx, si: int, t0: int, t1: int) -> bool:
    """The parse's object of the verb at t0 names a place, and nothing but modifiers precede it."""
    roles = _roles(ctx, si, t0)
    if roles is None or roles.patient is None or roles.passive:
        return False
    p0, p1 = roles.patient
    for pm in ctx.places[si]:
        if p0 <= pm.start < p1 and _resolve_place(ctx, pm, si) is not None:
            lead = ctx.body[t1 : pm.start]
            bare = _OBJECT_NOUN_OF.sub(" ", lead.lower())
            return bool(_OBJECT_LEAD.fullmatch(lead)) and not re.search(
                r"\b(?:in|at|of|from|to|on|near|for|with|by)\b", bare
            )
    # "took several villages south of Mosul", "taking much of the region around the city":
    # an unnamed place that opens the object
    vague = ctx.lp["vague"].search(ctx.low, p0, p1)
    return (
        vague is not None
        and t1 <= p0
        and _VAGUE_OBJECT_LEAD.fullmatch(ctx.low, t1, vague.start()) is not None
    )


# "had been held by", "had controlled": a hold before the story's time
_PAST_PERFECT = re.compile(r"\bhad\s+(?:long\s+|once\s+)?(?:been\s+)?$")
_WAS = re.compile(r"\b(?:was|were)\s+(?:\w+\s+)?$")
_FOR_A_WHILE = re.compile(
    r"\bfor\s+(?:the\s+)?(?:past\s+|last\s+|several\s+|many\s+)?(?:[\w-]+\s+)?"
    r"(?:days|weeks|months|years)\b"
)
_BEFORE_BEING = re.compile(r"\bbefore\s+(?:being|it was|they were)\b")


def _hold_ended(ctx: Ctx, t0: int, t1: int, cs: int, ce: int) -> bool:
    """A hold the sentence puts in a past that is over: "Damasak, which had been held by
    Boko Haram", "which was under Russian occupation for six months", "controlled much of the
    country before being deposed" (a hold "for the past year" with "has been" goes on)."""
    low = ctx.low
    before = low[max(cs, t0 - 30) : t0]
    if _PAST_PERFECT.search(before):
        return True
    after = low[t1:ce]
    if _BEFORE_BEING.search(after):
        return True
    return bool(_WAS.search(before) and _FOR_A_WHILE.search(after))


_SURROUND_OBJECT = re.compile(r"\s+(?:the\s+)?(?:(?:city|town|village)\s+of\s+)?")


def _object_of_surround(ctx: Ctx, si: int, t0: int, t1: int) -> None:
    """ "Troops are surrounding the city of Bani Walid": the place after the verb is its
    object, not a place "surrounding" only locates (as in "the areas surrounding Kabul")."""
    if not ctx.low.startswith(("surround", "encircl"), t0):
        return
    roles = _roles(ctx, si, t0)
    if roles is None or roles.agent is None:
        return  # a participle of a noun ("the areas surrounding Kabul"): a locator
    for pm in ctx.places[si]:
        if pm.anchored and _SURROUND_OBJECT.fullmatch(ctx.low, t1, pm.start):
            pm.anchored = False


def _territorial(
    ctx: Ctx, si: int, m: re.Match[str], gname: str, trig_starts: list[int], out: list[Cand]
) -> None:
    body, low, lp = ctx.body, ctx.low, ctx.lp
    p = P()
    k = knowledge()
    t0, t1 = m.start(), m.end()
    a, b = ctx.sents[si]
    cs, ce = _clause_bounds(ctx, si, t0)
    kind = {
        "ga": "gain",
        "gb": "gain",
        "gl": "gain",
        "gn": "gain",
        "gp": "gain",
        "gt": "gain",
        "ha": "hold",
        "hp": "hold",
        "ct": "contest",
        "ho": "handover",
    }[gname]
    if _blocked(ctx, si, t0, t1, cs, kind=kind):
        return
    if kind == "hold" and _hold_ended(ctx, t0, t1, cs, ce):
        return
    bare = gname == "gb"
    if bare:
        # a bare "took" gains only a place that is its direct object ("took the Warduj
        # district"), never "took place in Kabul" or "took hostages in Mosul"
        if not _place_is_object(ctx, si, t0, t1):
            return
        gname = "ga"
    taken = _taken_not_ground().match(low, t1) if gname == "ga" else None
    if taken and not any(
        t1 <= pm.start < taken.end() and any(e.kind != "country" for e in pm.entries)
        for pm in ctx.places[si]
    ):
        return  # "captured a senior member of ...", "seized embassy vehicles": not ground
    mentions = ctx.actors[si]
    nxt = min([s for s in trig_starts if s > t0] + [ce])
    obj_hi = nxt
    change = kind
    attempt = _ATTEMPT.search(low[max(cs, t0 - 60) : t0]) or _COUNTER_OFFENSIVE.search(low, a, t0)

    def conflict_party(x: ActorMention) -> ActorEntry | None:
        r = _resolve_actor(ctx, x)
        if r is None or r.code in k.non_parties:
            return None
        return r

    actor: ActorEntry | None = None
    counter: ActorEntry | None = None
    places: list[tuple[Place, int, bool]] = []
    share_of: float | None = None
    passive = gname in ("gp", "gt", "hp")
    if gname == "gl":
        # "the junta lost control of Lashio to ethnic armed groups", "ceded the city to
        # Russia": the side after "to" gains what lies between; the subject loses it
        to_m = _TO_GAINER.search(low, t1, ce)
        if to_m is None:
            return
        roles = _roles(ctx, si, t0)
        if roles is not None and (roles.negated or roles.hypothetical):
            return
        gainers = [x for x in mentions if to_m.end() <= x.start <= to_m.end() + 25]
        actor = conflict_party(gainers[0]) if gainers else None
        losers = [x for x in mentions if cs <= x.start < t0 and conflict_party(x) is not None]
        counter = conflict_party(losers[-1]) if losers else None
        if actor is None or (counter is not None and _side(counter.code) == _side(actor.code)):
            return
        if m.group(0).lower().startswith("hand"):
            change = "handover"  # "handed over the base to Afghan forces": no fight
        places = _places_in(ctx, si, t1, to_m.start(), territorial=True) + _vague_places(
            ctx, si, t1, to_m.start()
        )
        if not places and lp["pronoun_it"].match(low, t1):
            prev = _previous_place(ctx, si, t0)
            places = [(prev, t1, True)] if prev else []
    elif gname == "gn":
        # "the fall of Ramadi to ISIS", "Russia's capture of Kherson", "the capture of the
        # airport by rebels": the place follows "of", the gainer a preposition or a possessive
        np_end = min(ce, t1 + 90)
        places = _places_in(ctx, si, t1, np_end, territorial=True)
        if not places:
            # "the Taliban's takeover of the country": an unnamed place right after "of"
            places = [v for v in _vague_places(ctx, si, t1, np_end) if v[1] <= t1 + 2]
        if not places:
            return
        first_end = _end_of(ctx, si, places[0][1])
        gainer = [
            x
            for x in mentions
            if first_end <= x.start < min(np_end, first_end + 30)
            and _NOMINAL_AGENT.search(body[first_end : x.start])
            and conflict_party(x) is not None
        ]
        poss = [
            x
            for x in mentions
            if t0 - 30 <= x.end <= t0
            and _POSSESSIVE.match(body, x.end)
            and conflict_party(x) is not None
        ]
        pick = poss[-1] if poss else (gainer[0] if gainer else None)
        if pick is None:
            return
        actor = conflict_party(pick)
        places = places[:1]
    elif gname == "ho":
        # auxiliaries ("supported by 250 American soldiers") and the source of an
        # attribution ("according to the French commander") are neither side of it
        attrib = low.find("according to", a, b)
        mentions = [
            x
            for x in mentions
            if not (0 <= attrib < x.start)
            and not lp["auxiliary"].search(low, max(a, x.start - 60), x.start)
        ]
        to = [x for x in mentions if t1 <= x.start < min(b, t1 + 80)]
        giver = [x for x in mentions if cs <= x.start < t0]
        to_rec = [
            x
            for x in to
            if re.search(r"\bto\s+(?:the\s+)?$", body[max(t1, x.start - 10) : x.start])
        ]
        rec = to_rec[0] if to_rec else (to[0] if to else None)
        if rec is None:
            return
        actor = conflict_party(rec)
        if actor is None:
            return
        g = conflict_party(giver[-1]) if giver else None
        if g is None:
            others = [
                conflict_party(x)
                for x in mentions
                if x is not rec and not lp["led_by"].search(low[max(a, x.start - 30) : x.start])
            ]
            others2 = [
                o
                for o in others
                if o is not None
                and _side(o.code) != _side(actor.code)
                and o.kind in ("state", "coalition", "state_forces")
            ]
            g = others2[0] if others2 else None
        counter = _state_of(g) if g else None
        if actor.kind == "armed_group":
            change = "gain"
        elif actor.kind not in ("state_forces", "state"):
            return
        places = _places_in(ctx, si, cs, t0, territorial=True) + _places_in(
            ctx, si, t1, min(b, t1 + 120), territorial=True
        )
    elif passive:
        by = [x for x in mentions if t1 <= x.start <= t1 + 25]
        roles = _roles(ctx, si, t0) if gname == "gp" else None
        if roles is not None and (roles.negated or roles.hypothetical):
            return
        parsed = (
            _agent_mentions(roles, mentions, body) if roles is not None and roles.passive else None
        )
        if parsed:
            by = parsed
        if not by:
            return
        actor = conflict_party(by[0])
        places = _places_in(ctx, si, cs, t0, territorial=True) + _vague_places(ctx, si, cs, t0)
        if len(places) > 1:
            # "Lysychansk, the last city in Luhansk held by Ukrainian forces": a place after
            # "in" only locates the one named before it
            places = [places[0]] + [
                x for x in places[1:] if not _LOCATIVE_BEFORE.search(body, max(0, x[1] - 12), x[1])
            ]
        if not places:
            prev = _previous_place(ctx, si, cs)
            if prev is not None and re.match(r"\s*(?:which|that|it)\b", body[cs : cs + 10]):
                places = [(prev, cs, True)]
    else:
        before = [
            x
            for x in mentions
            if cs <= x.start < t0
            and conflict_party(x) is not None
            and not lp["led_by"].search(low[max(a, x.start - 30) : x.start])
            # "al-Qaeda's affiliate in Iraq seized": where the doer is, not who it is
            and not _LOCATIVE_BEFORE.search(body, max(0, x.start - 12), x.start)
        ]
        if not before:
            before = [x for x in mentions if a <= x.start < t0 and conflict_party(x) is not None]
        roles = _roles(ctx, si, t0)
        if roles is not None and (roles.negated or roles.hypothetical):
            return  # "did not capture", "could fall", "threatened to seize", "if X takes"
        parsed = _agent_mentions(
            roles,
            [x for x in mentions if x.start >= cs and conflict_party(x) is not None],
            body,
        )
        if gname == "ha" and m.group(0).startswith("-"):
            # "the Islamic State-held city": the holder is the name joined to "-held", not
            # the subject of the sentence's verb
            joined = [x for x in mentions if 0 <= t0 - x.end <= 1 and conflict_party(x)]
            if not joined:
                return
            parsed, roles = joined, None
        if roles is not None and roles.passive and kind == "gain":
            # "X was pushed out of Y by Z": the gainer is the by-agent, never the subject
            by_agent = [x for x in (parsed or []) if roles.agent and x.start >= t1]
            if not by_agent:
                return
            parsed = by_agent
        if bare and not parsed:
            return  # "aid reached the camp": a bare verb needs a known actor as its doer
        if parsed:
            before = [parsed[0]]
        elif (
            roles is not None
            and roles.pronoun_agent
            and roles.agent is not None
            and roles.agent[0] >= cs
        ):
            return  # "we were liberating villages": a doer the parse cannot name
        elif (
            parsed is not None
            and roles is not None
            and roles.agent is not None
            and (
                roles.agent[0] >= cs  # a doer outside the trigger's clause is a misparse
            )
        ):
            # the doer is named but is no known actor: a name between it and the trigger
            # ("X, backed by US air strikes, retook") is not the doer either
            before = [x for x in before if x.start < roles.agent[0]]
        besieger = None
        if kind == "contest" and _BY_AGENT.match(low, t1):
            # "Chernihiv was surrounded by Russian forces": the by-agent besieges the subject
            by_x = [x for x in mentions if t1 <= x.start <= t1 + 25 and conflict_party(x)]
            besieger = by_x[0] if by_x else None
        if besieger is not None:
            before = [besieger]
        elif kind == "contest":
            firsts = [
                x
                for x in mentions
                if getattr(conflict_party(x), "kind", None) in ("armed_group", "state_forces")
            ]
            if firsts:
                before = [firsts[0]]
            elif ctx.in_theatre:
                ins = _theatre_insurgent(ctx, unnamed=False)
                actor = ins
        if before:
            actor = conflict_party(before[-1])
        if lp["pronoun_it"].match(low, t1):
            # "seized it" is a town or a base taken, never a whole country named before ("took
            # a hotel in Burkina Faso from fighters who seized it"; "Israel ... held it")
            prev = _previous_place(ctx, si, t0)
            places = [(prev, t1, True)] if prev and prev.kind != "country" else []
        else:
            if kind == "contest":
                obj_hi = ce
                _object_of_surround(ctx, si, t0, t1)
            places = _places_in(ctx, si, t1, obj_hi, territorial=True) + _vague_places(
                ctx, si, t1, obj_hi
            )
            if besieger is not None:
                places = _places_in(ctx, si, cs, t0, territorial=True) + _vague_places(
                    ctx, si, cs, t0
                )
            sm = p["share"].search(body, t1, obj_hi)
            if sm:
                adj = sm.group("adj")
                code = ctx.host
                if adj:
                    acts = k.actors.get(adj.lower())
                    if acts and acts[0].kind == "state":
                        code = acts[0].code
                cn = k.countries.get(code)
                places = [
                    (
                        Place(name=cn.name if cn else code, kind="territory_share", country=code),
                        sm.start(),
                        True,
                    )
                ]
            else:
                # "controls about 40% of Donetsk": a share of a named province or country
                for pl, pos, _c in list(places):
                    pct = _SHARE_BEFORE.search(low, max(t1, pos - 30), pos)
                    if pct and pl.kind in ("province", "country", "region", "city"):
                        share_of = float(pct.group(1))
                        places = [
                            (
                                Place(
                                    name=pl.name,
                                    kind="territory_share",
                                    country=pl.country,
                                    adm1=pl.adm1,
                                    lat=pl.lat,
                                    lon=pl.lon,
                                ),
                                pos,
                                True,
                            )
                        ]
                        break
        if kind == "hold" and gname == "ha" and m.group(0).lower().startswith("hold"):
            places = [x for x in places if x[1] <= t1 + 15]
        if kind == "contest" or m.group(0).lower().startswith("ent"):
            places = [x for x in places if x[2] and x[0].kind not in ("country", "territory_share")]
        if attempt and kind == "gain":
            change = "contest"
        if kind == "gain" and lp["partial"].search(low, t1, obj_hi):
            change = "contest"
    if (
        actor is not None
        and actor.kind == "state"
        and actor.code != ctx.host
        and kind in ("gain", "hold")
    ):
        # a state takes or holds places abroad; "Israel took it" is never Israel itself
        places = [x for x in places if not (x[0].kind == "country" and x[0].country == actor.code)]
    if actor is None or not places:
        return
    if actor.kind == "state" and actor.code == ctx.host:
        forces = k.actor_by_code.get(ctx.theatre.get("forces") or "")
        actor = forces or actor
    # concrete places beat vague ones
    concrete = [x for x in places if x[2]]
    if concrete:
        places = concrete
    else:
        places = [max(places, key=lambda x: KIND_RANK.get(x[0].kind, 0))]
    if counter is None and ctx.in_theatre and change in ("gain", "contest"):
        if actor.kind == "armed_group":
            counter = k.actor_by_code.get(ctx.theatre.get("forces") or "")
        elif actor.kind == "state_forces":
            counter = _theatre_insurgent(ctx, unnamed=False)
    share = share_of
    count = None
    sm2 = p["share"].search(body, a, b)
    if share is None and sm2 and any(x[0].kind == "territory_share" for x in places):
        share = _share_value(sm2)
    count = _place_count(ctx, si)
    claim, claimant = _claim(ctx, si, actor, counter, "territorial_control", t1)
    dates = _dates_for(ctx, a, b)
    _, when = _pick_dates(ctx, dates, t0, t1)
    for pl, _pos, is_concrete in places:
        c = Cand(
            "territorial_control",
            actor,
            None,
            pl,
            si,
            a,
            b,
            change=change,
            counter=counter,
            share=share if pl.kind == "territory_share" else None,
            count=count,
            event_date=when,
            claim=claim,
            claimant=claimant,
        )
        c.partial = change == "contest" and kind == "gain"
        if pl.kind in ("country", "province"):
            c.scope = _scope(ctx, cs, t0, t1, _pos)
        c.default_date = when is None
        c.present = bool(_PRESENT.search(low, cs, ce))
        c.vague = not is_concrete
        out.append(c)


# ----------------------------------------------------------------------------- assembly


def _event_id(article_id: str, *parts: str) -> str:
    h = hashlib.sha1("\x1f".join([article_id, *parts]).encode("utf-8")).hexdigest()[:20]
    return f"ev-{h}"


def _loc_key(pl: Place | None) -> str:
    if pl is None:
        return "none"
    return pl.key


_NOT_TROOPS_AFTER = re.compile(r"\s*(?:%|percent|per cent|km|miles|kilomet|years?|days?|months?)")
_TROOP_NOUN = re.compile(r"\b(?:troops?|soldiers|forces?|servicem[ae]n|personnel|marines)\b")


def _remaining_in(ctx: Ctx, si: int, out: list[tuple[ActorEntry | None, int]]) -> None:
    """Troops that stay, said in any sentence: "leaving about 650", "cut to 5,500"."""
    a, b = ctx.sents[si]
    if not _TROOP_NOUN.search(ctx.low, a, b):
        return
    p = P()
    for s, e, val in _numbers(ctx, a, b):
        if not isinstance(val, int) or not 10 <= val <= 500_000:
            continue
        pre = ctx.body[max(a, s - 60) : s]
        if not (p["reduce_to"].search(pre) or p["keep_before"].search(pre)):
            ta = p["troop_after"].match(ctx.body, e, min(b, e + 60))
            stays = ta and ctx.lp["remain"].match(ctx.low, ta.end(), min(b, ta.end() + 40))
            # "of its 13,000 troops, more than 8,000 will remain": the troops are understood
            if not stays and not (ta is None and _STAY_BARE.match(ctx.low, e)):
                continue
        if _NOT_TROOPS_AFTER.match(ctx.body, e):
            continue
        ctx.ensure(si)
        ta = p["troop_after"].match(ctx.body, e, min(b, e + 60))
        limit = ta.end() if ta else s
        owners = [
            r
            for x in ctx.actors[si]
            if x.start < limit
            and (r := _resolve_actor(ctx, x)) is not None
            and r.kind in ("state", "coalition")
            and r.code != ctx.host
        ]
        if owners:
            out.append((_state_of(owners[-1]), val))
        else:
            out.append((None, val))  # "the force would be cut to 5,200": the article's leaver


def run(article: Article) -> list[WithdrawalEvent | TerritorialControlEvent]:
    ctx = build_ctx(article)
    if ctx is None:
        return []
    cands: list[Cand] = []
    remain_facts: list[tuple[ActorEntry | None, int]] = []
    found = [
        [m for m in _triggers(ctx.low, a, b) if m.lastgroup != "gb" or _may_name_place(ctx, m)]
        for a, b in ctx.sents
    ]
    # the sentences that can carry an event are parsed together, in one batch
    ctx.docs = syntax.parse_many(
        [ctx.body[a:b] for (a, b), m in zip(ctx.sents, found, strict=True) if m]
    )
    for si in range(len(ctx.sents)):
        _remaining_in(ctx, si, remain_facts)
        # a bare "control" is a trigger only as a verb ("they control the city"), never the
        # noun of "seized control of" (whose object it would otherwise cut short)
        matches = [
            m
            for m in found[si]
            if not (m.lastgroup == "ha" and m.group(0).lower() == "control")
            or _is_verb_at(ctx, si, m.start())
            # "the Taliban control 85 percent": a side right before it and an object right
            # after it make it a verb, whatever the parse says
            or (_VERB_OBJECT_AFTER.match(ctx.low, m.end()) and _side_right_before(ctx, si, m))
        ]
        if not matches:
            continue
        ctx.ensure(si)
        starts = [m.start() for m in matches]
        for m in matches:
            g = m.lastgroup or ""
            if g in ("wv", "wn"):
                _withdrawal(ctx, si, m, g, cands, remain_facts)
            else:
                _territorial(ctx, si, m, g, starts, cands)
    return assemble(article, ctx, cands, remain_facts)


def _date_fields(ctx: Ctx, c: Cand) -> tuple[date | None, str]:
    if c.event_date is not None:
        return c.event_date.value, c.event_date.precision
    if c.said_now and ctx.ref_known:
        # an announcement is dated the day it was said: "X has said / says" -> the
        # reference day (a year in the sentence is the plan's, not background history)
        return ctx.ref, "day"
    if c.default_date:
        if not ctx.ref_known:
            return None, "unknown"
        a, b = ctx.sents[c.sent_idx]
        # background history must not be dated to the reference day
        if re.search(r"\b(?:19[5-9]\d|20[0-4]\d)\b", ctx.body[a:b]):
            return None, "unknown"
        narrative = ctx.narrative() if c.present else None
        if narrative is not None:
            # an undated present-tense statement is told as of the lede's day
            return narrative, "day"
        return ctx.ref, "day"
    return None, "unknown"


def _side_speaks_of_troops(ctx: Ctx, actor: ActorEntry) -> bool:
    """Does an official or leader of ``actor``'s side speak of troops anywhere in the
    article ("the Pentagon said the troops would ...")?"""
    side = _side(_state_of(actor).code)
    for si, (a, b) in enumerate(ctx.sents):
        if not ctx.lp["say"].search(ctx.low, a, b) or not ctx.lp["mil"].search(ctx.low, a, b):
            continue
        ctx.ensure(si)
        speaker, _, _, _, claimed = _speaker(ctx, si)
        if speaker is not None and not claimed and _side(_state_of(speaker).code) == side:
            return True
    return False


def assemble(
    article: Article, ctx: Ctx, cands: list[Cand], remain_facts: list[tuple[ActorEntry | None, int]]
) -> list[WithdrawalEvent | TerritorialControlEvent]:
    k = knowledge()
    # ---- withdrawals: one per sentence per actor (most specific place), then per actor+place
    wd = [c for c in cands if c.etype == "withdrawal" and c.actor is not None]
    generic = [c for c in cands if c.etype == "withdrawal" and c.actor is None]
    per_sent: dict[tuple[int, str, str], Cand] = {}
    broad: list[Cand] = []
    for c in wd:
        assert c.actor is not None
        if c.place is None or c.place.kind in ("country", "region"):
            broad.append(c)
            continue
        # each named place left in a sentence is its own happening ("after retreats from
        # Kyiv, troops withdrew from Kherson"); mentions of one place merge
        skey = (c.sent_idx, c.actor.group or c.actor.code, c.place.adm1 or c.place.key)
        prev = per_sent.get(skey)
        per_sent[skey] = c if prev is None else _merge_w(prev, c)
    for c in broad:
        assert c.actor is not None
        side = c.actor.group or c.actor.code
        # "the withdrawal from Afghanistan ... from Helmand": the country is the place's
        same = [k_ for k_ in per_sent if k_[0] == c.sent_idx and k_[1] == side]
        skey = same[0] if same else (c.sent_idx, side, "*")
        prev = per_sent.get(skey)
        per_sent[skey] = c if prev is None else _merge_w(prev, c)
    groups: dict[tuple[str, str], Cand] = {}
    order: list[tuple[str, str]] = []
    for c in per_sent.values():
        assert c.actor is not None
        pl = c.place
        lk = (pl.adm1 or f"{pl.country}:{pl.kind}") if pl else "none"
        if pl is not None and pl.adm1 is None and pl.kind not in ("country", "region"):
            lk = pl.key  # towns of a theatre without P-codes: one event per town left
        key = (c.actor.group or c.actor.code, lk)
        if key in groups:
            groups[key] = _merge_w(groups[key], c)
        else:
            groups[key] = c
            order.append(key)
    leavers = {groups[key].actor.code for key in order if groups[key].actor is not None}  # type: ignore[union-attr]
    for actor_e, val in remain_facts:
        if actor_e is None and len(leavers) != 1:
            continue  # no owner named and more than one side leaving: nobody's for sure
        for key in order:
            c = groups[key]
            if (
                c.actor is not None
                and (actor_e is None or c.actor.code == actor_e.code)
                and c.remaining is None
            ):
                c.remaining = val
                break
    for g in generic:
        for key in order:
            c = groups[key]
            if (
                c.place
                and g.place
                and c.place.country == g.place.country
                and c.place.kind == g.place.kind
            ):
                if c.deadline is None and g.deadline is not None:
                    c.deadline = g.deadline
                if c.event_date is None and g.event_date is not None:
                    c.event_date = g.event_date
    events: list[WithdrawalEvent | TerritorialControlEvent] = []
    for key in order:
        c = groups[key]
        assert c.actor is not None
        if c.claim == "reported" and _side_speaks_of_troops(ctx, c.actor):
            # the leaving side's own officials speak of it elsewhere in the article
            c.claim, c.claimant = "confirmed", _state_of(c.actor)
        slots = sum(x is not None for x in (c.troops, c.remaining, c.percent, c.deadline))
        events.append(
            WithdrawalEvent(
                **_common_fields(ctx, article, c, "withdrawal"),
                confidence=round(
                    min(0.95, 0.6 + 0.07 * slots + (0.05 if c.explicit_place else 0)), 2
                ),
                status=c.status,  # type: ignore[arg-type,unused-ignore]
                troops=c.troops,
                remaining_troops=c.remaining,
                percent_complete=c.percent,
                deadline=c.deadline.value if c.deadline else None,
                deadline_precision=c.deadline.precision if c.deadline else None,  # type: ignore[arg-type,unused-ignore]
            )
        )
    # ---- territorial control: one per actor + place
    tc = [c for c in cands if c.etype == "territorial_control" and c.actor is not None]
    # a handover with no explicit giver: the foreign side the article reports withdrawing
    # from that place or its province hands over
    for c in tc:
        if c.change == "handover" and c.counter is None and c.place and c.place.adm1:
            for w in wd:
                wp = w.place
                if (
                    w.actor is not None
                    and w.actor.code != ctx.host
                    and w.actor.kind in ("state", "coalition")
                    and wp is not None
                    and wp.adm1 == c.place.adm1
                    and (c.place.adm2 is None or wp.adm2 in (None, c.place.adm2))
                ):
                    c.counter = w.actor
                    break
    # vague places are dropped when the same actor has a concrete place in the same sentence
    concrete_sents = {
        (c.sent_idx, c.actor.code, c.change) for c in tc if not c.vague and c.actor
    }  # of the same change: "who control more territory, assaulted Kunduz" keeps both
    tgroups: dict[tuple[str, str], Cand] = {}
    torder: list[tuple[str, str]] = []
    for c in tc:
        assert c.actor is not None
        if c.vague and (c.sent_idx, c.actor.code, c.change) in concrete_sents:
            continue
        key = (c.actor.code, _loc_key(c.place))
        if c.place and c.place.kind == "region":
            key = (c.actor.code, f"{c.place.country}:region")
        elif c.place and c.place.kind == "base" and not c.place.name[:1].isupper():
            # "an important army base" and "the government military base" of one story
            key = (c.actor.code, f"{c.place.country}:{c.place.adm1}:{c.change}:unnamed base")
        if key in tgroups:
            tgroups[key] = _merge_t(tgroups[key], c)
        else:
            tgroups[key] = c
            torder.append(key)
    for key in torder:
        c = tgroups[key]
        assert c.actor is not None
        events.append(
            TerritorialControlEvent(
                **_common_fields(ctx, article, c, "territorial_control"),
                confidence=round(
                    0.55
                    if c.vague
                    else 0.7
                    + (
                        0.1
                        if c.place and (c.place.adm1 or c.place.kind == "territory_share")
                        else 0
                    ),
                    2,
                ),
                change=c.change,  # type: ignore[arg-type,unused-ignore]
                counter_actor=_actor_model(c.counter) if c.counter else None,
                territory_share_percent=c.share,
                place_count=c.count,
                place_scope=c.scope,  # type: ignore[arg-type,unused-ignore]
            )
        )
    _ = k
    return events


def _common_fields(ctx: Ctx, article: Article, c: Cand, etype: str) -> dict[str, Any]:
    """The fields every event shares: id, provenance, date, actor, place, claim, evidence."""
    assert c.actor is not None
    ev_date, prec = _date_fields(ctx, c)
    a, b = ctx.sents[c.sent_idx]
    aid = article.article_id
    return {
        "event_id": _event_id(aid, etype, c.actor.code, _loc_key(c.place)),
        "article_id": aid,
        "source": article.source,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "date_basis": ctx.basis,
        "event_date": ev_date,
        "date_precision": prec,
        "actor": _actor_model(c.actor),
        "location": c.place,
        "claim_status": c.claim,
        "claimant": _actor_model(c.claimant) if c.claimant else None,
        "evidence": Evidence(text=ctx.body[a:b], start=a, end=b),
    }


def _merge_w(x: Cand, y: Cand) -> Cand:
    """Combine two mentions of one withdrawal: slots from both, evidence from the richer one."""
    best, other = (x, y) if x.score() >= y.score() else (y, x)
    status_x = x.status or "announced"
    status_y = y.status or "announced"
    merged = Cand(**{f: getattr(best, f) for f in best.__dataclass_fields__})
    # the lede tells the news: the earliest mention's status stands ("will withdraw by
    # 2014" in the lede, "the withdrawal began in 2011" as background later on)
    merged.status = status_x if x.sent_idx <= y.sent_idx else status_y
    for f in ("troops", "remaining", "percent", "deadline"):
        if getattr(merged, f) is None:
            setattr(merged, f, getattr(other, f))
    # an announcement is dated when it was said: a year-precision date from another
    # sentence (background, a cause) never dates it
    od = other.event_date
    if (
        merged.event_date is None
        and od is not None
        and not (merged.status == "announced" and od.precision == "year")
    ):
        merged.event_date = od
    merged.said_now = x.said_now or y.said_now
    if (
        other.place
        and merged.place
        and other.place.kind != "country"
        and merged.place.kind == "country"
    ) or merged.place is None:
        merged.place = other.place
        merged.explicit_place = other.explicit_place or merged.explicit_place
    if _stronger_claim(other.claim, merged.claim):
        merged.claim, merged.claimant = other.claim, other.claimant
    merged.default_date = merged.default_date and other.default_date
    return merged


def _merge_t(x: Cand, y: Cand) -> Cand:
    best, other = (x, y) if x.score() >= y.score() else (y, x)
    merged = Cand(**{f: getattr(best, f) for f in best.__dataclass_fields__})
    if x.partial or y.partial:
        merged.change = "contest"
    else:
        merged.change = x.change
    for f in ("share", "count", "counter", "event_date", "claimant"):
        if getattr(merged, f) is None:
            setattr(merged, f, getattr(other, f))
    if "whole" in (x.scope, y.scope):
        merged.scope = "whole"  # one statement about the whole unit is enough
    if _stronger_claim(other.claim, merged.claim):
        merged.claim, merged.claimant = other.claim, other.claimant
    return merged


def _stronger_claim(a: str, b: str) -> bool:
    """Mentions of one happening keep the strongest claim status, in the one order the
    tables use too (confirmed > reported > claimed > disputed)."""
    return CLAIM_STRENGTH[ClaimStatus(a)] > CLAIM_STRENGTH[ClaimStatus(b)]

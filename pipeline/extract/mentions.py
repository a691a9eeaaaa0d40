"""Actor and place mentions in a sentence, resolved with the knowledge base."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.resources import ActorEntry, Knowledge, PlaceEntry, knowledge, norm_key

# Capitalised tokens ("U.S.", "Mazar-i-Sharif", "ANDSF", "Afghanistan's").
_CAP_TOKEN = re.compile(r"\b[A-Z][\w’'\-‐.]*")
_LINKERS = frozenset({"of", "the", "de", "al", "el", "bin", "e", "i", "du", "la"})
_GAP = re.compile(r"\s+(?:(?:of|the|de|al|el|bin|e|i|du|la)\s+){0,2}$")


_GENERIC_HINTS = (
    "insurg",
    "milit",
    "rebel",
    "jihad",
    "group",
    "forces",
    "troops",
    "army",
    "soldiers",
    "nations",
)


@dataclass(slots=True)
class ActorMention:
    start: int
    end: int
    actor: ActorEntry | None  # None for generic references
    generic: str | None = None  # insurgent | host_forces | foreign | pronoun
    role: str = "name"


@dataclass(slots=True)
class PlaceMention:
    start: int
    end: int
    entries: list[PlaceEntry]
    text: str
    anchored: bool = False  # "near Kabul": a reference point, not the place itself
    hint: str | None = None  # province | district | city


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    k = knowledge()
    lx = k.lexicon
    mil = lx["military_nouns"]
    return {
        "force_after": re.compile(
            r"\s+(?:(?:national|special|armed|security|combat|government|local|air|ground)\s+){0,2}"
            r"(?:forces?|troops|soldiers|army|military|police|servicem\w+|personnel|commandos|"
            r"air force|units?)\b",
            re.I,
        ),
        "generic": re.compile(
            r"\b(?:(?P<ins>insurgents?|insurgency|militants?|rebels?|jihadists?|"
            r"the (?:insurgent|militant|jihadist|islamist|extremist|terrorist|armed) group|"
            r"(?:jihadist|islamist|insurgent|militant|extremist) group|the group|the militia)"
            r"|(?P<host>(?:pro-)?government (?:forces|troops|soldiers)|security forces|"
            r"national army|the army|the military|army troops)"
            r"|(?P<foreign>(?:foreign|international|coalition|allied|western|nato-led|us-led)"
            r" (?:troops|forces|soldiers|military|nations|combat troops))"
            r")\b",
            re.I,
        ),
        "relation_before": re.compile(
            r"(?:" + lx["relation_words"] + r")\s+(?:the\s+)?(?:capital\s+|city\s+of\s+)?$", re.I
        ),
        "province_after": re.compile(r"\s+[Pp]rovince\b"),
        "district_after": re.compile(r"\s+[Dd]istrict\b"),
        "city_after": re.compile(r"\s+[Cc]ity\b"),
        "city_before": re.compile(
            r"(?:city|town|capital|capitals|provincial capital) of\s+(?:the\s+)?$|"
            r"the capital\s+$|capitals?,?\s+$",
            re.I,
        ),
        "mil": re.compile(r"\b(?:" + mil + r")\b", re.I),
    }


def _lookup_caps(
    sent: str, base: int, k: Knowledge
) -> tuple[list[ActorMention], list[PlaceMention]]:
    pats = _patterns()
    tokens: list[tuple[int, int, str]] = []
    for m in _CAP_TOKEN.finditer(sent):
        a, b = m.start(), m.end()
        tok = m.group(0)
        # trim trailing sentence punctuation / possessive, keep "U.S."
        while tok and tok[-1] in ".-‐’'" and not re.fullmatch(r"(?:[A-Z]\.){2,}", tok):
            tok = tok[:-1]
            b -= 1
        for suf in ("’s", "'s"):
            if tok.endswith(suf):
                tok = tok[: -len(suf)]
                b -= 2
        if tok:
            tokens.append((a, b, tok))
    actors: list[ActorMention] = []
    places: list[PlaceMention] = []
    n = len(tokens)
    i = 0
    maxn = k.max_ngram
    while i < n:
        matched = False
        # candidate n-grams over consecutive capitalised tokens joined by linkers
        j_end = i
        while (
            j_end + 1 < n
            and j_end + 1 - i < maxn
            and _GAP.match(sent[tokens[j_end][1] : tokens[j_end + 1][0]]) is not None
        ):
            j_end += 1
        for j in range(j_end, i - 1, -1):
            a, b = tokens[i][0], tokens[j][1]
            raw = sent[a:b]
            key = norm_key(raw)
            acts = k.actors.get(key)
            plcs = k.places.get(key)
            hit = False
            ok = (
                [x for x in acts if not x.short_upper or raw.replace(".", "").isupper()]
                if acts
                else []
            )
            if ok:
                actor = ok[0]
                role = actor.role
                b_act = b
                if role == "demonym":
                    fa = pats["force_after"].match(sent, b)
                    forces = k.actor_by_code.get(k.theatre["forces"])
                    if fa and actor.code == k.theatre["country"] and forces:
                        actor, role, b_act = forces, "forces", fa.end()
                actors.append(ActorMention(base + a, base + b_act, actor, None, role))
                hit = True
            if plcs:
                places.append(PlaceMention(base + a, base + b, list(plcs), raw))
                hit = True
            if hit:
                i = j + 1
                matched = True
                break
            # hyphenated compounds: "NATO-led", "Taliban-controlled"
            if j == i and ("-" in raw):
                head = raw.split("-")[0]
                acts2 = k.actors.get(norm_key(head))
                if acts2 and (not acts2[0].short_upper or head.isupper()):
                    actors.append(
                        ActorMention(base + a, base + a + len(head), acts2[0], None, acts2[0].role)
                    )
        if not matched:
            i += 1
    return actors, places


def scan_sentence(body: str, start: int, end: int) -> tuple[list[ActorMention], list[PlaceMention]]:
    """Actor and place mentions in body[start:end] (absolute offsets)."""
    k = knowledge()
    pats = _patterns()
    sent = body[start:end]
    actors, places = _lookup_caps(sent, start, k)
    low = sent.lower()
    has_generic = any(w in low for w in _GENERIC_HINTS)
    for m in pats["generic"].finditer(sent) if has_generic else ():
        kind = "insurgent" if m.group("ins") else "host_forces" if m.group("host") else "foreign"
        s0, e0 = start + m.start(), start + m.end()
        if any(a.start <= s0 < a.end for a in actors):
            continue
        actors.append(ActorMention(s0, e0, None, kind, kind))
    actors.sort(key=lambda x: x.start)
    for pm in places:
        rel_a = pm.start - start
        rel_b = pm.end - start
        before = sent[max(0, rel_a - 40) : rel_a]
        if pats["relation_before"].search(before):
            pm.anchored = True
        if pats["province_after"].match(sent, rel_b):
            pm.hint = "province"
            pm.end = start + pats["province_after"].match(sent, rel_b).end()  # type: ignore[union-attr]
        elif pats["district_after"].match(sent, rel_b):
            pm.hint = "district"
        elif pats["city_after"].match(sent, rel_b) or pats["city_before"].search(before):
            pm.hint = "city"
    return actors, places

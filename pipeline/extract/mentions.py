"""Actor and place mentions in a sentence, resolved with the knowledge base."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.dates import MONTHS, WEEKDAYS
from pipeline.extract.resources import (
    CONNECTORS,
    ActorEntry,
    Knowledge,
    PlaceEntry,
    knowledge,
    norm_key,
)
from pipeline.extract.text import lower_same_length

# Capitalised tokens ("U.S.", "Mazar-i-Sharif", "ANDSF", "Afghanistan's").
# a capitalised word, or one behind a lower-case Arabic article ("al-Qaeda", "al-Anbar")
_CAP_TOKEN = re.compile(r"\b(?:(?:al|el|ad|as|ar|an|at|az)[-‐])?[A-Z][\w’'\-‐.]*")
_LINKERS = frozenset({"of", "the", "de", "al", "el", "bin", "e", "i", "du", "la"})
# between the capitalised words of one name: "Sheikh of the", "Hayat Tahrir al-Sham"
_GAP = re.compile(
    r"(?:['’]s)?\s+(?:(?:of|the|de|al|el|bin|e|i|du|la)\s+){0,2}"
    r"(?:(?:al|el|ad|as|ar|an|at|az|ash)[-‐])?$"
)


@dataclass(slots=True)
class ActorMention:
    start: int
    end: int
    actor: ActorEntry | None  # None for generic references
    generic: str | None = None  # insurgent | host_forces | foreign | backed | anaphor
    role: str = "name"  # for "backed": the backer's actor code
    country: str | None = None  # "Syrian rebels": the country whose rebels a generic names


@dataclass(slots=True)
class PlaceMention:
    start: int
    end: int
    entries: list[PlaceEntry]
    text: str
    anchored: bool = False  # "near Kabul": a reference point, not the place itself
    hint: str | None = None  # province | district | city


# A place name as news writes Arabic ones: "al-Maibdi", "Mazraat al-Rahim", "Tal Afar"
_NAME = (
    r"(?:(?:al|el|ad|as|ar|an|at|az)-)?[A-Z][\w'’-]+"
    r"(?:\s+(?:(?:al|el|ad|as|ar|an|at|az)-)?[A-Z][\w'’-]+){0,2}"
)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    k = knowledge()
    lx = k.lexicon
    mil = lx["military_nouns"]
    out = {
        "force_after": re.compile(
            r"\s+(?:(?:national|special|armed|security|combat|government|local|air|ground)\s+){0,2}"
            r"(?:forces?|troops|soldiers|army|military|police|servicem\w+|personnel|commandos|"
            r"air force|units?)\b",
            re.I,
        ),
        # unnamed sides: "insurgents", "security forces", "foreign troops" (lexicon data)
        "generic": re.compile(
            r"\b(?:(?P<ana>"
            + lx["anaphoric_sides"]
            + r")|(?P<ins>"
            + lx["generic_insurgents"]
            + r")|(?P<host>"
            + lx["generic_host_forces"]
            + r")|(?P<foreign>"
            + lx["generic_foreign"]
            + r"))\b",
            re.I,
        ),
        "relation_before": re.compile(
            r"\b(?:" + lx["relation_words"] + r")\s+(?:the\s+)?(?:capital\s+|city\s+of\s+)?$", re.I
        ),
        "province_after": re.compile(
            r"\s+(?:[Pp]rovinces?|[Rr]egions?|[Oo]blasts?|[Gg]overnorates?)\b"
        ),
        "district_after": re.compile(r"\s+[Dd]istrict\b"),
        "city_after": re.compile(r"\s+[Cc]ity\b"),
        "city_before": re.compile(
            r"\b(?:(?:city|town|capital|capitals|provincial capital) of\s+(?:the\s+)?$|"
            r"the capital\s+$|capitals?,?\s+$)",
            re.I,
        ),
        "mil": re.compile(r"\b(?:" + mil + r")\b", re.I),
        "feature_after": re.compile(lx["feature_after"]),
        # "the town of Baga": a settlement the gazetteer may not list, named by the text
        "settlement_of": re.compile(
            r"\b(?:the\s+)?(?:[a-z-]+\s+){0,2}(?P<word>" + lx["settlement_words"] + r")\s+of\s+"
            r"(?P<name>" + _NAME + r")"
            # "the villages of A, B and C": the rest of the list
            r"(?P<more>(?:,\s+(?:and\s+)?" + _NAME + r"|\s+and\s+" + _NAME + r"){0,6})"
        ),
        # "Ajhala village", "the Siha and Mazraat al-Rahim villages": named before the word
        "settlement_after": re.compile(
            r"(?<![\w'’-])(?P<name>" + _NAME + r")"
            r"(?P<more>(?:,\s+(?:and\s+)?" + _NAME + r"|\s+and\s+" + _NAME + r"){0,6})"
            r"\s+(?P<word>" + lx["settlement_after_words"] + r")\b"
        ),
        # "Bulo Burde is now under the control of ...": a town the gazetteer may not list,
        # named as the subject of its control
        "controlled_subject": re.compile(
            r"(?<![\w'’-])(?P<name>" + _NAME + r")\s+(?:is|was|has been|had been|remains"
            r"|remained)\s+(?:now\s+|still\s+|firmly\s+)?(?:under\s+(?:the\s+)?(?:full\s+|firm\s+)?"
            r"control\s+of|in\s+the\s+hands\s+of|(?:held|controlled|captured|seized|taken|"
            r"retaken|recaptured|liberated|overrun)\s+by)\b"
        ),
        # "U.S.-backed forces": the side a backer's support names in a theatre and period
        "backed_forces": re.compile(
            r"(?<![\w.'’-])(?P<backer>[A-Z][\w.]*?)-(?:backed|supported|allied)\s+"
            r"(?:[\w-]+\s+){0,2}?(?:" + lx["backed_heads"] + r")\b"
        ),
        # "al-Anad air base", "Qayara airfield": a facility with a name the gazetteer lacks
        "named_facility": re.compile(
            r"(?<![\w'’-])(?P<name>(?:(?:al|el|Al|El|ad|as|ar)-)?[A-Z][\w'’-]+"
            r"(?:\s+(?:(?:al|el|ad|as|ar)-)?[A-Z][\w'’-]+){0,2})\s+(?P<word>"
            + lx["crossing_words"]
            + "|"
            + lx["base_words"]
            + r")\b"
        ),
        "base_after": re.compile(r"\s+(?:" + lx["base_words"] + r")\b", re.I),
        "crossing_after": re.compile(r"\s+(?:" + lx["crossing_words"] + r")\b", re.I),
        "facility_before": re.compile(
            r"\b(?P<word>" + lx["crossing_words"] + "|" + lx["base_words"] + r")\s+(?:of|at)\s+$",
            re.I,
        ),
        # "the airport in the ancient city of Timbuktu": a facility of a town (not of a region)
        "facility_in": re.compile(
            r"\b(?P<word>" + lx["crossing_words"] + "|" + lx["base_words"] + r")\s+(?:in|near"
            r"|outside)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:(?:city|town) of\s+)?$",
            re.I,
        ),
    }
    # the same patterns for lower-cased text, without re.IGNORECASE (their sources are lower-case)
    for name in ("generic", "relation_before", "city_before"):
        src = out[name].pattern
        literal = re.sub(r"\(\?P<\w+>|\\[A-Za-z]", "", src)
        assert literal == literal.lower(), name
        out[name + "_low"] = re.compile(src)
    return out


_PROVINCE_BEFORE = re.compile(
    r"\b(?:regions?|provinces?|oblasts?|governorates?|states) of\s+(?:the\s+)?$"
)
_DATELINE_SPAN = 60  # an article's first characters, where "KABUL —" names a place in capitals
_LIST_NAME = re.compile(r"(?<![\w'’-])" + _NAME)
_UNIT_PLURALS = r"regions|provinces|oblasts|governorates|states"
_PLURAL_REGION = re.compile(r"\s(?:" + _UNIT_PLURALS + r")\b")
_PART_OF_BEFORE = re.compile(
    r"\b(?:parts|part|much|most|all|half|swath(?:e)?s|areas|large areas|chunks|portions) of\s+$"
)
_PLURAL_BEFORE = re.compile(r"\b(?:" + _UNIT_PLURALS + r") of\s+(?:the\s+)?$")
# "four regions as Russian territory: Luhansk and Donetsk ..., as well as Kherson": a list
# the colon introduces names the plural's units
_UNITS_COLON = re.compile(r"\b(?:" + _UNIT_PLURALS + r")\b[^:.;]{0,60}:")
_LIST_GAP = re.compile(r"\s*(?:,|and|,\s*and)\s*")
_HELD_TAIL = re.compile(r"-(?:held|controlled|occupied|dominated|run)$")
_NAMED_WAR = re.compile(r"\s+(?:Civil\s+)?Wars?\b")
# "Iran-backed militias", "U.S.-trained forces": the backer is not the one who acts
_BACKER_TAIL = re.compile(r"(?:backed|supported|funded|trained|allied|aligned|sponsored|armed)\b")
_ACRONYM = re.compile(r"(?:[A-Z]\.){2,}")
_TRAILING = ".-‐’'"


def _lookup_caps(
    sent: str, base: int, k: Knowledge
) -> tuple[list[ActorMention], list[PlaceMention]]:
    pats = _patterns()
    tokens: list[tuple[int, int, str]] = []
    # Each token's lookup key, computed once; an n-gram's key is its tokens' and gaps' keys
    # joined (the same as norm_key of the whole span, since tokens and gaps split on spaces).
    keys: list[str] = []
    for m in _CAP_TOKEN.finditer(sent):
        tok = m.group(0)
        b = m.end()
        # trim trailing sentence punctuation / possessive, keep "U.S."
        if tok[-1] in _TRAILING:
            while tok and tok[-1] in _TRAILING and not _ACRONYM.fullmatch(tok):
                tok = tok[:-1]
                b -= 1
        held = _HELD_TAIL.search(tok)
        if held and held.start() > 0:
            # "Islamic State-held": the name ends at the hyphen, so "Islamic State" is found
            b -= len(tok) - held.start()
            tok = tok[: held.start()]
        if tok.endswith("’s"):
            tok = tok[:-2]
            b -= 2
        if tok.endswith("'s"):
            tok = tok[:-2]
            b -= 2
        if tok:
            tokens.append((m.start(), b, tok))
            if tok.isascii() and tok.isalpha():
                low = tok.lower()
                keys.append("" if low in CONNECTORS else low)
            else:
                keys.append(norm_key(tok))
    actors: list[ActorMention] = []
    places: list[PlaceMention] = []
    n = len(tokens)
    first = k.first_words
    i = 0
    maxn = k.max_ngram
    while i < n:
        fw = keys[i].split(" ", 1)[0]
        if fw and fw not in first:
            i += 1  # no actor or place name starts with this word
            continue
        matched = False
        # candidate n-grams over consecutive capitalised tokens joined by linkers, extended
        # only while the n-gram's key begins some known name's key
        j_end = i
        ngram_keys = [keys[i]]
        prefixes = k.key_prefixes
        while j_end + 1 < n and j_end + 1 - i < maxn:
            gap = sent[tokens[j_end][1] : tokens[j_end + 1][0]]
            if _GAP.match(gap) is None:
                break
            parts = [ngram_keys[-1], norm_key(gap) if gap.strip() else "", keys[j_end + 1]]
            nk = " ".join(x for x in parts if x)
            if nk and nk not in prefixes:
                break
            ngram_keys.append(nk)
            j_end += 1
        for j in range(j_end, i - 1, -1):
            a, b = tokens[i][0], tokens[j][1]
            raw = sent[a:b]
            key = ngram_keys[j - i]
            acts = k.actors.get(key)
            plcs = k.places.get(key)
            if (acts or plcs) and _NAMED_WAR.match(sent, b):
                i, matched = j + 1, True  # "the First Lebanon War": a war's name, not a side
                break
            hit = False
            ok = (
                [x for x in acts if not x.short_upper or raw.replace(".", "").isupper()]
                if acts
                else []
            )
            if ok and sent[max(0, a - 5) : a].lower().endswith(("pro-", "anti-")):
                ok = []  # "pro-Russian rebels" are not Russia; the rebels are read on their own
            if (
                ok
                and ok[0].role == "demonym"
                and j + 1 < n
                and tokens[j + 1][0] == b + 1
                and keys[j + 1].split(" ", 1)[0] not in first
                and not pats["force_after"].match(sent, b)
            ):
                ok = []  # "the Norwegian Refugee Council": an organisation's name, not a state
            if ok:
                actor = ok[0]
                role = actor.role
                b_act = b
                if role == "demonym":
                    # "Afghan forces", "Iraqi troops": a theatre host's own forces
                    fa = pats["force_after"].match(sent, b)
                    forces = k.actor_by_code.get(k.forces_of.get(actor.code, ""))
                    if fa and forces:
                        actor, role, b_act = forces, "forces", fa.end()
                actors.append(ActorMention(base + a, base + b_act, actor, None, role))
                hit = True
            if plcs and base + a > _DATELINE_SPAN and len(raw) >= 3 and raw.isupper():
                plcs = None  # "SANA reported": an agency's acronym, not Sana'a (datelines aside)
            if plcs and j == i and raw in _feature_words() and i > 0 and tokens[i - 1][1] == a - 1:
                plcs = None  # "Guantanamo Bay": the last word of a name, not the Bay region
            if plcs and not pats["feature_after"].match(sent, b):
                # "the Dnipro river" is a river, not the city of Dnipro
                places.append(PlaceMention(base + a, base + b, list(plcs), raw))
                hit = True
            if hit:
                i = j + 1
                matched = True
                break
            # hyphenated compounds: "NATO-led", "Taliban-controlled"
            if j == i and ("-" in raw) and not _BACKER_TAIL.match(raw.split("-", 1)[1].lower()):
                head = raw.split("-")[0]
                acts2 = k.actors.get(norm_key(head))
                if acts2 and (not acts2[0].short_upper or head.isupper()):
                    actors.append(
                        ActorMention(base + a, base + a + len(head), acts2[0], None, acts2[0].role)
                    )
        if not matched:
            i += 1
    return actors, places


def scan_names(body: str, start: int, end: int) -> tuple[list[ActorMention], list[PlaceMention]]:
    """Named actors and places in body[start:end] (absolute offsets), without the generic
    references and place qualifiers that `complete_scan` adds."""
    return _lookup_caps(body[start:end], start, knowledge())


def complete_scan(
    body: str, start: int, end: int, actors: list[ActorMention], places: list[PlaceMention]
) -> None:
    """Add generic actor references ("insurgents", "security forces") and place qualifiers
    ("near X", "X province", "the city of X") to a sentence's named mentions, in place."""
    pats = _patterns()
    sent = body[start:end]
    # Case-insensitive patterns run on the lower-cased sentence (offsets kept) without
    # re.IGNORECASE: several times faster.
    low = lower_same_length(sent)
    for m in pats["generic_low"].finditer(low):
        kind = (
            "anaphor"
            if m.group("ana")
            else "insurgent"
            if m.group("ins")
            else "host_forces"
            if m.group("host")
            else "foreign"
        )
        s0, e0 = start + m.start(), start + m.end()
        if any(a.start <= s0 < a.end for a in actors):
            continue
        described = next(
            (
                a
                for a in actors
                if a.actor is not None and a.actor.kind == "armed_group" and 0 <= a.start - e0 <= 2
            ),
            None,
        )
        if kind == "insurgent" and described is not None:
            described.start = s0  # "the terrorist group Al Qaida": the description is the name's
            continue
        qualifier = next(
            (
                a
                for a in actors
                if a.actor is not None and a.actor.kind == "armed_group" and 0 <= s0 - a.end <= 1
            ),
            None,
        )
        if kind == "insurgent" and qualifier is not None:
            qualifier.end = e0  # "al-Qaida militants": the name says whose
            continue
        country = None
        demonym = next((a for a in actors if a.role == "demonym" and a.end == s0 - 1), None)
        if kind == "insurgent" and demonym is not None and demonym.actor is not None:
            # "Syrian rebels", "Libyan opposition forces": that country's rebels, not its state
            actors.remove(demonym)
            s0, country = demonym.start, demonym.actor.code
        actors.append(ActorMention(s0, e0, None, kind, kind, country))
    k = knowledge()
    for m in pats["backed_forces"].finditer(sent):
        s0, e0 = start + m.start(), start + m.end()
        backers = k.actors.get(norm_key(m.group("backer")))
        if not backers or any(s0 < a.end and a.start < e0 for a in actors if a.actor):
            continue  # "U.S.-backed Iraqi forces" are the Iraqi forces
        actors.append(ActorMention(s0, e0, None, "backed", backers[0].code))
    actors.sort(key=lambda x: x.start)
    not_a_name = _facility_stopwords()
    named = [
        *pats["settlement_of"].finditer(sent),
        *pats["settlement_after"].finditer(sent),
        *pats["controlled_subject"].finditer(sent),
    ]
    for m in named:
        word = m.groupdict().get("word") or "city"
        kind = "district" if word.startswith("district") else "city"
        n0 = m.start("name")
        first_word = m.group("name").split()[0]
        if first_word in not_a_name:
            if " " not in m.group("name"):
                continue  # "Christian villages", "The village": no name
            n0 += len(first_word) + 1  # "In Ajhala village"
        names = [(n0, m.end("name"))]
        if m.groupdict().get("more") and word.endswith("s"):
            for nm in _LIST_NAME.finditer(sent, m.start("more"), m.end("more")):
                names.append((nm.start(), nm.end()))
        for n0, n1 in names:
            s0, e0 = start + n0, start + n1
            if any(a.start <= s0 < a.end for a in actors):
                continue
            # the country is the article's theatre: the engine fills it in
            entry = PlaceEntry(name=sent[n0:n1], kind=kind, country=None)
            known = next((p for p in places if p.start <= s0 < p.end), None)
            if known is not None:
                known.entries = [*known.entries, entry]  # last resort behind namesakes abroad
                continue
            places.append(PlaceMention(s0, e0, [entry], sent[n0:n1], hint=kind))
    for m in pats["named_facility"].finditer(sent):
        n0, n1 = m.start("name"), m.end("name")
        s0 = start + n0
        if m.group("name").split()[0] in not_a_name:
            continue
        if any(p.start <= s0 < p.end for p in places) or any(a.start <= s0 < a.end for a in actors):
            continue  # a known town's facility ("Tabqa airfield") is resolved below
        word = m.group("word").lower()
        kind = "border_crossing" if pats["crossing_after"].match(" " + word) else "base"
        entry = PlaceEntry(name=sent[n0 : m.end()], kind=kind, country=None)
        places.append(PlaceMention(s0, start + m.end(), [entry], sent[n0 : m.end()], hint=kind))
    _unlisted_towns(sent, start, actors, places)
    places.sort(key=lambda p: p.start)
    rel_before = pats["relation_before_low"]
    city_before = pats["city_before_low"]
    for pm in places:
        rel_a = pm.start - start
        rel_b = pm.end - start
        before = low[max(0, rel_a - 40) : rel_a]
        if rel_before.search(before) or _after_named_facility(body, pm, places):
            pm.anchored = True  # "near Kabul", "the al-Anad air base in Lahj": where, not what
        crossing = pats["crossing_after"].match(sent, rel_b)
        base = None if crossing else pats["base_after"].match(sent, rel_b)
        facility_before = pats["facility_before"].search(sent[max(0, rel_a - 40) : rel_a])
        if facility_before is None and all(e.kind in ("city", "district") for e in pm.entries):
            facility_before = pats["facility_in"].search(sent[max(0, rel_a - 60) : rel_a])
        prov = pats["province_after"].match(sent, rel_b)
        if crossing or base:
            # "Tabqa airfield", "the Nasib border crossing": the facility, not the town
            pm.hint = "border_crossing" if crossing else "base"
            pm.end = start + (crossing or base).end()  # type: ignore[union-attr]
            pm.text = body[pm.start : pm.end]
        elif facility_before and not pm.anchored:
            word = facility_before.group("word").lower()
            pm.hint = "border_crossing" if pats["crossing_after"].match(" " + word) else "base"
            pm.text = f"{facility_before.group('word')} of {pm.text}"
        elif prov:
            pm.hint = "province"
            pm.end = start + prov.end()
        elif pats["district_after"].match(sent, rel_b):
            pm.hint = "district"
        elif pats["city_after"].match(sent, rel_b) or city_before.search(before):
            pm.hint = "city"
        elif _PROVINCE_BEFORE.search(before):
            pm.hint = "province"  # "the eastern region of Luhansk"
        elif _PART_OF_BEFORE.search(before) and _names_a_province(pm):
            pm.hint = "province"  # "parts of Donetsk", "much of Kandahar": the wider unit
    colon = _UNITS_COLON.search(low)
    if colon is not None:
        for pm in places:
            if pm.start - start >= colon.end() and pm.hint is None and _names_a_province(pm):
                pm.hint = "province"
    # "the Donetsk and Luhansk regions": the plural qualifies every name of the list
    ordered = sorted(places, key=lambda p: p.start)
    for first, second in itertools.pairwise(ordered):
        gap = body[first.end : second.start]
        plural = _PLURAL_REGION.search(body, second.start, second.end + 14)
        if plural and first.hint is None and _LIST_GAP.fullmatch(gap):
            first.hint = "province"
        # "the regions of Donetsk and Luhansk": the plural before the list qualifies it all
        if (
            first.hint == "province"
            and second.hint is None
            and _LIST_GAP.fullmatch(gap)
            and _PLURAL_BEFORE.search(body[max(0, first.start - 30) : first.start])
        ):
            second.hint = "province"


# "Brega, Libya", "Umm el Ghindel in Libya": a town the gazetteer lacks, placed by the text
_NAME_BEFORE_COUNTRY = re.compile(r"(?<![\w'’-])(?P<name>" + _NAME + r")(?:,\s+|\s+in\s+)$")
# the country closes the phrase ("Brega, Libya."), it does not qualify a noun ("Somalia's
# president", "Ukraine forces")
_COUNTRY_CLOSES = re.compile(
    r"\s*(?:[,.;:)]|$|\s(?:on|in|at|near|and|to|from|after|before|during|while|when|as|where"
    r"|since|until|by|for|with|amid|following)\b)"
)
_NOT_TOWNS = frozenset(
    w.capitalize()
    for w in (*MONTHS, *WEEKDAYS, "today", "yesterday", "he", "she", "they", "we", "meanwhile")
) | frozenset(("War", "Wars", "Battle", "Conflict", "Invasion", "Occupation", "Mission"))
_NAME_TAIL = re.compile(
    r"[A-Z][\w'’-]*\s+(?:da|de|do|dos|das|del|della|di|du|la|le|el|al|bin|ibn|von|van|of)\s+$"
)


def _unlisted_towns(
    sent: str, start: int, actors: list[ActorMention], places: list[PlaceMention]
) -> None:
    """Add a town named right before its country when no name is known there."""
    stop = _town_stopwords()
    for pm in list(places):
        if not pm.entries or pm.entries[0].kind != "country":
            continue
        if not _COUNTRY_CLOSES.match(sent, pm.end - start):
            continue
        m = _NAME_BEFORE_COUNTRY.search(sent, max(0, pm.start - start - 60), pm.start - start)
        if m is None:
            continue
        words = m.group("name").split()
        while words and words[0] in stop:
            words = words[1:]
        if not words:
            continue
        name = " ".join(words)
        country = pm.entries[0].country
        s0 = start + m.end("name") - len(name)
        e0 = start + m.end("name")
        if _NAME_TAIL.search(sent, max(0, s0 - start - 30), s0 - start):
            continue  # "Mocimboa da Praia": the end of a longer name
        if any(x.start < e0 and s0 < x.end for x in actors):
            continue
        overlap = [x for x in places if x.start < e0 and s0 < x.end]
        if any(e.country == country for x in overlap for e in x.entries):
            continue  # a known place of that country
        for x in overlap:
            places.remove(x)  # "Zawiyat Qasr, Libya" is not Al Qasr in Jordan
        entry = PlaceEntry(name=name, kind="city", country=country)
        places.append(PlaceMention(s0, e0, [entry], name, hint="city"))


_IN_GAP = re.compile(r"\s+(?:in|near|outside)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}?")


def _after_named_facility(body: str, pm: PlaceMention, places: list[PlaceMention]) -> bool:
    """Does `pm` only say where a named facility just before it is ("the al-Anad air base in
    Lahj")? Such facilities are named by the text, so they have no country of their own."""
    return any(
        q is not pm
        and q.hint in ("base", "border_crossing")
        and all(e.country is None for e in q.entries)
        and 0 <= pm.start - q.end <= 30
        and _IN_GAP.fullmatch(body, q.end, pm.start) is not None
        for q in places
    )


@lru_cache(maxsize=1)
def _town_stopwords() -> frozenset[str]:
    """Capitalised words that never open a town's name (built once, not per sentence)."""
    return _facility_stopwords() | _NOT_TOWNS


@lru_cache(maxsize=1)
def _feature_words() -> frozenset[str]:
    """Words that end names of seas, bays and valleys ("Guantanamo Bay", "Swat Valley")."""
    return frozenset(knowledge().lexicon["feature_words"].split("|"))


@lru_cache(maxsize=1)
def _facility_stopwords() -> frozenset[str]:
    """Capitalised words that start a sentence or describe a facility without naming it
    ("The base", "Military airport")."""
    return frozenset(knowledge().lexicon["facility_name_stopwords"].split("|"))


def _names_a_province(pm: PlaceMention) -> bool:
    """Is the mention's name also the name of a province (Donetsk the city and the oblast)?"""
    subs = knowledge().subdivisions
    for e in pm.entries:
        if e.kind == "province":
            return True
        sub = subs.get(e.iso_adm1 or "")
        if sub is not None and sub.name.lower() == e.name.lower():
            return True
    return False


def scan_sentence(body: str, start: int, end: int) -> tuple[list[ActorMention], list[PlaceMention]]:
    """Actor and place mentions in body[start:end] (absolute offsets)."""
    actors, places = scan_names(body, start, end)
    complete_scan(body, start, end, actors, places)
    return actors, places

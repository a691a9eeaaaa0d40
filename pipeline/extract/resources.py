"""Knowledge loaded once from pipeline/data: gazetteer, sites, actors, lexicon, theatres."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

CONNECTORS = frozenset({"e", "i", "ye", "-e-", "-i-"})
_KEY_STRIP = re.compile(r"[’'`](?:s\b)?|[.()]")
_KEY_SPLIT = re.compile(r"[\s\-‐‑–_/,]+")


def norm_key(text: str) -> str:
    """Normalise a name for lookup: 'Mazar-i-Sharif' -> 'mazar sharif', "U.S." -> 'us'."""
    t = _KEY_STRIP.sub("", text.lower())
    return " ".join(w for w in _KEY_SPLIT.split(t) if w and w not in CONNECTORS)


def _top_level_alternatives(pattern: str) -> list[str]:
    """Split a regex on its top-level '|' (outside groups, classes and escapes)."""
    parts: list[str] = []
    depth = 0
    in_class = False
    cur: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def hoist_boundaries(pattern: str) -> str:
    """Rewrite ``\\ba|\\bb|c|\\bd`` as ``\\b(?:a|b)|c|\\b(?:d)``: the same language and the
    same alternative order, but the regex engine tests the word boundary once per position
    instead of once per alternative (several times faster on long cue lists)."""
    out: list[str] = []
    run: list[str] = []
    for alt in _top_level_alternatives(pattern):
        if alt.startswith("\\b"):
            run.append(alt[2:])
            continue
        if run:
            out.append("\\b(?:" + "|".join(run) + ")")
            run = []
        out.append(alt)
    if run:
        out.append("\\b(?:" + "|".join(run) + ")")
    return "|".join(out)


@dataclass(frozen=True, slots=True)
class PlaceEntry:
    name: str
    kind: str  # country | province | district | city | base | border_crossing
    country: str | None
    adm1: str | None = None
    adm2: str | None = None
    lat: float | None = None
    lon: float | None = None
    is_capital: bool = False  # a district that is its province's capital (city)
    province: str | None = None  # province name of a district


@dataclass(frozen=True, slots=True)
class ActorEntry:
    code: str
    name: str
    kind: str  # state | coalition | armed_group | state_forces
    role: str = "name"  # name | demonym | leader | capital | forces
    group: str | None = None  # merge group (ISAF -> NATO)
    short_upper: bool = False  # short acronym: only when written upper-case


@dataclass
class Knowledge:
    places: dict[str, list[PlaceEntry]] = field(default_factory=dict)
    actors: dict[str, list[ActorEntry]] = field(default_factory=dict)
    provinces: dict[str, PlaceEntry] = field(default_factory=dict)  # adm1 -> province
    districts: dict[str, PlaceEntry] = field(default_factory=dict)  # adm2 -> district
    capital_of: dict[str, PlaceEntry] = field(default_factory=dict)  # adm1 -> capital district
    countries: dict[str, PlaceEntry] = field(default_factory=dict)  # iso3 -> country place
    actor_by_code: dict[str, ActorEntry] = field(default_factory=dict)
    demonym_of: dict[str, str] = field(default_factory=dict)  # iso3 -> adjective
    theatre: dict[str, Any] = field(default_factory=dict)
    theatres: dict[str, dict[str, Any]] = field(default_factory=dict)
    forces_of: dict[str, str] = field(default_factory=dict)  # host iso3 -> its forces' code
    lexicon: dict[str, str] = field(default_factory=dict)
    max_ngram: int = 6
    # first word of every actor/place key -> most words a key starting with it has
    first_words: dict[str, int] = field(default_factory=dict)
    # every word-prefix of every actor/place key ("islamic", "islamic state", ...)
    key_prefixes: set[str] = field(default_factory=set)


def _add(index: dict[str, list[Any]], key: str, entry: Any) -> None:
    if not key or len(key) < 2:
        return
    bucket = index.setdefault(key, [])
    if entry not in bucket:
        bucket.append(entry)


def _f(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _load_gazetteer(k: Knowledge, theatre: dict[str, Any]) -> None:
    iso3 = theatre["country"]
    with open(DATA_DIR / theatre["provinces"], encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            p = PlaceEntry(
                name=row["adm1_en"],
                kind="province",
                country=iso3,
                adm1=row["adm1_pcode"],
                lat=_f(row.get("centroid_lat")),
                lon=_f(row.get("centroid_lon")),
            )
            k.provinces[p.adm1 or ""] = p
            _add(k.places, norm_key(p.name), p)
    with open(DATA_DIR / theatre["districts"], encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            prov = k.provinces.get(row["adm1_pcode"])
            d = PlaceEntry(
                name=row["adm2_en"],
                kind="district",
                country=iso3,
                adm1=row["adm1_pcode"],
                adm2=row["adm2_pcode"],
                lat=_f(row.get("centroid_lat")),
                lon=_f(row.get("centroid_lon")),
                is_capital=row.get("is_provincial_capital_district", "").lower() == "yes",
                province=prov.name if prov else row.get("adm1_en"),
            )
            k.districts[d.adm2 or ""] = d
            if d.is_capital and d.adm1:
                k.capital_of[d.adm1] = d
            keys = {norm_key(d.name)}
            for alias in (row.get("alias_keys_normalized") or "").split("|"):
                alias = alias.strip()
                if alias and not alias.startswith("provincial center") and alias != "name":
                    keys.add(norm_key(alias))
            for key in keys:
                if len(key) >= 3:
                    _add(k.places, key, d)


def _load_place_aliases(k: Knowledge) -> None:
    with open(DATA_DIR / "place_aliases.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            adm1, adm2 = row["adm1"] or None, row["adm2"] or None
            if adm2 and adm2 in k.districts:
                entry = k.districts[adm2]
            elif adm1 and adm1 in k.provinces:
                entry = k.provinces[adm1]
            else:
                continue
            _add(k.places, norm_key(row["alias"]), entry)


def _load_theatre_places(k: Knowledge, theatre: dict[str, Any]) -> None:
    """A theatre's cities, regions and bases without P-codes (name,aliases,kind,region,lat,lon)."""
    iso3 = theatre["country"]
    with open(DATA_DIR / theatre["places"], encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            place = PlaceEntry(
                name=row["name"],
                kind=row["kind"],
                country=iso3,
                lat=_f(row.get("lat")),
                lon=_f(row.get("lon")),
                province=row.get("region") or None,
            )
            for alias in [row["name"], *(row.get("aliases") or "").split("|")]:
                if alias.strip():
                    _add(k.places, norm_key(alias), place)


def _load_sites(k: Knowledge) -> None:
    with open(DATA_DIR / "sites.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            adm1 = row["adm1"] or None
            prov = k.provinces.get(adm1 or "")
            site = PlaceEntry(
                name=row["name"],
                kind=row["kind"],
                country=row["country"] or None,
                adm1=adm1,
                adm2=row["adm2"] or None,
                lat=prov.lat if prov else None,
                lon=prov.lon if prov else None,
                province=prov.name if prov else None,
            )
            for alias in [row["name"], *(row["aliases"] or "").split("|")]:
                if alias.strip():
                    _add(k.places, norm_key(alias), site)


_NOT_PLACE = re.compile(
    r"House|Pentagon|administration|Ministry|Commons|Street|Bundes|Elys|government|Republic of"
)


def _load_actors(k: Knowledge) -> None:
    with open(DATA_DIR / "actors.json", encoding="utf-8") as fh:
        data = json.load(fh)
    for st in data["states"]:
        code, name = st["code"], st["name"]
        base = ActorEntry(code, name, "state", "name", code)
        k.actor_by_code[code] = base
        country = PlaceEntry(name=name, kind="country", country=code)
        k.countries[code] = country
        if st["demonyms"]:
            k.demonym_of[code] = st["demonyms"][0]
        for role, names in (
            ("name", st["aliases"]),
            ("demonym", st["demonyms"]),
            ("leader", st["leaders"]),
            ("leader", st.get("bodies", [])),  # institutions that speak and act for it
            ("capital", st["capitals"]),
        ):
            for alias in names:
                key = norm_key(alias)
                short = len(key.replace(" ", "")) <= 3
                _add(k.actors, key, ActorEntry(code, name, "state", role, code, short))
                if role == "name" and not _NOT_PLACE.search(alias):
                    _add(k.places, key, country)
    for kind, items in (
        ("coalition", data["coalitions"]),
        ("armed_group", data["armed_groups"]),
        ("state_forces", data["state_forces"]),
    ):
        for it in items:
            code, name = it["code"], it["name"]
            group = it.get("group") or code
            k.actor_by_code[code] = ActorEntry(code, name, kind, "name", group)
            for alias in [name, *it["aliases"]]:
                key = norm_key(alias)
                short = len(key.replace(" ", "")) <= 3
                role = "forces" if kind == "state_forces" else "name"
                _add(k.actors, key, ActorEntry(code, name, kind, role, group, short))


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """Load all knowledge files once per process."""
    k = Knowledge()
    with open(DATA_DIR / "lexicon.json", encoding="utf-8") as fh:
        k.lexicon = {key: val for key, val in json.load(fh).items() if not key.startswith("_")}
    with open(DATA_DIR / "theatres.json", encoding="utf-8") as fh:
        th = json.load(fh)
    _load_actors(k)
    for theatre in th["theatres"]:
        k.theatres[theatre["country"]] = theatre
        if theatre.get("provinces") and theatre.get("districts"):
            _load_gazetteer(k, theatre)
        if theatre.get("places"):
            _load_theatre_places(k, theatre)
        if theatre.get("forces") in k.actor_by_code:
            k.forces_of[theatre["country"]] = theatre["forces"]
    k.theatre = k.theatres[th["default"]]
    _load_place_aliases(k)
    _load_sites(k)
    k.max_ngram = max(len(key.split()) for key in [*k.places, *k.actors])
    for key in [*k.places, *k.actors]:
        words = key.split()
        if words:
            k.first_words[words[0]] = max(k.first_words.get(words[0], 0), len(words))
        for n in range(1, len(words) + 1):
            k.key_prefixes.add(" ".join(words[:n]))
    return k

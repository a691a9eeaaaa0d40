"""Knowledge loaded once from pipeline/data: gazetteer, sites, actors, lexicon, theatres."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.extract.gazetteer import Gazetteer

DATA_DIR = (Path(__file__).resolve().parent.parent / "data").resolve()

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
    kind: str  # country | province | district | city | base | border_crossing | region
    country: str | None
    adm1: str | None = None  # OCHA P-codes: Afghanistan only
    adm2: str | None = None
    lat: float | None = None
    lon: float | None = None
    is_capital: bool = False  # a district (or city) that is its province's capital
    province: str | None = None  # province name of a district or city
    # stable id (see schemas.common.Place.place_id): the most specific P-code in Afghanistan,
    # "geonames:<id>", an ISO 3166-2 code, "iso3166:<ISO3>" or "frontline:<iso3>:<slug>"
    place_id: str | None = None
    population: int = 0  # GeoNames population (a subdivision: its towns'; 0: unknown)
    iso_adm1: str | None = None  # outside Afghanistan: ISO 3166-2 code of its province
    # named in a curated file (places/<iso3>.csv): a place of the wars the project follows,
    # not only a GeoNames or ISO record (curated places of their own: "frontline:" ids)
    curated: bool = False

    def __reduce__(self) -> tuple[type[PlaceEntry], tuple[Any, ...]]:
        # pickled as its constructor's arguments: several times faster to load than the
        # field-by-field state of a slotted dataclass (the gazetteer cache holds ~40,000)
        return (PlaceEntry, tuple(getattr(self, f) for f in _PLACE_FIELDS))


_PLACE_FIELDS = tuple(f.name for f in fields(PlaceEntry))


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
    # outside Afghanistan: ISO 3166-2 code -> subdivision (capital_of also takes these codes)
    subdivisions: dict[str, PlaceEntry] = field(default_factory=dict)
    actor_by_code: dict[str, ActorEntry] = field(default_factory=dict)
    demonym_of: dict[str, str] = field(default_factory=dict)  # iso3 -> adjective
    theatre: dict[str, Any] = field(default_factory=dict)
    theatres: dict[str, dict[str, Any]] = field(default_factory=dict)
    forces_of: dict[str, str] = field(default_factory=dict)  # host iso3 -> its forces' code
    home_theatre: dict[str, str] = field(default_factory=dict)  # ISAF -> AFG
    non_parties: set[str] = field(default_factory=set)  # speak of wars, never a side (UN)
    unnamed_insurgent: str | None = None  # what "rebels" are when no group is known
    lexicon: dict[str, str] = field(default_factory=dict)
    max_ngram: int = 6
    # first word of every actor/place key -> most words a key starting with it has
    first_words: dict[str, int] = field(default_factory=dict)
    # every word-prefix of every actor/place key ("islamic", "islamic state", ...)
    key_prefixes: set[str] = field(default_factory=set)
    # while loading: places under each key with their sort keys (see _order_places)
    pending_places: dict[str, list[tuple[tuple[int, ...], PlaceEntry]]] = field(
        default_factory=dict, repr=False
    )


def _add(index: dict[str, list[Any]], key: str, entry: Any) -> None:
    if not key or len(key) < 2:
        return
    bucket = index.setdefault(key, [])
    if entry not in bucket:
        bucket.append(entry)


def _add_place(
    k: Knowledge, key: str, entry: PlaceEntry, order: tuple[int, int, int] = (0, 0, 0)
) -> None:
    """Index a place under a key. ``order`` (rank, -population, kind order) sorts the key's
    entries; curated and P-code places (rank 0) keep the order they were added in."""
    if not key or len(key) < 2:
        return
    bucket = k.pending_places.setdefault(key, [])
    for _, e in bucket:
        if e is entry:
            return
    bucket.append(((*order, len(bucket)), entry))


def _order_places(k: Knowledge) -> None:
    """k.places[key]: a key's entries by preference (curated first, then by population)."""
    places = k.places
    for key, bucket in k.pending_places.items():
        if len(bucket) == 1:
            places[key] = [bucket[0][1]]
        else:
            bucket.sort(key=lambda x: x[0])
            places[key] = [e for _, e in bucket]
    k.pending_places = {}


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
                place_id=row["adm1_pcode"],
            )
            k.provinces[p.adm1 or ""] = p
            _add_place(k, norm_key(p.name), p)
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
                place_id=row["adm2_pcode"],
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
                    _add_place(k, key, d)


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
            _add_place(k, norm_key(row["alias"]), entry)


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
                place_id=row["adm2"] or adm1,
            )
            for alias in [row["name"], *(row["aliases"] or "").split("|")]:
                if alias.strip():
                    _add_place(k, norm_key(alias), site)


_NOT_PLACE = re.compile(
    r"House|Pentagon|administration|Ministry|Commons|Street|Bundes|Elys|government|Republic of"
)


def _load_actors(k: Knowledge, countries: Mapping[str, PlaceEntry]) -> None:
    with open(DATA_DIR / "actors.json", encoding="utf-8") as fh:
        data = json.load(fh)
    for st in data["states"]:
        code, name = st["code"], st["name"]
        base = ActorEntry(code, name, "state", "name", code)
        k.actor_by_code[code] = base
        known = countries.get(code)
        country = (
            replace(known, name=name)
            if known is not None
            else PlaceEntry(name=name, kind="country", country=code, place_id=f"iso3166:{code}")
        )
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
                    _add_place(k, key, country)
    for kind, items in (
        ("coalition", data["coalitions"]),
        ("armed_group", data["armed_groups"]),
        ("state_forces", data["state_forces"]),
    ):
        for it in items:
            code, name = it["code"], it["name"]
            group = it.get("group") or code
            k.actor_by_code[code] = ActorEntry(code, name, kind, "name", group)
            if it.get("theatre"):
                k.home_theatre[code] = it["theatre"]
            if it.get("party") is False:
                k.non_parties.add(code)
            for alias in [name, *it["aliases"]]:
                key = norm_key(alias)
                short = len(key.replace(" ", "")) <= 3
                role = "forces" if kind == "state_forces" else "name"
                _add(k.actors, key, ActorEntry(code, name, kind, role, group, short))


def _blocked(k: Knowledge, key: str, entry: PlaceEntry) -> bool:
    """A generated name never shadows an actor's name ("Jordan", a town in the Philippines),
    except a capital's: the capital itself, and namesakes that are cities in their own right
    ("Tripoli" in Lebanon, not a village called "Washington")."""
    from pipeline.extract.gazetteer import NAMESAKE_MIN_POPULATION

    acts = k.actors.get(key)
    if not acts:
        return False
    if any(a.role != "capital" for a in acts):
        return True
    return entry.population < NAMESAKE_MIN_POPULATION and all(a.code != entry.country for a in acts)


def _load_generated(k: Knowledge, gz: Gazetteer) -> None:
    """Merge the gazetteer's index (after _order_places): a key that P-code, site or
    actor-state places also have lists those first, then the gazetteer's entries."""
    from pipeline.extract.gazetteer import shadowed

    for code, country in gz.countries.items():
        k.countries.setdefault(code, country)  # states of actors.json keep their own entry
    k.subdivisions.update(gz.subdivisions)
    k.capital_of.update(gz.capital_of)
    places, actors, countries = k.places, k.actors, k.countries
    for key, entries in gz.index.items():
        if key in actors or any(e.kind == "country" for e in entries):
            kept: list[PlaceEntry] = []
            for e in entries:
                if e.kind == "country":
                    e = countries.get(e.country or "", e)  # one entry per country
                curated = (e.place_id or "").startswith("frontline:")
                if (curated or not _blocked(k, key, e)) and e not in kept:
                    kept.append(e)
            if not kept:
                continue
            entries = kept
        have = places.get(key)
        if have is None:
            places[key] = entries
        else:
            have += [
                e for e in entries if all(e is not x for x in have) and not shadowed(have[0], e)
            ]


def load_knowledge() -> Knowledge:
    """Load all knowledge files (uncached; ``knowledge()`` is the per-process copy)."""
    from pipeline.extract.gazetteer import build

    k = Knowledge()
    with open(DATA_DIR / "lexicon.json", encoding="utf-8") as fh:
        k.lexicon = {key: val for key, val in json.load(fh).items() if not key.startswith("_")}
    with open(DATA_DIR / "theatres.json", encoding="utf-8") as fh:
        th = json.load(fh)
    gz = build(th["theatres"], DATA_DIR)
    _load_actors(k, gz.countries)
    for theatre in th["theatres"]:
        k.theatres[theatre["country"]] = theatre
        if theatre.get("provinces") and theatre.get("districts"):
            _load_gazetteer(k, theatre)
        if theatre.get("forces") in k.actor_by_code:
            k.forces_of[theatre["country"]] = theatre["forces"]
    k.theatre = k.theatres[th["default"]]
    k.unnamed_insurgent = th.get("unnamed_insurgent")
    _load_place_aliases(k)
    _load_sites(k)
    _order_places(k)
    _load_generated(k, gz)
    # the gazetteer's keys come with their prefixes and first words computed
    k.key_prefixes |= gz.prefixes
    k.first_words.update(gz.first_words)
    for key in [*(key for key in k.places if key not in gz.index), *k.actors]:
        words = key.split()
        if words:
            k.first_words[words[0]] = max(k.first_words.get(words[0], 0), len(words))
        for n in range(1, len(words) + 1):
            k.key_prefixes.add(" ".join(words[:n]))
    k.max_ngram = max(k.first_words.values())
    return k


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """Load all knowledge files once per process."""
    return load_knowledge()

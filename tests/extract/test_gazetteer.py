"""The gazetteer beyond Afghanistan: GeoNames cities, ISO 3166-2 subdivisions, countries and the
curated files, each place with a stable id (pure: no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import gazetteer
from pipeline.extract.resources import Knowledge, PlaceEntry, knowledge, norm_key
from schemas import Place


@pytest.fixture(scope="module")
def k() -> Knowledge:
    return knowledge()


def first(k: Knowledge, name: str) -> PlaceEntry:
    entries = k.places.get(norm_key(name))
    assert entries, f"{name!r} is no place"
    return entries[0]


def test_a_geonames_city_resolves_with_its_id_and_coordinates(k: Knowledge) -> None:
    mosul = first(k, "Mosul")
    assert mosul.kind == "city" and mosul.country == "IRQ"
    assert mosul.place_id is not None and mosul.place_id.startswith("geonames:")
    assert mosul.lat is not None and mosul.lon is not None
    assert abs(mosul.lat - 36.34) < 0.2 and abs(mosul.lon - 43.13) < 0.2
    assert mosul.population > 1_000_000
    assert mosul.adm1 is None and mosul.adm2 is None  # P-codes are Afghanistan's only
    assert mosul.iso_adm1 == "IQ-NI"  # Nineveh, through its curated capital
    assert mosul.curated  # irq.csv names it: a place of the wars followed
    saraqib = first(k, "Saraqib")
    assert saraqib.place_id and saraqib.place_id.startswith("geonames:")
    assert not saraqib.curated and saraqib.iso_adm1 == "SY-ID"


@pytest.mark.parametrize(
    ("press_name", "code"),
    [
        ("Donetsk Oblast", "UA-14"),
        ("Luhansk region", "UA-09"),  # "region" written as part of the name
        ("Anbar", "IQ-AN"),
        ("Al Anbar", "IQ-AN"),
        ("Nineveh", "IQ-NI"),
        ("Salahuddin", "IQ-SD"),
        ("Deir ez-Zor province", "SY-DY"),
        ("Hadramout", "YE-HD"),
        ("Borno State", "NG-BO"),
        ("North Kivu", "CD-NK"),
        ("Crimea", "UA-43"),
    ],
)
def test_a_subdivision_resolves_by_its_press_name_to_its_iso_code(
    k: Knowledge, press_name: str, code: str
) -> None:
    e = first(k, press_name)
    assert e.place_id == code
    assert e.kind in ("province", "region")
    assert e.iso_adm1 == code
    assert k.subdivisions[code] is e


def test_a_province_named_like_its_capital_is_the_city_by_its_bare_name(k: Knowledge) -> None:
    city = first(k, "Kherson")
    assert city.kind == "city" and city.place_id and city.place_id.startswith("geonames:")
    province = first(k, "Kherson Oblast")
    assert province.place_id == "UA-65" and province.kind == "province"
    # from the city to its province: the way "the Kherson region" is resolved
    assert city.iso_adm1 == "UA-65" and city.is_capital
    assert k.capital_of["UA-65"] is city and k.subdivisions["UA-65"] is province
    assert province.lat is not None and province.lon is not None


@pytest.mark.parametrize(
    "spellings",
    [("Fallujah", "Falluja"), ("Kyiv", "Kiev"), ("Erbil", "Irbil", "Arbil"), ("Raqqa", "Raqqah")],
)
def test_spelling_variants_of_one_city_share_one_place_id(
    k: Knowledge, spellings: tuple[str, ...]
) -> None:
    ids = {first(k, s).place_id for s in spellings}
    assert len(ids) == 1 and None not in ids


def test_curated_places_have_frontline_ids_and_come_first(k: Knowledge) -> None:
    base = first(k, "Ain al-Asad")
    assert base.kind == "base" and base.place_id == "frontline:irq:al-asad-air-base"
    assert base.iso_adm1 == "IQ-AN" and base.province == "Anbar"
    assert first(k, "Al Asad Air Base") is base
    # a curated spelling wins over a bigger namesake elsewhere
    bor = first(k, "Bor")
    assert bor.country == "SSD"


def test_namesakes_are_ordered_by_population_and_small_ones_abroad_dropped(
    k: Knowledge,
) -> None:
    tripoli = k.places[norm_key("Tripoli")]
    assert [e.country for e in tripoli] == ["LBY", "LBN"]  # both cities in their own right
    kabul = k.places[norm_key("Kabul")]
    assert {e.country for e in kabul} == {"AFG"}  # no village of that name elsewhere


def test_common_words_and_names_are_no_places(k: Knowledge) -> None:
    for word in ("Allen", "Victoria", "Central", "Human", "Sahel"):
        assert norm_key(word) not in k.places, word
    # a GeoNames village named like a big city abroad is not found by that name
    assert norm_key("New York") not in k.places


def test_countries_have_one_entry_each_with_an_id_and_coordinates(k: Knowledge) -> None:
    iraq = k.countries["IRQ"]
    assert iraq.place_id == "iso3166:IRQ" and iraq.lat is not None and iraq.lon is not None
    assert [e for e in k.places["iraq"] if e.kind == "country"] == [iraq]
    assert first(k, "Syrian Arab Republic") is k.countries["SYR"]
    guinea = k.countries["GIN"]  # a country no actor names still is a place
    assert guinea.place_id == "iso3166:GIN" and first(k, "Guinea") is guinea


def test_an_afghan_district_keeps_its_p_codes_and_its_key(k: Knowledge) -> None:
    nijrab = next(e for e in k.places["nijrab"] if e.kind == "district")
    assert (nijrab.adm1, nijrab.adm2, nijrab.place_id) == ("AF02", "AF0205", "AF0205")
    kapisa = k.provinces["AF02"]
    assert kapisa.place_id == "AF02"
    place = Place(
        name=nijrab.name,
        kind="district",
        country="AFG",
        adm1=nijrab.adm1,
        adm2=nijrab.adm2,
        place_id=nijrab.place_id,
    )
    assert place.key == "AF0205"
    bagram = next(e for e in k.places["bagram airfield"] if e.kind == "base")
    assert bagram.place_id == "AF0302"  # a site: its most specific P-code


def _toy_theatre(tmp_path: Path, rows: str) -> tuple[dict[str, object], Path]:
    places = tmp_path / "places"
    places.mkdir()
    (places / "zzz.csv").write_text(
        "name,aliases,kind,iso3166_2,capital,lat,lon\n" + rows, encoding="utf-8"
    )
    (places / "stopwords.txt").write_text("the\n", encoding="utf-8")
    theatre: dict[str, object] = {
        "country": "ZZZ",
        "name": "Toyland",
        "insurgent": None,
        "forces": "ZZZ-FORCES",
    }
    return theatre, tmp_path


def test_a_toy_theatre_is_built_from_its_data_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(tmp_path / "cache"))
    theatre, data_dir = _toy_theatre(
        tmp_path,
        "Fort Pebble,Pebble base|Camp Pebble,base,,,10.5,20.25\n"
        "Marble Hills,the Marble uplands,region,,,11.0,21.0\n"
        "Gravel Gate,Gravel crossing,border_crossing,,,10.0,19.5\n",
    )
    gz = gazetteer.build([theatre], data_dir, generated=False)
    fort = gz.index[norm_key("Camp Pebble")][0]
    assert fort.name == "Fort Pebble" and fort.kind == "base" and fort.country == "ZZZ"
    assert fort.place_id == "frontline:zzz:fort-pebble"
    assert (fort.lat, fort.lon) == (10.5, 20.25)
    assert gz.index[norm_key("Pebble base")] == [fort]
    assert gz.index[norm_key("the Marble uplands")][0].kind == "region"
    gate = gz.index[norm_key("Gravel Gate")][0]
    assert gate.kind == "border_crossing" and gate.place_id == "frontline:zzz:gravel-gate"
    # the place ids are valid contract ids
    assert Place(name=fort.name, kind="base", country="ZZZ", place_id=fort.place_id).key == (
        "frontline:zzz:fort-pebble"
    )


@pytest.mark.parametrize(
    "row",
    [
        "Nowhere,,province,ZZ-XX,,,\n",  # an ISO code the country does not have
        "Ghost Town,,city,,,,\n",  # a city alias row that names no GeoNames city
        "Broken,,base,,,north,east\n",  # coordinates that are not numbers
        "Odd,,harbour,,,1,2\n",  # a kind outside the contract's
    ],
)
def test_a_curated_row_that_names_nothing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str
) -> None:
    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(tmp_path / "cache"))
    theatre, data_dir = _toy_theatre(tmp_path, row)
    with pytest.raises(ValueError):
        gazetteer.build([theatre], data_dir, generated=False)


def test_every_place_id_is_a_valid_contract_id(k: Knowledge) -> None:
    seen: set[int] = set()
    for entries in k.places.values():
        for e in entries:
            if id(e) in seen:
                continue
            seen.add(id(e))
            place = Place.model_validate(
                {"name": e.name[:300], "kind": e.kind, "country": e.country, "place_id": e.place_id}
            )
            assert place.place_id is not None
    assert len(seen) > 30_000


def test_names_fold_to_ascii() -> None:
    assert gazetteer.fold("Ḩamāh") == "Hamah"
    assert gazetteer.fold("Xankəndi") == "Xankendi"
    assert gazetteer.fold("Київ") is None

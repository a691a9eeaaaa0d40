"""The contract's validation rules, and the exported JSON Schema files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from schemas import (
    Actor,
    Article,
    Evidence,
    Place,
    TerritorialControlEvent,
    WithdrawalEvent,
    parse_event,
)
from schemas.export import JSON_DIR, render, schema_documents


def test_article_id_is_derived_deterministically_from_url_then_text() -> None:
    a = Article(body="text", url="https://example.org/a")
    b = Article(body="other text", url="https://example.org/a")
    assert a.id == b.id  # same URL, same article
    c = Article(body="text", title="T")
    d = Article(body="text", title="T")
    e = Article(body="text!", title="T")
    assert c.id == d.id != e.id
    assert Article(id="given-id:1", body="x").id == "given-id:1"


@pytest.mark.parametrize(
    "payload",
    [
        {"body": ""},
        {"body": "   \n"},
        {"body": 42},
        {"title": "no body"},
        {"body": "x" * 200_001},
        {"body": "x", "id": "has space"},
        {"body": "x", "id": ""},
        {"body": "x", "id": "a" * 201},
        {"body": "x", "title": "t" * 1001},
        {"body": "x", "published_at": "yesterday"},
        {"body": "x", "published_at": 20210712},
        {"body": "nul\x00byte"},
    ],
)
def test_invalid_articles_are_rejected(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Article.model_validate(payload)


def test_published_at_accepts_dates_and_rfc3339_and_is_always_aware() -> None:
    assert Article(body="x", published_at="2021-07-12").published_at == datetime(
        2021, 7, 12, tzinfo=UTC
    )
    dt = Article(body="x", published_at="2021-07-12T10:30:00+04:30").published_at
    assert dt is not None and dt.utcoffset() is not None
    naive = Article(body="x", published_at="2021-07-12T10:30:00").published_at
    assert naive is not None and naive.tzinfo is not None
    assert Article(body="x", published_at="2021-07-12T10:30:00Z").published_at == datetime(
        2021, 7, 12, 10, 30, tzinfo=UTC
    )


def _event_fields() -> dict[str, object]:
    return {
        "event_id": "e1",
        "article_id": "a1",
        "actor": Actor(name="France", code="FRA", kind="state"),
        "location": Place(name="Kapisa", kind="province", country="AFG", adm1="AF02"),
        "evidence": Evidence(text="x", start=0, end=1),
        "event_date": date(2012, 11, 20),
    }


def test_events_round_trip_through_json_by_their_type() -> None:
    w = WithdrawalEvent(**_event_fields(), status="ongoing", troops=400)  # type: ignore[arg-type]
    t = TerritorialControlEvent(**_event_fields(), change="handover")  # type: ignore[arg-type]
    for ev in (w, t):
        back = parse_event(ev.model_dump_json())
        assert back == ev and type(back) is type(ev)
    assert json.loads(w.model_dump_json())["event_date"] == "2012-11-20"


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "finished"},
        {"status": "ongoing", "percent_complete": 120},
        {"status": "ongoing", "troops": -1},
        {"status": "ongoing", "confidence": 1.5},
        {"status": "ongoing", "claim_status": "rumoured"},
    ],
)
def test_withdrawal_enums_and_ranges_are_enforced(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WithdrawalEvent(**_event_fields(), **bad)  # type: ignore[arg-type]


def test_actor_codes_and_place_pcodes_follow_the_contract() -> None:
    with pytest.raises(ValidationError):
        Actor(name="x", code="fra", kind="state")
    with pytest.raises(ValidationError):
        Actor(name="x", code="FRA", kind="country")
    with pytest.raises(ValidationError):
        Place(name="Kapisa", kind="province", adm1="Kapisa")
    assert Place(name="Nijrab", kind="district", adm1="AF02", adm2="AF0205").key == "AF0205"
    region = Place(name="provinces neighbouring Kabul", kind="region", country="AFG")
    assert region.key == "AFG:region:provinces-neighbouring-kabul"


def test_a_place_id_is_the_key_of_a_place_without_p_codes() -> None:
    falluja = Place(name="Falluja", kind="city", country="IRQ", place_id="geonames:99454")
    fallujah = Place(name="Fallujah", kind="city", country="IRQ", place_id="geonames:99454")
    assert falluja.key == fallujah.key == "geonames:99454"  # one table row for both spellings
    oblast = Place(name="Donetsk", kind="province", country="UKR", place_id="UA-14")
    assert oblast.key == "UA-14"
    base = Place(
        name="Al Asad Air Base",
        kind="base",
        country="IRQ",
        place_id="frontline:irq:al-asad-air-base",
    )
    assert base.key == "frontline:irq:al-asad-air-base"
    assert Place(name="Iraq", kind="country", country="IRQ", place_id="iso3166:IRQ").key == (
        "iso3166:IRQ"
    )
    # an Afghan place keeps its P-code key, whatever its place_id
    nijrab = Place(
        name="Nijrab", kind="district", country="AFG", adm1="AF02", adm2="AF0205", place_id="AF0205"
    )
    assert nijrab.key == "AF0205"
    as_province = Place(name="Kapisa", kind="province", adm1="AF02", place_id="AF0205")
    assert as_province.key == "AF02"


@pytest.mark.parametrize(
    "bad",
    ["geonames:", "geonames:abc", "UA14-X", "ua-14", "iso3166:irq", "frontline:IRQ:x",
     "frontline:irq:", "frontline:irq:Al Asad", "Mosul", ""],
)  # fmt: skip
def test_place_ids_follow_the_contract(bad: str) -> None:
    with pytest.raises(ValidationError):
        Place(name="x", kind="city", place_id=bad)


def test_a_place_without_place_id_is_still_valid_and_exports_it_as_null() -> None:
    place = Place(name="somewhere near the border", kind="region", country="SYR")
    assert place.place_id is None
    assert "place_id" in place.model_dump()


def test_exported_json_schemas_match_the_models() -> None:
    """Fails when the files in schemas/json drift: run `make schemas` to refresh them."""
    for name, doc in schema_documents().items():
        path = JSON_DIR / name
        assert path.exists(), f"{path} missing; run `make schemas`"
        assert path.read_text(encoding="utf-8") == render(doc), f"{name} is stale"

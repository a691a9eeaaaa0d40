"""Exports read back as an analyst's tools would: the csv module and a GeoJSON check."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from pipeline import export as X
from pipeline.export.select import event_filter, select_events, table_rows
from pipeline.readmodel import ReadModel
from pipeline.tables import claims, control, withdrawals
from pipeline.tables.query import QueryError
from schemas.common import Actor, ActorKind, Evidence, Place, PlaceKind
from schemas.events import TerritorialControlEvent, WithdrawalEvent

RUS = Actor(name="Russia", code="RUS", kind=ActorKind.STATE)
UKR = Actor(name="Ukrainian forces", code="UKR-FORCES", kind=ActorKind.STATE_FORCES)
USA = Actor(name="United States", code="USA", kind=ActorKind.STATE)
HTS = Actor(name="Hayat Tahrir al-Sham", code="HTS", kind=ActorKind.ARMED_GROUP)
KHERSON = Place(
    name="Kherson",
    kind=PlaceKind.CITY,
    country="UKR",
    lat=46.63695,
    lon=32.61458,
    place_id="geonames:706448",
)
LUHANSK = Place(
    name="Luhansk", kind=PlaceKind.PROVINCE, country="UKR", lat=48.574, lon=39.307, place_id="UA-09"
)
IRAQ = Place(name="Iraq", kind=PlaceKind.COUNTRY, country="IRQ", lat=33.34, lon=44.40)
SYRIA_SHARE = Place(name="70% of Syria", kind=PlaceKind.TERRITORY_SHARE, country="SYR")
KHERSON_TEXT = 'Ukrainian troops entered Kherson on Friday, "a historic day", officials said.'


def ctl(event_id: str, day: str, actor: Actor, place: Place, text: str, **kw: Any):
    return TerritorialControlEvent(
        event_id=event_id,
        article_id="art-" + event_id,
        source="Kyiv Independent",
        published_at=day,
        event_date=date.fromisoformat(day),
        date_precision="day",
        actor=actor,
        location=place,
        claim_status=kw.pop("claim_status", "confirmed"),
        change=kw.pop("change", "gain"),
        evidence=Evidence(text=text, start=10, end=10 + len(text)),
        **kw,
    )


def wd(event_id: str, day: str, **kw: Any) -> WithdrawalEvent:
    text = kw.pop("text", "The last American troops crossed into Kuwait, ending the war.")
    return WithdrawalEvent(
        event_id=event_id,
        article_id="art-" + event_id,
        source="AP",
        event_date=date.fromisoformat(day),
        date_precision="day",
        actor=USA,
        location=IRAQ,
        status="completed",
        evidence=Evidence(text=text, start=0, end=len(text)),
        **kw,
    )


def events() -> list[TerritorialControlEvent | WithdrawalEvent]:
    return [
        ctl("k1", "2022-11-11", UKR, KHERSON, KHERSON_TEXT, counter_actor=RUS),
        ctl(
            "l1",
            "2022-07-03",
            RUS,
            LUHANSK,
            "Russia's defence minister said the Luhansk region was taken.",
            claim_status="claimed",
            claimant=RUS,
        ),
        wd("u1", "2011-12-18", troops=5000),
        ctl(
            "s1",
            "2024-12-08",
            HTS,
            SYRIA_SHARE,
            "Rebels said they control 70% of Syria.",
            territory_share_percent=70.0,
            change="hold",
        ),
    ]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def check_geojson(text: str) -> dict[str, Any]:
    """RFC 7946 by hand: a FeatureCollection of Features, Point geometries (lon, lat in
    range) or null, properties an object."""
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    for f in doc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        geometry = f["geometry"]
        if geometry is not None:
            assert geometry["type"] == "Point"
            lon, lat = geometry["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert (lat, lon) == (f["properties"]["latitude"], f["properties"]["longitude"])
    return doc


def test_events_csv_has_acled_like_columns_and_reads_back():
    rows = read_csv(X.render("events", events(), "csv"))
    assert list(rows[0]) == list(X.COLUMNS["events"])
    for column in (
        "event_date",
        "date_precision",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "location",
        "place_id",
        "latitude",
        "longitude",
        "geo_precision",
        "claim_status",
        "claimant",
        "source",
        "article_id",
        "notes",
    ):
        assert column in rows[0]
    kherson, luhansk, usa, share = rows
    assert kherson["event_date"] == "2022-11-11" and kherson["year"] == "2022"
    assert (kherson["event_type"], kherson["sub_event_type"]) == ("territorial_control", "gain")
    assert (kherson["actor1_code"], kherson["actor2_code"]) == ("UKR-FORCES", "RUS")
    assert float(kherson["latitude"]) == 46.63695 and float(kherson["longitude"]) == 32.61458
    assert kherson["geo_precision"] == "1" and kherson["place_id"] == "geonames:706448"
    assert kherson["notes"] == KHERSON_TEXT  # quotes and commas survive
    assert kherson["date_basis"] == "published_at"
    assert luhansk["admin1"] == "UA-09" and luhansk["geo_precision"] == "3"
    assert (luhansk["claim_status"], luhansk["claimant_code"]) == ("claimed", "RUS")
    assert (usa["event_type"], usa["sub_event_type"], usa["troops"]) == (
        "withdrawal",
        "completed",
        "5000",
    )
    assert usa["iso"] == "IRQ" and usa["actor2"] == ""
    assert share["territory_share_percent"] == "70.0"
    assert share["latitude"] == "" and share["geo_precision"] == ""


def test_events_geojson_points_and_null_geometry():
    doc = check_geojson(X.render("events", events(), "geojson"))
    by_id = {f["id"]: f for f in doc["features"]}
    assert by_id["k1"]["geometry"]["coordinates"] == [32.61458, 46.63695]
    assert by_id["s1"]["geometry"] is None  # no coordinates: kept, not dropped
    assert by_id["k1"]["properties"]["notes"] == KHERSON_TEXT


def test_control_rows_as_geojson_features():
    rows: dict[str, Any] = {}
    for ev in events():
        if control.accepts(ev):
            key = control.table_key(ev)
            rows[key] = control.apply(rows.get(key), ev)
    doc = check_geojson(X.render("control", rows.values(), "geojson"))
    by_id = {f["id"]: f["properties"] for f in doc["features"]}
    assert set(by_id) == {"geonames:706448", "UA-09"}
    kherson = by_id["geonames:706448"]
    assert (kherson["status"], kherson["controller_code"]) == ("controlled", "UKR-FORCES")
    assert kherson["notes"] == KHERSON_TEXT and kherson["event_id"] == "k1"
    assert kherson["date_basis"] == "published_at" and kherson["since"] == "2022-11-11"
    assert by_id["UA-09"]["status"] == "claimed"
    table = read_csv(X.render("control", rows.values(), "csv"))
    assert [r["place_key"] for r in table] == ["geonames:706448", "UA-09"]


def test_withdrawal_and_claim_rows_export():
    ev = wd("u1", "2011-12-18", troops=5000)
    row = withdrawals.apply(None, ev)
    (w,) = read_csv(X.render("withdrawals", [row], "csv"))
    assert (w["key"], w["actor_code"], w["iso"], w["status"]) == (
        "USA:IRQ",
        "USA",
        "IRQ",
        "completed",
    )
    check_geojson(X.render("withdrawals", [row], "geojson"))
    share = events()[3]
    claim = claims.apply(None, share)
    (c,) = read_csv(X.render("claims", [claim], "csv"))
    assert c["actor_code"] == "HTS" and c["territory_share_percent"] == "70.0"
    assert check_geojson(X.render("claims", [claim], "geojson"))["features"][0]["id"] == "HTS"


def test_unknown_kind_or_format():
    with pytest.raises(X.ExportError):
        X.render("places", [], "csv")
    with pytest.raises(X.ExportError):
        X.render("events", [], "xlsx")
    assert X.render("events", [], "csv").count("\n") == 1  # the header alone


def test_events_selected_once_each_by_country_and_date():
    evs = events()
    chosen = select_events([*evs, evs[0]], country="UKR", since=date(2022, 7, 4))
    assert [e.event_id for e in chosen] == ["k1"]  # Luhansk is older; Iraq, Syria elsewhere
    assert [e.event_id for e in select_events(evs)] == ["u1", "l1", "k1", "s1"]  # by date
    assert event_filter({"type": "withdrawal"})[2] == ["events.withdrawal"]
    with pytest.raises(QueryError) as bad:
        event_filter({"colour": "red"})
    assert bad.value.param == "colour"


def test_table_rows_take_the_list_filters_and_as_of():
    model = ReadModel()
    for ev in events():
        if control.accepts(ev):
            row = control.apply(None, ev)
            model.apply_record("control", row.place_key, row.model_dump_json().encode())
    assert [r.place_key for r in table_rows(model, "control", {})] == [
        "UA-09",
        "geonames:706448",
    ]
    assert [r.place_key for r in table_rows(model, "control", {"status": "claimed"})] == ["UA-09"]
    then = table_rows(model, "control", {"as_of": "2022-08-01"})
    assert [r.place_key for r in then] == ["UA-09"]  # Kherson was not yet reported
    with pytest.raises(QueryError):
        table_rows(model, "withdrawals", {"as_of": "2022-08-01"})

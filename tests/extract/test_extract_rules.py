from __future__ import annotations

from typing import Any

from pipeline.extract import extract
from schemas import Article


def ev(text: str, published_at: str | None = "2021-08-10", **kw: Any) -> list[dict[str, Any]]:
    art = Article(id="t", body=text, published_at=published_at, **kw)
    out = [e.model_dump(mode="json") for e in extract(art)]
    for e in out:
        s, t = e["evidence"]["start"], e["evidence"]["end"]
        assert text[s:t] == e["evidence"]["text"]
    return out


def test_withdrawal_announced_with_troops_and_deadline() -> None:
    (e,) = ev(
        "Nicolas Sarkozy announces the withdrawal of 1000 troops from Afghanistan "
        "by the end of 2012.",
        "2011-07-12",
    )
    assert e["actor"]["code"] == "FRA" and e["status"] == "announced"
    assert e["troops"] == 1000 and e["deadline"] == "2012-12-31"


def test_withdrawal_completed() -> None:
    (e,) = ev("Canada ends mission in Afghanistan and withdraws 2850 troops.", "2011-07-07")
    assert (e["actor"]["code"], e["status"], e["troops"]) == ("CAN", "completed", 2850)
    assert e["location"]["country"] == "AFG"


def test_non_military_departures_are_not_withdrawals() -> None:
    assert ev("The ambassador leaves Kabul after talks.") == []
    assert ev("Britain warns its citizens to leave Afghanistan immediately.") == []
    assert ev("The Afghan flag is flown despite the withdrawal of the country's athletes.") == []
    assert ev("General Petraeus hands over command of NATO forces in Afghanistan.") == []


def test_hypotheticals_and_negation_produce_nothing() -> None:
    assert ev("Germany may withdraw its troops from Afghanistan if attacks continue.") == []
    assert ev('"I have not seen terrain recaptured by the insurgency," said the general.') == []
    assert ev("Officials fear the Taliban could capture Kandahar.") == []


def test_capture_resolves_gazetteer_and_passive_actor() -> None:
    out = ev("Nirkh District, in Maidan Wardak Province, was captured by the Taliban yesterday.")
    (e,) = out
    assert e["actor"]["code"] == "TALIBAN" and e["change"] == "gain"
    assert e["location"]["adm2"] == "AF0402"
    assert e["event_date"] == "2021-08-09"


def test_list_of_places_gives_one_event_each() -> None:
    out = ev("The Taliban captures the provincial capitals of Lashkargah, Puli Alam and Tarinkot.")
    assert sorted(e["location"]["adm2"] for e in out) == ["AF0501", "AF2501", "AF3001"]
    assert all(e["location"]["kind"] == "city" for e in out)


def test_ambiguous_district_resolved_by_province_nearby() -> None:
    (e,) = ev("Insurgents seized Tagab district in Kapisa province.")
    assert e["location"]["adm2"] == "AF0206"
    assert e["actor"]["code"] == "TALIBAN"


def test_claim_and_territory_share() -> None:
    (e,) = ev("The Taliban claim to control 85% of Afghan territory.")
    assert e["claim_status"] == "claimed" and e["claimant"]["code"] == "TALIBAN"
    assert e["location"]["kind"] == "territory_share" and e["territory_share_percent"] == 85


def test_hedged_hold_with_place_count() -> None:
    (e,) = ev(
        "Two out of six Kapisa districts are thought to be at least partly controlled by "
        "insurgents."
    )
    assert e["change"] == "hold" and e["place_count"] == 2 and e["claim_status"] == "reported"
    assert e["location"]["adm1"] == "AF02"


def test_handover_to_taliban_is_a_gain() -> None:
    (e,) = ev("The Afghan military transfers control of Bagram Airfield to the Taliban.")
    assert (e["actor"]["code"], e["change"], e["location"]["adm1"]) == ("TALIBAN", "gain", "AF03")
    assert e["counter_actor"]["code"] == "AFG-FORCES"


def test_event_ids_are_deterministic() -> None:
    text = "The Taliban captures Sheberghan, the provincial capital of Jowzjan Province."
    assert [e["event_id"] for e in ev(text)] == [e["event_id"] for e in ev(text)]


def test_date_basis_dateline_then_ingestion() -> None:
    (e,) = ev("September 19, 2021\n\nThe Taliban captured Kunduz today.", None)
    assert e["date_basis"] == "dateline" and e["event_date"] == "2021-09-19"
    (e,) = ev("The Taliban captured Kunduz today.", None)
    assert e["date_basis"] == "ingestion"


def test_background_history_not_dated_to_publication() -> None:
    out = ev("The Taliban captured Kunduz in 2015, officials recalled.", "2021-08-10")
    assert all(e["event_date"] != "2021-08-10" for e in out)

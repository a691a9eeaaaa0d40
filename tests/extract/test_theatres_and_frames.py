"""Extraction beyond Afghanistan: who did it (from the parse), where (worldwide places), in
which theatre and period. Sentences of our own; each case guards one rule."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.extract import extract
from schemas import Article


def _events(text: str, published_at: str = "2015-06-01") -> list[dict[str, Any]]:
    return [
        e.model_dump(mode="json")
        for e in extract(Article(id="t", body=text, published_at=published_at))
    ]


def _brief(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            e["event_type"],
            e["actor"]["code"],
            (e.get("location") or {}).get("name"),
            (e.get("location") or {}).get("kind"),
            e.get("change") or e.get("status"),
        )
        for e in events
    ]


def test_a_backing_power_is_not_the_doer() -> None:
    events = _events("Iraqi forces, backed by American air strikes, retook the town of Hit.")
    assert [e["actor"]["code"] for e in events] == ["IRQ-FORCES"], _brief(events)


def test_the_by_agent_of_a_passive_capture_gains() -> None:
    events = _events("The town of Baga in Nigeria was captured by Boko Haram fighters on Saturday.")
    assert ("territorial_control", "BOKO-HARAM", "Baga", "city", "gain") in _brief(events)


@pytest.mark.parametrize(
    "text",
    [
        "Government forces in Iraq did not capture the town of Hit.",
        "Islamic State fighters could seize the town of Hit in Iraq within days.",
        "Islamic State fighters threatened to seize the town of Hit in Iraq.",
    ],
)
def test_negated_and_hypothetical_captures_are_no_events(text: str) -> None:
    assert _events(text) == []


def test_a_facility_named_after_a_town_is_a_base_with_its_own_id() -> None:
    events = _events("Islamic State fighters captured Tabqa airfield in Syria on Sunday.")
    assert len(events) == 1, _brief(events)
    loc = events[0]["location"]
    assert (loc["kind"], loc["country"]) == ("base", "SYR")
    assert loc["place_id"].startswith("frontline:syr:")
    assert loc["lat"] is not None


def test_a_town_only_the_text_names_is_placed_in_the_theatre() -> None:
    events = _events("Rebels in South Sudan seized the village of Kwanyar Deng on Tuesday.")
    assert [(e["location"]["name"], e["location"]["country"]) for e in events] == [
        ("Kwanyar Deng", "SSD")
    ]


def test_unnamed_rebels_are_the_theatres_group_of_the_period() -> None:
    text = "Rebels captured the town of Novoazovsk in eastern Ukraine on Wednesday."
    assert [e["actor"]["code"] for e in _events(text, "2014-08-28")] == ["RUS-BACKED-SEPARATISTS"]


def test_unnamed_rebels_without_a_known_group_are_generic_rebels() -> None:
    events = _events("Rebels seized the town of Bor in South Sudan on Tuesday.", "2013-12-19")
    assert [e["actor"]["code"] for e in events] == ["REBELS"]


def test_a_theatre_maps_an_actor_to_the_one_it_means_there() -> None:
    events = _events("Al Qaeda fighters seized the town of Mukalla in Yemen on Thursday.")
    assert [e["actor"]["code"] for e in events] == ["AQAP"]


def test_a_states_forces_abroad_are_the_state() -> None:
    events = _events("Chadian troops recaptured the town of Damasak in Nigeria on Monday.")
    assert [e["actor"]["code"] for e in events] == ["TCD"]


def test_the_dateline_is_not_where_it_happened() -> None:
    events = _events("MOSUL, Iraq (Reuters) - Iraqi forces retook the village of Ajhala on Monday.")
    assert [e["location"]["name"] for e in events] == ["Ajhala"]


def test_the_country_as_object_is_the_theatre() -> None:
    events = _events("The Taliban took over the country after U.S. troops left Afghanistan.")
    assert ("territorial_control", "TALIBAN", "Afghanistan", "country", "gain") in _brief(events)


def test_a_withdrawal_leaves_the_theatre_not_the_leavers_own_country() -> None:
    events = _events("Israel withdrew its troops from the Gaza Strip on Tuesday.")
    assert [(e["actor"]["code"], e["location"]["country"]) for e in events] == [("ISR", "PSE")]


def test_embassy_staff_leaving_is_no_withdrawal() -> None:
    assert _events("The United States ordered the departure of embassy employees from Yemen.") == []


def test_troops_that_stay_are_read_from_another_sentence() -> None:
    text = (
        "Britain will withdraw most of its troops from Afghanistan by the end of 2014. "
        "The prime minister said the force would be cut to 5,200 next year."
    )
    events = _events(text, "2012-12-19")
    assert [(e["status"], e["remaining_troops"]) for e in events] == [("announced", 5200)]


def test_spellings_of_one_place_share_its_id() -> None:
    a = _events("Iraqi forces retook Falluja on Sunday.")
    b = _events("Iraqi forces retook Fallujah on Sunday.")
    assert a and b
    assert a[0]["location"]["place_id"] == b[0]["location"]["place_id"] is not None


def test_unnamed_foreign_troops_are_the_theatres_coalition_of_the_period() -> None:
    events = _events("Foreign troops began to withdraw from Afghanistan on Monday.", "2013-06-18")
    assert [(e["actor"]["code"], e["status"]) for e in events] == [("NATO", "ongoing")]


def test_a_withdrawal_that_only_frames_a_forecast_is_no_event() -> None:
    text = "Analysts warn the Taliban could return to power after foreign forces withdraw."
    assert [e for e in _events(text, "2013-06-18") if e["event_type"] == "withdrawal"] == []


def test_a_backer_named_in_a_compound_is_not_the_doer() -> None:
    text = "Iran-backed militiamen withdrew from the embassy compound in Baghdad on Wednesday."
    assert [e for e in _events(text) if e["actor"]["code"] in ("IRN", "USA")] == []


def test_the_united_nations_takes_no_side() -> None:
    text = "United Nations convoys entered the besieged town of Madaya in Syria on Monday."
    assert [e["actor"]["code"] for e in _events(text)] == []


def test_pro_russian_is_not_russia() -> None:
    text = "Pro-Russian rebels seized the town of Novoazovsk in eastern Ukraine."
    assert [e["actor"]["code"] for e in _events(text, "2014-08-28")] == ["RUS-BACKED-SEPARATISTS"]


@pytest.mark.parametrize(
    ("text", "actor", "place"),
    [
        (
            "The fall of Ramadi to Islamic State fighters shocked officials in Iraq.",
            "ISIS",
            "Ramadi",
        ),
        ("Russia's capture of Kherson in March was a blow to Ukraine.", "RUS", "Kherson"),
        (
            "The capture of the town of Baga by Boko Haram in Nigeria was confirmed.",
            "BOKO-HARAM",
            "Baga",
        ),
    ],
)
def test_a_nominal_capture_names_its_gainer(text: str, actor: str, place: str) -> None:
    events = _events(text)
    assert [(e["actor"]["code"], e["location"]["name"], e["change"]) for e in events] == [
        (actor, place, "gain")
    ]


def test_a_fall_without_a_gainer_is_no_event() -> None:
    assert _events("The fall of the Berlin Wall changed Europe.") == []


def test_each_village_of_a_list_is_its_own_event() -> None:
    text = "Iraqi forces retook the villages of Kharab, Tal Qasr and Umm Jarad on Wednesday."
    events = _events(text)
    assert [e["location"]["name"] for e in events] == ["Kharab", "Tal Qasr", "Umm Jarad"]
    assert {e["location"]["country"] for e in events} == {"IRQ"}

"""Where an event happens (regions, vague areas, possessives) and withdrawals announced as
reductions or by the theatre's own state. Sentences of our own; each case guards one rule."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.extract import extract
from schemas import Article


def _events(text: str, published_at: str = "2022-10-01") -> list[dict[str, Any]]:
    return [
        e.model_dump(mode="json")
        for e in extract(Article(id="t", body=text, published_at=published_at))
    ]


def _where(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            e["event_type"],
            e["actor"]["code"],
            e["location"]["name"],
            e["location"]["kind"],
            e["location"]["country"],
        )
        for e in events
    ]


def test_a_plural_region_word_before_a_list_makes_every_name_a_province() -> None:
    events = _events("Russia now controls the regions of Kherson and Zaporizhzhia in Ukraine.")
    kinds = {(e["location"]["name"], e["location"]["kind"]) for e in events}
    assert kinds == {("Kherson", "province"), ("Zaporizhzhia", "province")}, _where(events)


def test_vague_villages_near_a_town_lie_in_the_towns_country() -> None:
    events = _events("Russian troops have seized several villages south of Bakhmut.")
    assert [(e["location"]["kind"], e["location"]["country"]) for e in events] == [
        ("region", "UKR")
    ], _where(events)


def test_several_unnamed_towns_are_a_region_never_the_country() -> None:
    events = _events("Al-Shabaab militants in Somalia seized several towns last week.")
    assert events, "a vague gain is still a report"
    assert all(e["location"]["kind"] == "region" for e in events), _where(events)
    assert all(e["location"]["country"] == "SOM" for e in events), _where(events)


def test_a_country_in_the_possessive_is_not_the_place_taken() -> None:
    events = _events(
        "Islamic State fighters seized Ramadi, Iraq's largest Sunni city, on Sunday.",
        published_at="2015-05-18",
    )
    assert ("territorial_control", "ISIS", "Ramadi", "city", "IRQ") in _where(events)
    assert all(e["location"]["kind"] != "country" for e in events), _where(events)


def test_the_theatres_own_state_withdrawing_from_a_neighbour() -> None:
    text = (
        "Israel and Hezbollah agreed to a ceasefire. Israel said its army had hit targets in "
        "Israel's north. Over the coming weeks, Israel will withdraw its forces from southern "
        "Lebanon."
    )
    events = [e for e in _events(text, "2024-11-27") if e["event_type"] == "withdrawal"]
    assert [(e["actor"]["code"], e["location"]["country"], e["status"]) for e in events] == [
        ("ISR", "LBN", "announced")
    ], _where(events)


def test_troops_ordered_out_of_a_place_is_a_withdrawal() -> None:
    events = _events("Israel ordered all of its troops out of Gaza on Sunday.", "2014-08-04")
    assert [(e["event_type"], e["actor"]["code"]) for e in events] == [("withdrawal", "ISR")]


def test_a_force_cut_to_a_number_is_an_announced_withdrawal_with_troops_remaining() -> None:
    events = _events(
        "The United States will reduce its force in Afghanistan to 5,500 troops next year.",
        "2015-10-15",
    )
    assert len(events) == 1, _where(events)
    e = events[0]
    assert (e["actor"]["code"], e["location"]["country"], e["status"]) == (
        "USA",
        "AFG",
        "announced",
    )
    assert e["remaining_troops"] == 5500


def test_a_number_that_falls_is_not_a_withdrawal_unless_it_counts_troops() -> None:
    assert _events("Attacks on U.S. troops in Iraq fell to 30 a month in 2008.") == []


def test_a_bare_took_gains_the_place_that_is_its_object() -> None:
    events = _events("Taliban fighters took the Khwahan district of Badakhshan on Friday.")
    assert [(e["actor"]["code"], e["location"]["kind"], e["change"]) for e in events] == [
        ("TALIBAN", "district", "gain")
    ], _where(events)


def test_a_bare_took_without_a_place_object_is_no_event() -> None:
    assert _events("Talks between Taliban envoys took place in Kabul on Friday.") == []
    assert _events("Taliban fighters took hostages in Kunduz on Friday.") == []


def test_a_facility_in_a_named_town_is_a_base_of_that_town() -> None:
    events = _events("Malian forces took control of the airport in the city of Gao in Mali.")
    assert [(e["location"]["kind"], e["location"]["country"]) for e in events] == [
        ("base", "MLI")
    ], _where(events)
    assert "Gao" in events[0]["location"]["name"]


def test_a_country_named_only_as_where_something_was_taken_is_not_taken() -> None:
    events = _events("Kachin rebels captured a small army outpost in Myanmar on Tuesday.")
    assert all(e["location"]["kind"] != "country" for e in events), _where(events)


def test_a_direction_and_a_country_are_a_region_of_that_country() -> None:
    events = _events("Islamist fighters from Ansar Dine seized control of northern Mali in 2012.")
    assert [(e["location"]["name"], e["location"]["kind"]) for e in events] == [
        ("northern Mali", "region")
    ], _where(events)


def test_seizing_power_in_a_country_is_a_gain_of_the_country() -> None:
    events = _events("The Taliban seized power in Afghanistan in August.", "2021-09-01")
    assert [(e["actor"]["code"], e["location"]["kind"]) for e in events] == [("TALIBAN", "country")]


def test_every_place_of_a_list_left_is_its_own_withdrawal() -> None:
    events = _events("Ukraine said Russian troops were pulling back from Kyiv, Sumy and Chernihiv.")
    assert sorted(e["location"]["name"] for e in events) == ["Chernihiv", "Kyiv", "Sumy"]
    assert {e["actor"]["code"] for e in events} == {"RUS"}


def test_the_place_after_the_verb_is_left_and_an_earlier_retreat_stays_its_own() -> None:
    events = _events("After retreats from Kyiv, Russian troops withdrew from Kherson on Friday.")
    assert sorted(e["location"]["name"] for e in events) == ["Kherson", "Kyiv"], _where(events)


def test_intended_and_prevented_gains_are_no_events() -> None:
    assert _events("Iraqi forces vowed to retake Mosul from the Islamic State.") == []
    assert _events("Their goal is to push the militants out of Iraq by summer.") == []
    assert _events("Airstrikes aim at preventing the Taliban from taking over Kunduz.") == []


def test_a_region_named_apart_from_a_town_of_it_is_its_own_place() -> None:
    events = _events(
        "Ukrainian troops left Sievierodonetsk, putting the eastern region of Luhansk almost "
        "fully under Russian control."
    )
    assert ("territorial_control", "RUS", "Luhansk", "province", "UKR") in _where(events)


def test_a_region_right_after_a_town_only_qualifies_it() -> None:
    events = _events("Russian forces captured Lyman, in the Donetsk region, on Saturday.")
    assert [(e["location"]["name"], e["location"]["kind"]) for e in events] == [("Lyman", "city")]


def test_parts_of_a_name_shared_by_a_city_and_its_region_is_the_region() -> None:
    events = _events("Ukrainian forces expelled Russian troops from parts of Donetsk last week.")
    assert [(e["location"]["name"], e["location"]["kind"]) for e in events] == [
        ("Donetsk", "province")
    ], _where(events)


def test_a_named_facility_the_gazetteer_lacks_is_a_base_in_the_theatre() -> None:
    events = _events(
        "Houthi fighters seized the al-Anad air base in Yemen on Wednesday.", "2015-03-26"
    )
    assert [
        (e["location"]["name"], e["location"]["kind"], e["location"]["country"]) for e in events
    ] == [("al-Anad air base", "base", "YEM")], _where(events)


def test_securing_a_named_town_is_a_gain() -> None:
    events = _events("Nigerian troops secured the town of Baga on Sunday.", "2015-02-22")
    assert [(e["actor"]["code"], e["location"]["name"], e["change"]) for e in events] == [
        ("NGA-FORCES", "Baga", "gain")
    ], _where(events)


def test_a_bare_verb_needs_a_known_actor_as_its_doer() -> None:
    text = "Syrian state media said the first shipment of aid reached the town of Madaya."
    assert _events(text, "2016-01-11") == []


def test_overtaking_a_town_and_clearing_an_enemy_from_it_are_gains() -> None:
    events = _events("Taliban militants overtook the northern city of Kunduz.", "2015-10-03")
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [("TALIBAN", "Kunduz")]
    events = _events("Somali troops cleared al-Shabaab fighters from the town of Bulo Burde.")
    assert [(e["actor"]["code"], e["location"]["name"], e["change"]) for e in events] == [
        ("SOM-FORCES", "Bulo Burde", "gain")
    ], _where(events)


def test_the_terrorists_are_the_armed_group_named_before() -> None:
    text = (
        "Islamic State militants attacked Ramadi in Iraq on Friday. "
        "The terrorists seized three villages around the city."
    )
    events = _events(text, "2015-04-18")
    assert ("ISIS", "three villages around Ramadi", "IRQ") in {
        (e["actor"]["code"], e["location"]["name"], e["location"]["country"]) for e in events
    }, _where(events)


def test_securing_the_centre_of_a_town_gains_the_town() -> None:
    events = _events("Iraqi soldiers were able to secure the centre of Ramadi.", "2015-12-28")
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [
        ("IRQ-FORCES", "Ramadi")
    ], _where(events)


def test_a_deal_promising_the_withdrawal_of_troops_is_about_troops() -> None:
    events = _events("The deal promises the withdrawal of all American forces from Afghanistan.")
    assert [(e["actor"]["code"], e["status"]) for e in events] == [("USA", "announced")]
    assert _events("The embassy drawdown in Kabul began on Monday.") == []


@pytest.mark.parametrize(
    "text",
    [
        "They were Russian soldiers on leave, a rebel commander in Ukraine said.",
        "The war has killed thousands of Afghan soldiers and left Afghanistan deeply unstable.",
        "Nonessential personnel were evacuated from the U.S. Embassy in Yemen.",
    ],
)
def test_leaving_words_that_are_no_troop_withdrawal(text: str) -> None:
    assert [e for e in _events(text, "2014-08-28") if e["event_type"] == "withdrawal"] == []


def test_the_country_left_is_not_the_one_that_leaves() -> None:
    events = _events(
        "The drawdown in Afghanistan will be slower than the withdrawal of troops from Iraq.",
        "2014-12-12",
    )
    assert "IRQ" not in {e["actor"]["code"] for e in events}, _where(events)


def test_a_share_of_troops_already_gone_is_an_ongoing_withdrawal_with_its_percent() -> None:
    events = _events(
        "Ukraine's president said some 70% of the Russian troops in Ukraine had withdrawn.",
        "2014-09-11",
    )
    assert [(e["actor"]["code"], e["status"], e["percent_complete"]) for e in events] == [
        ("RUS", "ongoing", 70.0)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The victory sets the stage for Washington to begin withdrawing U.S. troops from Syria.",
        "Trump said American troops must come home from Syria.",
    ],
)
def test_what_must_or_is_to_begin_is_announced(text: str) -> None:
    assert [e["status"] for e in _events(text, "2019-03-23")] == ["announced"]


def test_a_wars_name_is_no_side_and_it_is_not_the_doers_own_country() -> None:
    text = (
        "Israeli troops captured the Beaufort ridge on Sunday. Israel first took control of "
        "the site during the First Lebanon War in 1982 and continued to occupy it for years."
    )
    events = _events(text, "2024-10-01")
    assert "LBN" not in {e["actor"]["code"] for e in events}, _where(events)
    assert all(e["location"]["country"] != "ISR" for e in events), _where(events)


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("The Taliban seized large parts of Helmand province.", "part"),
        ("The Taliban seized Helmand province on Friday.", "whole"),
        ("The Taliban took over the country, officials in Afghanistan said.", "whole"),
    ],
)
def test_control_of_a_country_or_province_says_whether_it_is_the_whole(
    text: str, scope: str
) -> None:
    events = _events(text, "2021-08-20")
    assert [e["place_scope"] for e in events] == [scope], _where(events)


def test_control_of_a_town_carries_no_scope() -> None:
    events = _events("The Taliban seized Kunduz on Friday.", "2021-08-20")
    assert [e["place_scope"] for e in events] == [None]


def test_a_region_that_only_locates_what_was_taken_is_part_of_it() -> None:
    events = _events("Russian troops seized a village in the Donetsk region on Monday.")
    assert [(e["location"]["kind"], e["place_scope"]) for e in events] == [("province", "part")]


def test_the_capital_of_a_province_is_not_the_national_capital() -> None:
    text = "Rapid Support Forces seized Wad Madani, the capital of Gezira state in Sudan."
    assert [e["location"]["name"] for e in _events(text, "2023-12-19")] == ["Wad Madani"]


def test_the_capital_of_a_theatre_without_a_capital_alias_is_found() -> None:
    events = _events("The Taliban seized the capital on Sunday, officials in Afghanistan said.")
    assert [(e["location"]["name"], e["location"]["adm2"]) for e in events] == [("Kabul", "AF0101")]


@pytest.mark.parametrize(
    ("text", "gainer", "place"),
    [
        ("Myanmar's army lost control of Lashio to the MNDAA on Saturday.", "MNDAA", "Lashio"),
        ("Government troops surrendered the town of Baga to Boko Haram.", "BOKO-HARAM", "Baga"),
        (
            "Ukrainian troops left Sievierodonetsk, ceding the city to Russia.",
            "RUS",
            "Sievierodonetsk",
        ),
    ],
)
def test_a_place_lost_or_ceded_to_a_side_is_that_sides_gain(
    text: str, gainer: str, place: str
) -> None:
    events = [e for e in _events(text) if e["event_type"] == "territorial_control"]
    assert [(e["actor"]["code"], e["location"]["name"], e["change"]) for e in events] == [
        (gainer, place, "gain")
    ], _where(events)


def test_mentions_of_one_capture_keep_the_strongest_claim_in_the_tables_order() -> None:
    text = (
        "The Taliban claimed on Monday that they had captured Kunduz. "
        "Kunduz fell to the Taliban on Monday."
    )
    events = _events(text, "2021-08-09")
    # reported outranks claimed: the news says it, not only the side that gains
    assert [(e["location"]["name"], e["claim_status"], e["claimant"]) for e in events] == [
        ("Kunduz", "reported", None)
    ], _where(events)


def test_an_unnamed_base_taken_is_a_base_placed_where_the_text_puts_it() -> None:
    events = _events("Taliban militants overran an army base in Helmand province on Sunday.")
    assert [
        (e["location"]["kind"], e["location"]["adm1"], e["location"]["name"]) for e in events
    ] == [("base", "AF30", "an army base in Helmand province")], _where(events)


def test_with_is_no_ordinal_of_a_vague_place() -> None:
    events = _events("Boko Haram fighters captured Monguno together with its military barracks.")
    assert all(not e["location"]["name"].startswith("with") for e in events), _where(events)


def test_a_local_side_withdrawing_from_the_city_named_before_leaves_that_city() -> None:
    text = (
        "Ukrainian forces fought for weeks in Lysychansk. "
        "Ukrainian troops withdrew from the city on Sunday."
    )
    events = [e for e in _events(text, "2022-07-04") if e["event_type"] == "withdrawal"]
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [
        ("UKR-FORCES", "Lysychansk")
    ]


@pytest.mark.parametrize(
    ("text", "actor", "place"),
    [
        ("The city of Chernihiv in Ukraine was surrounded by Russian forces.", "RUS", "Chernihiv"),
        ("Kunduz was besieged by the Taliban for weeks.", "TALIBAN", "Kunduz"),
        ("Russian forces encircled Chernihiv in Ukraine on Friday.", "RUS", "Chernihiv"),
    ],
)
def test_a_town_surrounded_is_contested_by_the_side_around_it(
    text: str, actor: str, place: str
) -> None:
    events = _events(text, "2022-03-05")
    assert [(e["actor"]["code"], e["location"]["name"], e["change"]) for e in events] == [
        (actor, place, "contest")
    ], _where(events)


@pytest.mark.parametrize(
    "text",
    [
        "Government troops have driven al-Shabaab out of the port city of Kismayo.",
        "Somali forces ousted al-Shabaab fighters from Kismayo on Monday.",
        "Somali troops are evicting al-Shabaab from Kismayo.",
    ],
)
def test_driving_an_enemy_out_of_a_town_gains_it(text: str) -> None:
    events = _events(text, "2012-10-01")
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [
        ("SOM-FORCES", "Kismayo")
    ], _where(events)


def test_a_base_handed_over_to_a_side_is_a_handover_to_it() -> None:
    events = _events("U.S. forces handed over the Bagram air base to Afghan forces on Friday.")
    assert [(e["actor"]["code"], e["change"], e["counter_actor"]["code"]) for e in events] == [
        ("AFG-FORCES", "handover", "USA")
    ], _where(events)


def test_a_province_named_right_after_a_district_only_says_where_it_is() -> None:
    events = _events("The Taliban captured Ghormach in Faryab province on Monday.")
    assert [e["location"]["kind"] for e in events] == ["district"], _where(events)


@pytest.mark.parametrize(
    "text",
    [
        "Kenya will pull thousands of its soldiers out of Somalia.",
        "Kenya has begun pulling some of its troops out of Somalia, officials said.",
    ],
)
def test_pulling_troops_out_of_a_neighbour_is_a_withdrawal_from_it(text: str) -> None:
    events = _events(text, "2023-06-01")
    assert [(e["actor"]["code"], e["location"]["country"]) for e in events] == [("KEN", "SOM")]


def test_an_unlikely_capture_is_no_event() -> None:
    assert _events("The Taliban are unlikely to capture Kandahar, U.S. officials said.") == []


def test_troops_evacuated_from_the_base_named_before_leave_that_base() -> None:
    text = (
        "Houthi fighters advanced on the al-Anad air base in Yemen. The U.S. evacuated some "
        "100 soldiers, including Special Forces commandos, from the base."
    )
    events = [e for e in _events(text, "2015-03-22") if e["event_type"] == "withdrawal"]
    assert [(e["actor"]["code"], e["location"]["kind"]) for e in events] == [("USA", "base")]


def test_troops_ordered_out_by_a_deadline_is_an_announced_withdrawal() -> None:
    events = _events(
        "Biden ordered all U.S. troops out of Afghanistan by September 11.", "2021-04-14"
    )
    assert [(e["actor"]["code"], e["status"], e["deadline"]) for e in events] == [
        ("USA", "announced", "2021-09-11")
    ]


def test_a_drawdown_to_a_number_gives_the_troops_remaining() -> None:
    events = _events(
        "The U.S. military has completed its drawdown in Afghanistan to 2,500 troops.",
        "2021-01-15",
    )
    assert [e["remaining_troops"] for e in events] == [2500]


def test_guards_are_troops() -> None:
    events = _events("Iran has withdrawn its Revolutionary Guards from Syria.", "2018-06-01")
    assert [(e["actor"]["code"], e["location"]["country"]) for e in events] == [("IRN", "SYR")]


def test_a_states_forces_leaving_another_country_withdraw_from_it() -> None:
    events = _events(
        "Serbian forces withdrew from Kosovo under the agreement with NATO.", "1999-06-20"
    )
    assert [(e["actor"]["code"], e["location"]["country"]) for e in events] == [("SRB", "XKX")]


def test_withdrawn_in_the_month_of_writing_is_done_not_a_deadline() -> None:
    events = _events("Israeli troops withdrew from southern Lebanon in May 2000.", "2000-05-25")
    assert [(e["status"], e["deadline"], e["event_date"]) for e in events] == [
        ("completed", None, "2000-05-31")
    ]
    events = _events("U.S. troops will leave Iraq in December.", "2011-12-01")
    assert [(e["status"], e["deadline"]) for e in events] == [("announced", "2011-12-31")]


def test_a_named_region_right_after_a_town_only_says_where_it_is() -> None:
    text = "Azerbaijani forces captured the town of Shusha in Nagorno-Karabakh, Aliyev said."
    assert [e["location"]["name"] for e in _events(text, "2020-11-08")] == ["Shusha"]


def test_tigrayan_forces_are_the_tplf() -> None:
    events = _events(
        "Tigrayan forces recaptured Mekelle from Ethiopian federal troops.", "2021-06-29"
    )
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [("TPLF", "Mekelle")]


def test_unnamed_insurgents_in_mozambique_are_its_insurgency_of_the_period() -> None:
    events = _events("Islamist insurgents seized Mocimboa da Praia in Mozambique.", "2020-08-12")
    assert [e["actor"]["code"] for e in events] == ["ANSAR-AL-SUNNA"]
    events = _events("Islamist insurgents seized Mocimboa da Praia in Mozambique.", "2015-08-12")
    assert [e["actor"]["code"] for e in events] == ["REBELS"]


@pytest.mark.parametrize(
    ("text", "actor", "place"),
    [
        (
            "Forces loyal to the U.N.-backed government retook Sirte in Libya.",
            "LBY-FORCES",
            "Sirte",
        ),
        ("Syrian government forces regained full control over Aleppo.", "SYR-FORCES", "Aleppo"),
    ],
)
def test_government_forces_by_another_name_regain_control(
    text: str, actor: str, place: str
) -> None:
    events = _events(text, "2016-12-22")
    assert [(e["actor"]["code"], e["location"]["name"], e["change"]) for e in events] == [
        (actor, place, "gain")
    ]


def test_a_share_of_a_named_province_is_a_territory_share_of_it() -> None:
    events = _events(
        "Kyiv now controls about 40% of Donetsk, officials in Ukraine said.", "2022-09-30"
    )
    assert [
        (
            e["actor"]["code"],
            e["location"]["name"],
            e["location"]["kind"],
            e["territory_share_percent"],
        )
        for e in events
    ] == [("UKR-FORCES", "Donetsk", "territory_share", 40.0)]


@pytest.mark.parametrize(
    "text",
    [
        "The Taliban control 85 percent of the territory of Afghanistan.",
        "Taliban fighters control 85 percent of the territory of Afghanistan.",
    ],
)
def test_control_right_after_a_side_and_before_its_object_is_a_verb(text: str) -> None:
    events = _events(text, "2021-07-09")
    assert [(e["actor"]["code"], e["territory_share_percent"]) for e in events] == [
        ("TALIBAN", 85.0)
    ]


def test_a_country_named_as_where_the_rebels_are_is_not_who_controls() -> None:
    events = _events("Rebels in Syria control most of Idlib province.", "2019-01-01")
    assert "SYR-FORCES" not in {e["actor"]["code"] for e in events}


def test_the_name_joined_to_held_is_the_holder() -> None:
    text = "Iraqi forces advancing on the Islamic State-held city of Mosul retook a village."
    events = _events(text, "2016-07-13")
    assert ("ISIS", "Mosul", "hold") in {
        (e["actor"]["code"], e["location"]["name"], e["change"]) for e in events
    }, _where(events)
    assert ("IRQ-FORCES", "Mosul", "hold") not in {
        (e["actor"]["code"], e["location"]["name"], e["change"]) for e in events
    }


def test_pushing_to_withdraw_troops_is_no_gain() -> None:
    events = _events("Trump has been pushing to withdraw troops from Afghanistan.", "2019-11-28")
    assert all(e["event_type"] == "withdrawal" for e in events), _where(events)


def test_a_village_named_with_an_arabic_article_is_the_place_taken() -> None:
    events = _events("Iraqi troops captured the village of al-Qarawi near Kirkuk on Monday.")
    assert ("territorial_control", "IRQ-FORCES", "al-Qarawi", "city", "IRQ") in _where(events)


def test_villages_named_before_the_word_village_are_each_a_place() -> None:
    events = _events("Iraqi troops later recaptured the Tell Hamra and Beit Saleh villages.")
    names = {e["location"]["name"] for e in events}
    assert names == {"Tell Hamra", "Beit Saleh"}, _where(events)


def test_an_adjective_before_villages_names_no_place() -> None:
    events = _events("Islamic State militants seized two Christian villages near Mosul.")
    assert all(e["location"]["name"] != "Christian" for e in events), _where(events)
    assert events, "the vague villages are still a gain"


def test_things_seized_in_a_town_are_not_the_town() -> None:
    events = _events("Houthi fighters seized several army trucks in the port city of Mukalla.")
    assert not [e for e in events if e["event_type"] == "territorial_control"], _where(events)


def test_people_taken_under_control_are_not_ground() -> None:
    events = _events("Kurdish guards took control of the detainees held in Hasakah.")
    assert not [e for e in events if e["event_type"] == "territorial_control"], _where(events)


def test_a_depot_named_after_its_weapons_is_still_ground() -> None:
    events = _events("Houthi fighters seized the weapons depot of Mukalla on Friday.")
    assert [e["change"] for e in events if e["event_type"] == "territorial_control"] == ["gain"]


def test_a_list_after_a_colon_of_regions_names_provinces() -> None:
    events = _events(
        "Officials listed the two regions the army still holds: Kherson and Zaporizhzhia, "
        "both occupied by Russian forces since March."
    )
    kinds = {(e["location"]["name"], e["location"]["kind"]) for e in events}
    assert kinds == {("Kherson", "province"), ("Zaporizhzhia", "province")}, _where(events)


def test_a_takeover_of_the_country_is_a_gain_of_the_theatre() -> None:
    events = _events(
        "Aid agencies left Kabul after the Taliban's takeover of the country last summer.",
        published_at="2022-03-01",
    )
    assert ("territorial_control", "TALIBAN", "Afghanistan", "country", "AFG") in _where(events)


@pytest.mark.parametrize(("published_at", "code"), [("2013-06-01", "FSA"), ("2017-06-01", "SDF")])
def test_backed_forces_are_whom_the_backer_backs_in_the_theatre_then(
    published_at: str, code: str
) -> None:
    events = _events(
        "U.S.-backed forces captured the Syrian town of Tabqa on Monday.", published_at
    )
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [(code, "Tabqa")]


def test_allied_forces_are_read_as_backed_ones() -> None:
    events = _events("U.S.-allied forces captured the Syrian town of Tabqa.", "2017-05-10")
    assert [e["actor"]["code"] for e in events] == ["SDF"], _where(events)


def test_backed_forces_named_by_their_nation_are_that_nations_forces() -> None:
    events = _events("U.S.-backed Iraqi forces retook the city of Hit.", "2016-04-14")
    assert [e["actor"]["code"] for e in events] == ["IRQ-FORCES"], _where(events)


def test_a_town_surrounded_by_troops_is_contested_not_the_dateline() -> None:
    events = _events(
        "Benghazi, Libya (CNN) -- Libyan troops are surrounding the town of Bani Walid, "
        "awaiting orders to enter the city."
    )
    assert [(e["location"]["name"], e["change"]) for e in events] == [("Bani Walid", "contest")], (
        _where(events)
    )


def test_areas_surrounding_a_town_do_not_contest_the_town() -> None:
    events = _events("Civilians fled the areas surrounding Kandahar on Sunday.")
    assert events == [], _where(events)


@pytest.mark.parametrize(
    "text",
    [
        "Soldiers entered Gao, which had been held by Islamist fighters since April.",
        "Crowds gathered in Izium, which was under Russian occupation for six months.",
        "The Islamic Courts Union controlled much of Somalia before being ousted in 2006.",
    ],
)
def test_a_hold_the_sentence_says_is_over_is_no_hold(text: str) -> None:
    events = _events(text)
    assert not [e for e in events if e.get("change") == "hold"], _where(events)


def test_a_hold_that_has_lasted_for_a_year_goes_on() -> None:
    events = _events("Raqqa has been under Islamic State control for two years.", "2016-01-01")
    assert [(e["actor"]["code"], e["change"]) for e in events] == [("ISIS", "hold")]


def test_a_countrys_rebels_are_rebels_not_its_state() -> None:
    events = _events(
        "Libyan opposition forces said they had taken the town of Brega.", "2011-03-01"
    )
    assert [e["actor"]["code"] for e in events] == ["REBELS"], _where(events)


def test_rebels_named_by_their_country_are_not_the_last_group_named() -> None:
    events = _events("Islamic State fighters overran outposts held by Syrian rebels near Marea.")
    holders = [e["actor"]["code"] for e in events if e.get("change") == "hold"]
    assert "ISIS" not in holders, _where(events)


def test_a_description_before_a_groups_name_is_that_group() -> None:
    events = _events(
        "The jihadist group Nusra Front seized the Syrian town of Saraqeb on Friday.",
        "2015-06-01",
    )
    assert [e["actor"]["code"] for e in events] == ["AL-NUSRA"], _where(events)


def test_unnamed_militants_are_the_group_the_story_names_most() -> None:
    events = _events(
        "Al-Qaeda fighters overran the port of Mukalla on Thursday. Al-Qaeda then freed "
        "hundreds of inmates. Houthi rebels held protests in Sanaa. The militants later "
        "seized control of the Riyan airport.",
        "2015-04-04",
    )
    assert ("AQAP", "Riyan airport") in [
        (e["actor"]["code"], e["location"]["name"]) for e in events
    ], _where(events)


def test_one_unnamed_base_described_twice_is_one_event() -> None:
    events = _events(
        "Al-Qaeda militants seized an important army base in southern Yemen on Tuesday. "
        "The militants took the government military base after clashes with soldiers.",
        "2015-04-04",
    )
    bases = [e for e in events if e["location"]["kind"] == "base"]
    assert len(bases) == 1, _where(events)


def test_a_name_joined_by_a_lowercase_article_is_one_name() -> None:
    events = _events("Fighters of Hayat Tahrir al-Sham captured Hama on Thursday.", "2024-12-06")
    assert [e["actor"]["code"] for e in events] == ["HTS"], _where(events)


def test_places_in_a_participle_clause_after_the_object_are_not_taken() -> None:
    events = _events(
        "Syrian troops retook Palmyra on Sunday, opening the road east to the militant "
        "strongholds of Raqqa and Deir al-Zor.",
        "2016-03-27",
    )
    assert [e["location"]["name"] for e in events] == ["Palmyra"], _where(events)


def test_a_foreign_force_leaves_the_country_not_a_town_another_clause_names() -> None:
    events = _events(
        "Despite the declared withdrawal of most Russian forces from Syria two weeks ago, "
        "Russian jets carried out dozens of strikes over Palmyra.",
        "2016-03-27",
    )
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [("RUS", "Syria")], (
        _where(events)
    )


def test_a_demonym_opening_an_organisations_name_is_no_side() -> None:
    events = _events("The Danish Refugee Council said its staff pulled out of Kandahar on Monday.")
    assert all(e["actor"]["code"] != "DNK" for e in events), _where(events)


def test_whom_a_side_orders_to_leave_is_who_leaves() -> None:
    assert _events("The Pentagon ordered the families of its soldiers to leave Incirlik.") == []
    events = _events("Putin ordered his troops to withdraw from Kherson.", "2022-11-09")
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [("RUS", "Kherson")]


def test_a_withdrawal_in_the_progressive_is_ongoing() -> None:
    events = _events("Britain is pulling out some of its 9,000 troops from Helmand.", "2013-06-01")
    assert [e["status"] for e in events] == ["ongoing"], _where(events)


def test_troops_that_will_remain_need_not_be_named_again() -> None:
    events = _events(
        "Washington is drawing back part of its 12,000 troops in Iraq, but about 5,000 will "
        "remain.",
        "2009-06-01",
    )
    assert [e["remaining_troops"] for e in events] == [5000], _where(events)


@pytest.mark.parametrize(
    "text", ["Rebels seized Zawiyat Qasr, Libya.", "Rebels seized Zawiyat Qasr in Libya."]
)
def test_a_town_the_gazetteer_lacks_is_placed_by_its_country(text: str) -> None:
    events = _events(text, "2011-03-01")
    assert [(e["location"]["name"], e["location"]["country"]) for e in events] == [
        ("Zawiyat Qasr", "LBY")
    ], _where(events)


def test_a_country_qualifying_a_noun_places_no_town() -> None:
    events = _events("Meanwhile, Ukraine forces retook Izium.", "2022-09-10")
    assert [e["location"]["name"] for e in events] == ["Izium"], _where(events)


def test_a_war_named_with_its_country_is_no_town() -> None:
    events = _events(
        "Some 30,000 U.S. troops will be withdrawn from the War in Afghanistan.", "2011-06-22"
    )
    assert [e["location"]["name"] for e in events] == ["Afghanistan"], _where(events)


def test_rebels_are_the_theatres_insurgency_whoever_else_is_named() -> None:
    events = _events(
        "Al-Qaeda militants attacked Mukalla in Yemen. Al-Qaeda also freed prisoners. "
        "Meanwhile rebels captured the port of Hodeidah.",
        "2015-04-10",
    )
    assert ("HOUTHIS", "port of Hodeidah") in [
        (e["actor"]["code"], e["location"]["name"]) for e in events
    ], _where(events)


def test_ruling_most_of_a_country_is_holding_it_and_a_court_ruling_is_not() -> None:
    events = _events("The Houthis, who rule most of Yemen, rejected the plan.", "2016-01-10")
    assert [(e["location"]["name"], e["change"]) for e in events] == [("Yemen", "hold")]
    assert _events("A court ruled that the seizure of Kabul was unlawful.") == []


def test_people_shown_in_a_photo_are_no_speaker() -> None:
    events = _events(
        "Ukrainian troops have reached Izium, according to a video showing Ukrainian soldiers "
        "raising a flag.",
        "2022-09-10",
    )
    assert [e["claim_status"] for e in events] == ["reported"], _where(events)


def test_a_group_claiming_an_attack_claims_no_ground() -> None:
    events = _events(
        "Al-Shabaab, which holds territory in southern Somalia and has claimed the attack, "
        "said nothing more.",
        "2019-01-16",
    )
    assert [e["claim_status"] for e in events] == ["reported"], _where(events)


def test_a_vague_hold_stays_beside_a_concrete_contest() -> None:
    events = _events(
        "Taliban fighters, who now control more territory than ever, launched assaults on "
        "the city of Kunduz on Monday."
    )
    assert {e["change"] for e in events} == {"hold", "contest"}, _where(events)


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("The Taliban hold sway over about half of the country.", 50.0),
        ("The Taliban control two-thirds of the country.", 67.0),
    ],
)
def test_a_share_said_in_words_is_a_percentage(text: str, share: float) -> None:
    events = _events(text, "2019-11-28")
    assert [e["territory_share_percent"] for e in events] == [share], _where(events)


def test_forces_in_charge_of_a_province_hold_it() -> None:
    events = _events("Afghan forces are now firmly in charge of Uruzgan province.", "2013-06-18")
    assert [(e["location"]["name"], e["change"]) for e in events] == [("Uruzgan", "hold")]


def test_a_bare_take_of_unnamed_villages_is_a_gain() -> None:
    events = _events("Iraqi troops took several villages west of Kirkuk on Monday.", "2016-10-20")
    assert [(e["location"]["kind"], e["change"]) for e in events] == [("region", "gain")]
    assert _events("It took several days for the convoy to reach the villages.") == []


def test_a_building_retaken_in_a_capital_is_not_the_capital_or_the_country() -> None:
    events = _events(
        "Soldiers in Mali retook a hotel in the capital from gunmen who had seized it.",
        "2015-11-20",
    )
    assert events == [], _where(events)


def test_it_taken_after_a_named_town_is_that_town() -> None:
    events = _events("The Taliban captured Kunduz on Monday and held it for two weeks.")
    assert {e["location"]["name"] for e in events} == {"Kunduz"}, _where(events)


def test_a_withdrawal_nato_began_is_ongoing() -> None:
    # the "to begin" check once read the end of "NATO" as the word "to"
    events = _events("NATO began withdrawing troops from Afghanistan.", "2013-06-18")
    assert [e["status"] for e in events] == ["ongoing"], _where(events)


def test_the_question_of_a_withdrawal_is_no_withdrawal() -> None:
    events = _events(
        "Talks stall until the question of withdrawal of foreign forces from Afghanistan is "
        "settled, the Taliban said.",
        "2019-01-26",
    )
    assert events == [], _where(events)


def test_a_town_named_as_under_someones_control_is_a_place() -> None:
    events = _events(
        "Bardale is now under the control of government forces, a Somali commander said.",
        "2012-05-10",
    )
    assert [(e["location"]["name"], e["location"]["country"]) for e in events] == [
        ("Bardale", "SOM")
    ], _where(events)


def test_its_forces_are_the_forces_of_the_side_named_before() -> None:
    events = _events("Ukraine's military said its forces had withdrawn from Sievierodonetsk.")
    assert [(e["actor"]["code"], e["location"]["name"]) for e in events] == [
        ("UKR-FORCES", "Sievierodonetsk")
    ], _where(events)


def test_a_country_the_doer_is_in_is_not_the_doer() -> None:
    events = _events(
        "On Friday al-Qaeda's branch in Yemen seized control of the port of Mukalla.",
        "2015-04-03",
    )
    assert [e["actor"]["code"] for e in events] == ["AQAP"], _where(events)


def test_a_name_behind_a_lowercase_article_is_found() -> None:
    events = _events("Fighters of al-Shabaab seized the town of Bulo Marer.", "2014-03-01")
    assert [e["actor"]["code"] for e in events] == ["AL-SHABAAB"], _where(events)


def test_the_last_word_of_a_bays_name_is_not_a_province() -> None:
    events = _events("Washington should have taken control of Guantanamo Bay long ago, he said.")
    assert all(e["location"]["country"] != "SOM" for e in events), _where(events)
    events = _events("Al-Shabaab fighters seized towns in Bay and Bakool.", "2012-02-01")
    assert {e["location"]["name"] for e in events} == {"Bay", "Bakool"}, _where(events)


def test_an_agency_acronym_is_not_a_city() -> None:
    events = _events(
        "Hundreds were evacuated from Homs on Sunday. The state news agency SANA said rebels "
        "still battle government troops in the city.",
        "2014-02-09",
    )
    assert all(e["location"]["country"] == "SYR" for e in events), _where(events)


def test_a_dateline_in_capitals_still_names_its_city() -> None:
    events = _events("KABUL — The Taliban seized the district of Nad Ali on Monday.")
    assert [e["location"]["adm1"] for e in events] == ["AF30"], _where(events)


def test_a_name_with_a_possessive_inside_is_one_name() -> None:
    events = _events("Fighters of the Luhansk People's Republic captured Popasna.", "2022-05-08")
    assert [e["actor"]["code"] for e in events] == ["LPR"], _where(events)


def test_the_countrys_north_is_a_region_and_its_largest_province_not_the_country() -> None:
    events = _events(
        "Government troops overran two rebel camps in the country's north, Sri Lanka said."
    )
    assert [(e["location"]["kind"], e["location"]["country"]) for e in events] == [
        ("region", "LKA")
    ], _where(events)
    events = _events(
        "Al-Qaeda seized the airport of Mukalla, tightening its hold on the country's largest "
        "province, Yemeni officials said.",
        "2015-04-16",
    )
    assert all(e["location"]["kind"] != "country" for e in events), _where(events)


def test_the_base_left_is_the_base_named_sentences_before() -> None:
    events = _events(
        "U.S. special forces trained Yemeni units at the al-Anad air base in Lahj. "
        "The base sits near the main road. Clashes spread in the south last week. "
        "Shops closed in Aden. The U.S. has now evacuated its 100 soldiers from the base.",
        "2015-03-22",
    )
    assert [e["location"]["name"] for e in events if e["event_type"] == "withdrawal"] == [
        "al-Anad air base"
    ], _where(events)


def test_a_side_that_also_leaves_leaves_the_same_place() -> None:
    events = _events(
        "The U.S. has pulled its 300 soldiers out of the Qayara air base in Iraq. France also "
        "withdrew its soldiers.",
        "2019-10-20",
    )
    assert {(e["actor"]["code"], e["location"]["name"]) for e in events} == {
        ("USA", "Qayara air base"),
        ("FRA", "Qayara air base"),
    }, _where(events)


def test_these_forces_are_the_side_named_before() -> None:
    events = _events(
        "Al-Shabaab fighters massed north of the capital in Somalia. On Friday these "
        "fighters seized the town of Bulo Marer.",
        "2014-03-01",
    )
    assert [e["actor"]["code"] for e in events] == ["AL-SHABAAB"], _where(events)


def test_a_place_after_in_only_locates_the_place_held_before_it() -> None:
    events = _events(
        "The battle moved to Bakhmut, the last town in Donetsk held by Ukrainian forces."
    )
    assert [e["location"]["name"] for e in events] == ["Bakhmut"], _where(events)


def test_a_siege_recalled_for_comparison_is_no_contest() -> None:
    events = _events(
        "Civilians sheltered in the plant, a scene reminiscent of the siege of Sarajevo's old "
        "town and of the siege of Mariupol.",
        "2022-06-20",
    )
    assert events == [], _where(events)


def test_overrunning_forces_is_not_taking_ground() -> None:
    events = _events(
        "The militants are overrunning Iraqi forces and marching toward a province on "
        "Baghdad's doorstep.",
        "2014-10-12",
    )
    assert events == [], _where(events)


def test_a_town_taken_before_forces_are_named_is_still_taken() -> None:
    events = _events("The Taliban seized Kabul after government forces withdrew.", "2021-08-15")
    assert ("territorial_control", "TALIBAN", "Kabul", "city", "AFG") in _where(events)


def test_a_country_qualifying_the_things_seized_does_not_make_them_ground() -> None:
    events = _events("Houthi fighters seized U.S. Embassy vehicles in the port city of Aden.")
    assert not [e for e in events if e["event_type"] == "territorial_control"], _where(events)

from __future__ import annotations

import itertools
import json
from datetime import date
from functools import reduce

import pytest

from pipeline.tables import NotApplicableError, UndatedEventError, control
from schemas.common import Actor, ActorKind, Place, PlaceKind
from schemas.rows import (
    MAX_CONTROL_HISTORY,
    MAX_CONTROL_OBSERVATIONS,
    MAX_EVENT_IDS,
    ControlRow,
    ControlStatus,
)


def fold(events, **kw):
    row = None
    for ev in events:
        row = control.apply(row, ev, **kw)
    return row


def test_gain_sets_controller_and_since(make):
    row = fold([make.control("e1", "2021-08-08", change="gain", counter=make.AFG_FORCES)])
    assert row.place_key == "AF1701"
    assert row.status is ControlStatus.CONTROLLED
    assert row.controller.code == "TALIBAN"
    assert row.since == date(2021, 8, 8)
    assert row.reports == 1 and row.events == 1
    assert row.sources.names == ["Reuters"] and row.sources.count == 1
    assert row.evidence.event_id == "e1"
    assert row.country == "AFG" and row.adm1 == "AF17"


def test_capture_then_recapture(make):
    row = fold(
        [
            make.control("e1", "2015-09-28", actor=make.TALIBAN),
            make.control("e2", "2015-10-13", actor=make.AFG_FORCES, counter=make.TALIBAN),
        ]
    )
    assert row.controller.code == "AFG-FORCES"
    assert row.status is ControlStatus.CONTROLLED
    assert row.since == date(2015, 10, 13)
    assert [(h.event_date, h.controller) for h in row.history] == [
        (date(2015, 9, 28), "TALIBAN"),
        (date(2015, 10, 13), "AFG-FORCES"),
    ]
    assert control.state_as_of(row, date(2015, 10, 1)).controller == "TALIBAN"
    assert control.state_as_of(row, date(2015, 10, 13)).controller == "AFG-FORCES"
    assert control.state_as_of(row, date(2015, 1, 1)) is None


def test_hold_by_same_controller_keeps_since(make):
    row = fold(
        [
            make.control("e1", "2021-08-08"),
            make.control("e2", "2021-08-20", change="hold", claim="confirmed"),
        ]
    )
    assert row.since == date(2021, 8, 8)
    assert row.evidence.event_id == "e2"
    assert row.claim_status.value == "confirmed"
    assert len(row.history) == 1


def test_old_article_arriving_late_does_not_overwrite(make):
    newer = make.control("new", "2021-08-08", actor=make.TALIBAN)
    older = make.control("old", "2015-10-13", actor=make.AFG_FORCES)
    row = fold([newer, older])
    assert row.controller.code == "TALIBAN"
    assert row.since == date(2021, 8, 8)
    assert row.evidence.event_id == "new"
    assert row.first_event_date == date(2015, 10, 13)
    assert row.last_event_date == date(2021, 8, 8)
    # ...but the history gains the older transition, in event-time order.
    assert [h.event_id for h in row.history] == ["old", "new"]
    assert control.state_as_of(row, date(2016, 1, 1)).controller == "AFG-FORCES"


def test_claim_then_confirmation(make):
    row = fold([make.control("c", "2021-08-05", claim="claimed", claimant=make.TALIBAN)])
    assert row.status is ControlStatus.CLAIMED
    assert row.controller.code == "TALIBAN"
    row = control.apply(row, make.control("k", "2021-08-06", claim="confirmed"))
    assert row.status is ControlStatus.CONTROLLED
    assert row.controller.code == "TALIBAN"
    assert row.since == date(2021, 8, 6)
    assert row.pending_claim is None


def test_claim_and_confirmation_same_day_confirmation_wins_in_any_order(make):
    claim = make.control("z-claim", "2021-08-05", claim="claimed", actor=make.AFG_FORCES)
    conf = make.control("a-conf", "2021-08-05", claim="confirmed", actor=make.TALIBAN)
    for events in ([claim, conf], [conf, claim]):
        row = fold(events)
        assert row.status is ControlStatus.CONTROLLED
        assert row.controller.code == "TALIBAN"
        # The weaker same-day claim sorts first and is superseded by the confirmation.
        assert row.pending_claim is None
        assert [h.event_id for h in row.history] == ["z-claim", "a-conf"]


def test_confirmed_then_later_claim_does_not_overwrite(make):
    row = fold(
        [
            make.control("e1", "2021-08-08", claim="confirmed"),
            make.control("e2", "2021-09-01", actor=make.AFG_FORCES, claim="claimed"),
        ]
    )
    assert row.status is ControlStatus.CONTROLLED
    assert row.controller.code == "TALIBAN"
    assert row.pending_claim.actor.code == "AFG-FORCES"
    assert row.pending_claim.event_date == date(2021, 9, 1)
    assert row.evidence.event_id == "e1"
    assert row.last_event_date == date(2021, 9, 1)
    assert row.reports == 2
    # A disputed claim does not overwrite reported control either.
    row = control.apply(row, make.control("e3", "2021-09-02", actor=make.USA, claim="disputed"))
    assert row.controller.code == "TALIBAN"
    assert row.pending_claim.actor.code == "USA"


def test_later_confirmation_clears_pending_claim(make):
    row = fold(
        [
            make.control("e1", "2021-08-08"),
            make.control("e2", "2021-09-01", actor=make.AFG_FORCES, claim="claimed"),
            make.control("e3", "2021-09-03", actor=make.AFG_FORCES, claim="confirmed"),
        ]
    )
    assert row.controller.code == "AFG-FORCES"
    assert row.pending_claim is None
    assert row.since == date(2021, 9, 3)


def test_contest_keeps_controller_and_sets_contender(make):
    row = fold(
        [
            make.control("e1", "2021-01-01", actor=make.AFG_FORCES),
            make.control("e2", "2021-06-20", change="contest", actor=make.TALIBAN),
        ]
    )
    assert row.status is ControlStatus.CONTESTED
    assert row.controller.code == "AFG-FORCES"
    assert row.contender.code == "TALIBAN"
    assert row.since == date(2021, 6, 20)
    assert row.history[-1].status is ControlStatus.CONTESTED
    # A claim now overwrites (contested is not confirmed control).
    row = control.apply(row, make.control("e3", "2021-06-22", claim="claimed"))
    assert row.status is ControlStatus.CLAIMED
    assert row.controller.code == "TALIBAN"


def test_contest_without_prior_state_uses_counter_actor(make):
    row = fold([make.control("e1", "2021-06-20", change="contest", counter=make.AFG_FORCES)])
    assert row.status is ControlStatus.CONTESTED
    assert row.controller.code == "AFG-FORCES"
    assert row.contender.code == "TALIBAN"


def test_claimed_contest_of_controlled_place_is_only_pending(make):
    row = fold(
        [
            make.control("e1", "2021-01-01", actor=make.AFG_FORCES, claim="confirmed"),
            make.control("e2", "2021-02-01", change="contest", claim="claimed"),
        ]
    )
    assert row.status is ControlStatus.CONTROLLED
    assert row.pending_claim.change.value == "contest"


def test_handover_transfers_control(make):
    row = fold(
        [
            make.control("e1", "2010-01-01", actor=make.FRA, change="hold"),
            make.control("e2", "2012-04-01", actor=make.AFG_FORCES, change="handover"),
        ]
    )
    assert row.controller.code == "AFG-FORCES"
    assert row.status is ControlStatus.CONTROLLED


SCENARIO_DAYS = [
    ("a", "2021-05-01", "gain", "AFG", "reported"),
    ("b", "2021-06-01", "contest", "TAL", "reported"),
    ("c", "2021-06-01", "gain", "TAL", "claimed"),
    ("d", "2021-07-10", "gain", "TAL", "confirmed"),
    ("e", "2021-07-10", "gain", "AFG", "claimed"),
    ("f", "2021-08-01", "hold", "TAL", "reported"),
]


def scenario(make):
    actors = {"AFG": make.AFG_FORCES, "TAL": make.TALIBAN}
    return [
        make.control(i, d, change=c, actor=actors[a], claim=s, source=f"src-{i}")
        for i, d, c, a, s in SCENARIO_DAYS
    ]


def test_order_independence_all_permutations(make):
    events = scenario(make)
    reference = fold(events).model_dump(mode="json")
    # The reference makes sense.
    assert reference["status"] == "controlled"
    assert reference["controller"]["code"] == "TALIBAN"
    assert reference["since"] == "2021-07-10"
    assert reference["pending_claim"] is None
    assert [h["event_id"] for h in reference["history"]] == ["a", "b", "e", "d"]
    for perm in itertools.permutations(events):
        row = fold(perm).model_dump(mode="json")
        # Bounded id lists record arrival order; everything else must match.
        for r in (row, reference):
            r["event_ids"] = sorted(r["event_ids"])
            r["happening_ids"] = sorted(r["happening_ids"])
        assert row == reference


def test_republished_event_is_a_noop(make):
    ev = make.control("e1", "2021-08-08")
    row = fold([ev, make.control("e2", "2021-08-10", change="hold")])
    again = control.apply(row, ev)
    assert again is row
    assert again.reports == 2


def test_duplicate_reports_of_one_happening_counted_once(make):
    e1 = make.control("e1", "2021-08-08", source="Reuters")
    e2 = make.control("e2", "2021-08-09", source="BBC")
    row = control.apply(None, e1, happening_id="h-1")
    row = control.apply(row, e2, happening_id="h-1")
    assert row.reports == 2
    assert row.events == 1
    assert row.sources.names == ["BBC", "Reuters"]
    # Without a registry, the exact-date fingerprint is the fallback happening id.
    row2 = fold([e1, make.control("e3", "2021-08-08", source="AP")])
    assert row2.events == 1 and row2.reports == 2


def test_published_at_used_when_event_date_missing(make):
    ev = make.control("e1", None, published_at="2012-03-04T10:00:00Z")
    row = control.apply(None, ev)
    assert row.since == date(2012, 3, 4)


def test_undated_event_uses_today_or_raises(make):
    ev = make.control("e1", None)
    with pytest.raises(UndatedEventError):
        control.apply(None, ev)
    assert control.apply(None, ev, today=date(2026, 1, 2)).since == date(2026, 1, 2)


def test_not_applicable_events(make):
    with pytest.raises(NotApplicableError):
        control.apply(None, make.withdrawal("w", "2021-01-01"))
    with pytest.raises(NotApplicableError):
        control.apply(None, make.control("e", "2021-01-01", place=None))
    territory = Place(name="territory", kind=PlaceKind.TERRITORY_SHARE, country="AFG")
    assert not control.accepts(make.control("e", "2021-01-01", place=territory, share=85))
    assert control.accepts(make.control("e", "2021-01-01"))


def test_row_key_mismatch_rejected(make):
    row = control.apply(None, make.control("e1", "2021-01-01"))
    with pytest.raises(ValueError):
        control.apply(row, make.control("e2", "2021-01-02", place=make.NIJRAB))


def test_place_without_pcode_uses_normalised_key(make):
    row = control.apply(None, make.control("e1", "2021-01-01", place=make.VAGUE))
    assert row.place_key == "AFG:region:provinces-neighbouring-kabul"
    assert control.table_key(make.control("e1", "2021-01-01", place=make.VAGUE)) == row.place_key


def test_row_json_roundtrip(make):
    row = fold(scenario(make))
    text = row.model_dump_json()
    json.loads(text)
    assert ControlRow.model_validate_json(text) == row
    # Continuing from a restored row gives the same result as continuing in memory.
    ev = make.control("g", "2021-09-01", actor=make.AFG_FORCES)
    assert control.apply(ControlRow.model_validate_json(text), ev) == control.apply(row, ev)


def test_input_row_not_mutated(make):
    row = fold(scenario(make)[:3])
    snapshot = row.model_dump()
    control.apply(row, make.control("z", "2021-12-01", actor=make.AFG_FORCES))
    assert row.model_dump() == snapshot


def test_history_and_observations_bounded(make):
    row = None
    actors = [make.TALIBAN, make.AFG_FORCES]
    n = MAX_CONTROL_OBSERVATIONS + 60
    for i in range(n):
        day = date(2020, 1, 1).toordinal() + i
        ev = make.control(f"e{i:04d}", date.fromordinal(day), actor=actors[i % 2], source=f"s{i}")
        row = control.apply(row, ev)
    assert len(row.observations) == MAX_CONTROL_OBSERVATIONS
    assert len(row.history) == MAX_CONTROL_HISTORY
    assert len(row.event_ids) == MAX_EVENT_IDS or len(row.event_ids) == n
    assert len(row.sources.names) == 50 and row.sources.count == n
    assert row.reports == n
    assert row.base is not None
    # History is sorted by event time and ends with the latest transition.
    keys = [h.key() for h in row.history]
    assert keys == sorted(keys)
    assert row.history[-1].event_id == f"e{n - 1:04d}"
    assert row.controller.code == actors[(n - 1) % 2].code
    assert len(row.model_dump_json()) < 200_000
    # An event older than the retained horizon is counted but cannot change the state.
    stale = make.control("stale", "2019-01-01", actor=make.USA)
    after = control.apply(row, stale)
    assert after.stale_reports == 1
    assert after.controller == row.controller
    assert after.reports == n + 1
    assert after.first_event_date == date(2019, 1, 1)


def test_eviction_keeps_transitions_continuous(make):
    # Alternate control every 10 days, 130 events: state as of each day stays right.
    row = None
    actors = [make.TALIBAN, make.AFG_FORCES]
    for i in range(130):
        day = date.fromordinal(date(2020, 1, 1).toordinal() + i)
        row = control.apply(row, make.control(f"e{i:04d}", day, actor=actors[(i // 10) % 2]))
    assert [h.controller for h in row.history][-3:] == ["TALIBAN", "AFG-FORCES", "TALIBAN"]
    controllers = [h.controller for h in row.history]
    assert all(a != b for a, b in itertools.pairwise(controllers))
    # 130 events -> 13 transitions, all retained although 30 observations were evicted.
    assert len(row.history) == 13
    for i in range(130):
        day = date.fromordinal(date(2020, 1, 1).toordinal() + i)
        assert control.state_as_of(row, day).controller == actors[(i // 10) % 2].code
    assert row.since == date.fromordinal(date(2020, 1, 1).toordinal() + 120)


def test_many_permutations_reach_same_row_via_reduce(make):
    events = scenario(make)
    rows = {
        fold(list(p)).model_dump_json(exclude={"event_ids", "happening_ids"})
        for p in [events, events[::-1], events[2:] + events[:2]]
    }
    assert len(rows) == 1
    assert reduce(lambda r, e: control.apply(r, e), events, None).reports == len(events)


def test_a_partial_hold_makes_a_contender_not_a_controller(make):
    """Insurgents holding two of six districts do not control the province; whoever is
    handed the province controls it, with the partial holder kept as its contender."""
    from datetime import date as _date

    from pipeline.tables import control
    from schemas import Actor, Evidence, Place, TerritorialControlEvent

    kapisa = Place(name="Kapisa", kind="province", country="AFG", adm1="AF02")
    taliban = Actor(name="Taliban", code="TALIBAN", kind="armed_group")
    afg = Actor(name="Afghan forces", code="AFG-FORCES", kind="state_forces")

    def ev(event_id, actor, change, claim, count=None):
        return TerritorialControlEvent(
            event_id=event_id,
            article_id="a",
            event_date=_date(2012, 11, 20),
            actor=actor,
            location=kapisa,
            change=change,
            claim_status=claim,
            place_count=count,
            evidence=Evidence(text="x", start=0, end=1),
        )

    hold = ev("p1", taliban, "hold", "reported", count=2)
    handover = ev("h1", afg, "handover", "confirmed")
    for order in ((hold, handover), (handover, hold)):
        row = None
        for e in order:
            row = control.apply(row, e)
        assert row.status.value == "controlled"
        assert row.controller.code == "AFG-FORCES"
        assert row.contender is not None and row.contender.code == "TALIBAN"
    only_partial = control.apply(None, hold)
    assert only_partial.status.value == "contested" and only_partial.controller is None
    # Taking the whole province ends the partial holding.
    whole = ev("g1", afg, "gain", "confirmed")
    row = control.apply(control.apply(control.apply(None, hold), handover), whole)
    assert row.contender is not None  # AFG-FORCES again: the partial holder is still there
    taken = TerritorialControlEvent(
        **{**ev("g2", taliban, "gain", "reported").model_dump(), "event_date": _date(2012, 12, 1)}
    )
    row = control.apply(row, taken)
    assert row.controller.code == "TALIBAN" and row.contender is None


# ---------------------------------------------------------------- theatres beyond one war

ISIS = Actor(name="Islamic State", code="ISIS", kind=ActorKind.ARMED_GROUP)
RUS = Actor(name="Russia", code="RUS", kind=ActorKind.STATE)
SYR_FORCES = Actor(name="Syrian army", code="SYR-FORCES", kind=ActorKind.STATE_FORCES)


def rows_by_key(events):
    rows: dict[str, ControlRow] = {}
    for ev in events:
        key = control.table_key(ev)
        rows[key] = control.apply(rows.get(key), ev)
    return rows


@pytest.mark.parametrize(
    ("actor", "place", "text"),
    [
        # The cases a multi-war reading produced: none is about the whole country.
        ("ISIS", "SYRIA", "ISIS fighters were forced to withdraw from Syrian towns near Raqqa."),
        ("RUS", "UKRAINE", "Thousands of people fled Mariupol as Russian shelling went on."),
        ("ISIS", "IRAQ", "The government vowed to retake the city that ISIS has held since June."),
        # Gains of large parts or several towns.
        ("ISIS", "IRAQ", "Islamic State fighters seized large parts of Iraq in 2014."),
        ("RUS", "UKRAINE", "Russian forces captured several towns in Ukraine on Tuesday."),
        ("RUS", "UKRAINE", "Russian troops advanced in eastern Ukraine and took two villages."),
        ("ISIS", "SYRIA", "The group now holds much of Syria's eastern desert."),
        # The country named only in the possessive, or a share of it.
        ("ISIS", "IRAQ", "The army wants to retake Mosul, Iraq's second city, from the group."),
        ("ISIS", "SYRIA", "Its fighters held about a third of Syria's territory by then."),
        ("ISIS", "SYRIA", "The group controls nearly 30 percent of Syria."),
        ("ISIS", "SYRIA", "A base in the eastern region of Syria fell to the group."),
    ],
)
def test_a_partial_statement_never_makes_a_country_controller(make, actor, place, text):
    who = {"ISIS": ISIS, "RUS": RUS}[actor]
    unit = getattr(make, place)
    ev = make.control("p1", "2022-03-10", change="gain", actor=who, place=unit, text=text)
    assert control.part_statement(ev)
    rows = rows_by_key([ev])
    assert unit.key not in rows  # the country itself gets no row, no controller
    (key,) = rows
    row = rows[key]
    assert key == unit.key + "~part"
    assert row.part_of == unit.key
    assert row.place.kind is PlaceKind.REGION and row.place.name == f"Parts of {unit.name}"
    assert row.country == unit.country
    assert row.evidence.text == text  # the row names the sentence it rests on


def test_a_statement_about_the_whole_country_sets_its_controller(make):
    text = "The Taliban took control of Afghanistan on Sunday as the president fled."
    ev = make.control("w1", "2021-08-15", place=make.AFGHANISTAN, text=text)
    assert not control.part_statement(ev)
    row = fold([ev])
    assert row.place_key == make.AFGHANISTAN.key and row.part_of is None
    assert row.controller.code == "TALIBAN" and row.status is ControlStatus.CONTROLLED
    assert row.evidence.event_id == "w1" and row.evidence.text == text


def test_large_parts_of_a_province_are_a_region_level_report(make):
    whole = make.control(
        "h1",
        "2021-08-13",
        place=make.HELMAND,
        actor=make.AFG_FORCES,
        change="hold",
        text="Afghan forces still hold Helmand province, officials said.",
    )
    part = make.control(
        "h2",
        "2021-08-14",
        place=make.HELMAND,
        text="The Taliban seized large parts of Helmand province.",
    )
    rows = rows_by_key([whole, part])
    assert rows["AF30"].controller.code == "AFG-FORCES"  # unchanged by the partial gain
    assert rows["AF30"].reports == 1
    parts = rows["AF30~part"]
    assert parts.controller.code == "TALIBAN" and parts.adm1 == "AF30"
    assert parts.part_of == "AF30"


def test_the_extractors_place_scope_decides_when_set(make):
    loose = make.control(
        "s1",
        "2022-03-10",
        place=make.UKRAINE,
        actor=RUS,
        text="Russian forces captured several towns in Ukraine.",
        place_scope="whole",
    )
    assert not control.part_statement(loose)
    strict = make.control(
        "s2",
        "2021-08-15",
        place=make.AFGHANISTAN,
        text="The Taliban took Afghanistan.",
        place_scope="part",
    )
    assert control.part_statement(strict)


def test_an_ingestion_dated_event_never_overrides_a_dated_state(make):
    """An undated article read on 2026-12-02 is 'dated' that day: it must not become the
    latest state over a dated report, in either arrival order; it still counts."""
    kirkuk = Place(name="Kirkuk", kind=PlaceKind.CITY, country="IRQ", place_id="geonames:94787")
    dated = make.control(
        "d1",
        "2017-10-16",
        actor=Actor(name="Iraqi forces", code="IRQ-FORCES", kind=ActorKind.STATE_FORCES),
        place=kirkuk,
        text="Iraqi forces took Kirkuk from the Kurds on Monday.",
    )
    undated = make.control(
        "u1",
        "2026-12-02",
        actor=ISIS,
        place=kirkuk,
        date_basis="ingestion",
        text="Kirkuk is controlled by Islamic State militants.",
    )
    for order in ([dated, undated], [undated, dated]):
        row = fold(order)
        assert row.controller.code == "IRQ-FORCES"
        assert row.since == date(2017, 10, 16)
        assert row.date_basis.value == "published_at"
        assert row.evidence.event_id == "d1"
        assert row.reports == 2 and row.last_event_date == date(2026, 12, 2)
        assert [t.controller for t in row.history] == ["IRQ-FORCES"]
    alone = fold([undated])
    assert alone.controller.code == "ISIS"
    assert alone.date_basis.value == "ingestion"
    assert alone.evidence.date_basis.value == "ingestion"
    assert alone.history[-1].date_basis.value == "ingestion"
    # A later dated report replaces an ingestion-dated state.
    later = make.control("d2", "2026-12-03", actor=SYR_FORCES, place=kirkuk, change="gain")
    assert fold([undated, later]).controller.code == "SYR-FORCES"


def test_fighting_in_several_provinces_contests_each_province_itself(make):
    """A contest makes no controller: fighting in part of a province is the province
    contested, and 'several provinces' lists the provinces themselves."""
    ev = make.control(
        "c1",
        "2021-07-12",
        change="contest",
        place=make.HELMAND,
        counter=make.AFG_FORCES,
        text="Fighting continued in several provinces, including southern Helmand.",
    )
    assert not control.part_statement(ev)
    assert control.table_key(ev) == "AF30"


def test_provinces_taken_are_part_of_the_country(make):
    ev = make.control(
        "c2",
        "2021-08-06",
        place=make.AFGHANISTAN,
        text="The Taliban have taken six provinces of Afghanistan in a week.",
    )
    assert control.part_statement(ev)
    assert control.table_key(ev) == make.AFGHANISTAN.key + "~part"

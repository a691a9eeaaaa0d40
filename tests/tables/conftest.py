"""Event factories for the table reducer tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schemas.common import Actor, ActorKind, ClaimStatus, Evidence, Place, PlaceKind
from schemas.events import (
    ControlChange,
    TerritorialControlEvent,
    WithdrawalEvent,
    WithdrawalStatus,
)

TALIBAN = Actor(name="Taliban", code="TALIBAN", kind=ActorKind.ARMED_GROUP)
AFG_FORCES = Actor(name="Afghan forces", code="AFG-FORCES", kind=ActorKind.STATE_FORCES)
FRA = Actor(name="France", code="FRA", kind=ActorKind.STATE)
USA = Actor(name="United States", code="USA", kind=ActorKind.STATE)
KUNDUZ = Place(name="Kunduz", kind=PlaceKind.CITY, country="AFG", adm1="AF17", adm2="AF1701")
NIJRAB = Place(name="Nijrab", kind=PlaceKind.DISTRICT, country="AFG", adm1="AF02", adm2="AF0205")
KAPISA = Place(name="Kapisa", kind=PlaceKind.PROVINCE, country="AFG", adm1="AF02")
VAGUE = Place(name="Provinces neighbouring Kabul", kind=PlaceKind.REGION, country="AFG")
AFGHANISTAN = Place(name="Afghanistan", kind=PlaceKind.COUNTRY, country="AFG")
IRAQ = Place(name="Iraq", kind=PlaceKind.COUNTRY, country="IRQ", place_id="iso3166:IRQ")
SYRIA = Place(name="Syria", kind=PlaceKind.COUNTRY, country="SYR", place_id="iso3166:SYR")
UKRAINE = Place(name="Ukraine", kind=PlaceKind.COUNTRY, country="UKR", place_id="iso3166:UKR")
HELMAND = Place(name="Hilmand", kind=PlaceKind.PROVINCE, country="AFG", adm1="AF30")
BAGRAM = Place(name="Bagram", kind=PlaceKind.BASE, country="AFG", adm1="AF03")


def _date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


class Factory:
    TALIBAN = TALIBAN
    AFG_FORCES = AFG_FORCES
    FRA = FRA
    USA = USA
    KUNDUZ = KUNDUZ
    NIJRAB = NIJRAB
    KAPISA = KAPISA
    VAGUE = VAGUE
    AFGHANISTAN = AFGHANISTAN
    IRAQ = IRAQ
    SYRIA = SYRIA
    UKRAINE = UKRAINE
    HELMAND = HELMAND
    BAGRAM = BAGRAM

    def control(
        self,
        event_id: str,
        day: date | str | None,
        *,
        change: ControlChange | str = ControlChange.GAIN,
        actor: Actor = TALIBAN,
        place: Place | None = KUNDUZ,
        claim: ClaimStatus | str = ClaimStatus.REPORTED,
        counter: Actor | None = None,
        source: str | None = "Reuters",
        share: float | None = None,
        published_at: str | None = None,
        text: str | None = None,
        **extra: Any,
    ) -> TerritorialControlEvent:
        return TerritorialControlEvent(
            event_id=event_id,
            article_id="a-" + event_id,
            source=source,
            published_at=published_at,
            event_date=_date(day),
            actor=actor,
            location=place,
            claim_status=ClaimStatus(claim),
            change=ControlChange(change),
            counter_actor=counter,
            territory_share_percent=share,
            evidence=Evidence(text=text or f"evidence of {event_id}", start=0, end=10),
            **extra,
        )

    def withdrawal(
        self,
        event_id: str,
        day: date | str | None,
        *,
        status: WithdrawalStatus | str = WithdrawalStatus.ANNOUNCED,
        actor: Actor = FRA,
        place: Place | None = AFGHANISTAN,
        claim: ClaimStatus | str = ClaimStatus.REPORTED,
        source: str | None = "AFP",
        published_at: str | None = None,
        text: str | None = None,
        **extra: Any,
    ) -> WithdrawalEvent:
        return WithdrawalEvent(
            event_id=event_id,
            article_id="a-" + event_id,
            source=source,
            published_at=published_at,
            event_date=_date(day),
            actor=actor,
            location=place,
            claim_status=ClaimStatus(claim),
            status=WithdrawalStatus(status),
            evidence=Evidence(text=text or f"evidence of {event_id}", start=0, end=10),
            **extra,
        )


@pytest.fixture
def make() -> Factory:
    return Factory()

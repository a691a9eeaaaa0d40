"""Shared value types of the event contract: actors, places, evidence, enums."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ISO3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class ActorKind(StrEnum):
    STATE = "state"
    COALITION = "coalition"
    ARMED_GROUP = "armed_group"
    STATE_FORCES = "state_forces"


class PlaceKind(StrEnum):
    COUNTRY = "country"
    PROVINCE = "province"
    DISTRICT = "district"
    CITY = "city"
    BASE = "base"
    BORDER_CROSSING = "border_crossing"
    REGION = "region"
    TERRITORY_SHARE = "territory_share"


class ClaimStatus(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"
    CLAIMED = "claimed"
    DISPUTED = "disputed"


# How much a statement's attribution supports it (higher: stronger), the one order wherever
# two statements are weighed: an official confirmation over unattributed news over one
# party's own claim over a claim the other side denies (as the labelling guide defines them).
CLAIM_STRENGTH: dict[ClaimStatus, int] = {
    ClaimStatus.DISPUTED: 0,
    ClaimStatus.CLAIMED: 1,
    ClaimStatus.REPORTED: 2,
    ClaimStatus.CONFIRMED: 3,
}


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


class DateBasis(StrEnum):
    """Where the reference date for relative expressions came from."""

    PUBLISHED_AT = "published_at"
    DATELINE = "dateline"
    INGESTION = "ingestion"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(_Frozen):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    # ISO3 for states, acronym for coalitions, upper-case slug for armed groups,
    # "<ISO3>-FORCES" for a state's own forces at home.
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,63}$")]
    kind: ActorKind


# A place's stable identifier, one of: an OCHA P-code (AF27, AF2701: the most specific one of
# an Afghan place), "geonames:<geonameid>" (a GeoNames city), an ISO 3166-2 code (UA-14, a
# subdivision), "iso3166:<ISO3>" (a country), "frontline:<iso3>:<slug>" (a place of the
# project's curated files: bases, crossings, named regions).
PLACE_ID_PATTERN = (
    r"^(?:[A-Z]{2}\d{2,8}"
    r"|geonames:\d{1,12}"
    r"|[A-Z]{2}-[A-Z0-9]{1,3}"
    r"|iso3166:[A-Z]{3}"
    r"|frontline:[a-z]{3}:[a-z0-9]+(?:-[a-z0-9]+)*)$"
)


class Place(_Frozen):
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    kind: PlaceKind
    country: ISO3 | None = None
    adm1: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{2}$")] | None = None
    adm2: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{4}$")] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    place_id: (
        Annotated[
            str,
            StringConstraints(pattern=PLACE_ID_PATTERN, max_length=120),
            Field(
                description=(
                    "Stable place identifier: an OCHA P-code (the most specific one, Afghan "
                    "places), 'geonames:<geonameid>' (a GeoNames city), an ISO 3166-2 code "
                    "(a subdivision, e.g. 'UA-14'), 'iso3166:<ISO3>' (a country) or "
                    "'frontline:<iso3>:<slug>' (a base, crossing or named region of the "
                    "project's curated files). Spelling variants of one place share it."
                )
            ),
        ]
        | None
    ) = None

    @property
    def key(self) -> str:
        """Stable table key: the most specific P-code (as before place_id existed), else the
        place_id ("Falluja" and "Fallujah" are one row), else a normalised name key."""
        if self.adm2:
            return self.adm2
        if self.adm1:
            return self.adm1
        if self.place_id:
            return self.place_id
        slug = "-".join(self.name.lower().split())
        return f"{self.country or 'XXX'}:{self.kind.value}:{slug}"


class Evidence(_Frozen):
    text: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]

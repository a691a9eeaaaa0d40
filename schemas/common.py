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


class Place(_Frozen):
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    kind: PlaceKind
    country: ISO3 | None = None
    adm1: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{2}$")] | None = None
    adm2: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{4}$")] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    @property
    def key(self) -> str:
        """Stable table key: the most specific P-code, else a normalised name key."""
        if self.adm2:
            return self.adm2
        if self.adm1:
            return self.adm1
        slug = "-".join(self.name.lower().split())
        return f"{self.country or 'XXX'}:{self.kind.value}:{slug}"


class Evidence(_Frozen):
    text: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]

"""The output contract: withdrawal and territorial-control events."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from schemas.common import Actor, ClaimStatus, DateBasis, DatePrecision, Evidence, Place


class WithdrawalStatus(StrEnum):
    ANNOUNCED = "announced"
    ONGOING = "ongoing"
    COMPLETED = "completed"


class ControlChange(StrEnum):
    GAIN = "gain"
    HOLD = "hold"
    CONTEST = "contest"
    HANDOVER = "handover"


class PlaceScope(StrEnum):
    """Whether a control statement is about its whole place or only part of it."""

    WHOLE = "whole"  # "the Taliban took Helmand", "Russia controls Crimea"
    PART = "part"  # "large parts of Helmand", "several towns in Ukraine"


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: Annotated[str, Field(min_length=1, max_length=200)]
    article_id: str
    source: str | None = None
    published_at: str | None = None
    date_basis: DateBasis = DateBasis.PUBLISHED_AT
    event_date: date | None = None
    date_precision: DatePrecision = DatePrecision.UNKNOWN
    actor: Actor
    location: Place | None = None
    claim_status: ClaimStatus = ClaimStatus.REPORTED
    claimant: Actor | None = None
    evidence: Evidence
    confidence: Annotated[float, Field(ge=0, le=1)] = 0.5


class WithdrawalEvent(_EventBase):
    event_type: Literal["withdrawal"] = "withdrawal"
    status: WithdrawalStatus
    troops: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    remaining_troops: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    percent_complete: Annotated[float, Field(ge=0, le=100)] | None = None
    deadline: date | None = None
    deadline_precision: DatePrecision | None = None


class TerritorialControlEvent(_EventBase):
    event_type: Literal["territorial_control"] = "territorial_control"
    change: ControlChange
    counter_actor: Actor | None = None
    territory_share_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    place_count: Annotated[int, Field(ge=0)] | None = None
    # Set by the extractor when it knows; unset, the control table reads the evidence.
    place_scope: PlaceScope | None = None


Event = Annotated[WithdrawalEvent | TerritorialControlEvent, Field(discriminator="event_type")]
EVENT_ADAPTER: TypeAdapter[WithdrawalEvent | TerritorialControlEvent] = TypeAdapter(Event)


def parse_event(data: bytes | str | dict[str, object]) -> WithdrawalEvent | TerritorialControlEvent:
    """Parse one event from JSON bytes/str or a dict."""
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    return EVENT_ADAPTER.validate_json(data)

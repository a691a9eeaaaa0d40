"""Pydantic models of Frontline's event contract (no I/O)."""

from schemas.article import Article, derive_article_id
from schemas.common import (
    Actor,
    ActorKind,
    ClaimStatus,
    DateBasis,
    DatePrecision,
    Evidence,
    Place,
    PlaceKind,
)
from schemas.events import (
    ControlChange,
    Event,
    TerritorialControlEvent,
    WithdrawalEvent,
    WithdrawalStatus,
    parse_event,
)

__all__ = [
    "Actor",
    "ActorKind",
    "Article",
    "ClaimStatus",
    "ControlChange",
    "DateBasis",
    "DatePrecision",
    "Event",
    "Evidence",
    "Place",
    "PlaceKind",
    "TerritorialControlEvent",
    "WithdrawalEvent",
    "WithdrawalStatus",
    "derive_article_id",
    "parse_event",
]

# Table rows (pipeline.tables reducers).
from schemas.rows import (
    ActivityDay,
    ActivityGroupRow,
    ActivityState,
    ActivityWindowRow,
    ClaimRow,
    ClosedWindowRecord,
    ControlRow,
    ControlStatus,
    ControlTransition,
    DedupDecision,
    DedupEntry,
    DedupOutcome,
    Happening,
    ShareClaim,
    SourceTally,
    WindowKind,
    WithdrawalRow,
)

__all__ += [
    "ActivityDay",
    "ActivityGroupRow",
    "ActivityState",
    "ActivityWindowRow",
    "ClaimRow",
    "ClosedWindowRecord",
    "ControlRow",
    "ControlStatus",
    "ControlTransition",
    "DedupDecision",
    "DedupEntry",
    "DedupOutcome",
    "Happening",
    "ShareClaim",
    "SourceTally",
    "WindowKind",
    "WithdrawalRow",
]

"""Exports analysts can load: events and table rows as CSV and GeoJSON (pure, no I/O).

    text = render("events", events, "csv")            # ACLED-like columns, one event a line
    text = render("control", control_rows, "geojson") # a FeatureCollection of Points

Every kind (`events`, `control`, `withdrawals`, `claims`) is first flattened into records with
a fixed column order (`COLUMNS`); CSV writes them with the csv module, GeoJSON makes each a
Feature whose geometry is the record's longitude/latitude as a Point, or null where the place
has no coordinates (withdrawal and claim rows carry none). Column meanings: docs/exports.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from schemas.common import Actor, Place, PlaceKind
from schemas.events import TerritorialControlEvent, WithdrawalEvent
from schemas.rows import ClaimRow, ControlRow, WithdrawalRow

AnyEvent = WithdrawalEvent | TerritorialControlEvent
Record = dict[str, Any]

KINDS = ("control", "withdrawals", "claims", "events")
FORMATS = ("csv", "geojson")
# UTF-8 both; aiohttp takes no charset parameter with a body of bytes.
MEDIA_TYPES = {"csv": "text/csv", "geojson": "application/geo+json"}

# ACLED's geo_precision: 1 the exact town or site, 2 part of a region or near a town,
# 3 a larger region (its capital's or centre's coordinates stand for it).
GEO_PRECISION: dict[PlaceKind, int] = {
    PlaceKind.CITY: 1,
    PlaceKind.BASE: 1,
    PlaceKind.BORDER_CROSSING: 1,
    PlaceKind.DISTRICT: 2,
    PlaceKind.PROVINCE: 3,
    PlaceKind.REGION: 3,
    PlaceKind.COUNTRY: 3,
    PlaceKind.TERRITORY_SHARE: 3,
}
_ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")

_PLACE_COLUMNS = (
    "location",
    "place_kind",
    "place_id",
    "iso",
    "admin1",
    "admin2",
    "latitude",
    "longitude",
    "geo_precision",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "events": (
        "event_id",
        "event_date",
        "year",
        "date_precision",
        "date_basis",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor1_code",
        "actor1_kind",
        "actor2",
        "actor2_code",
        "actor2_kind",
        *_PLACE_COLUMNS,
        "claim_status",
        "claimant",
        "claimant_code",
        "troops",
        "remaining_troops",
        "percent_complete",
        "deadline",
        "deadline_precision",
        "territory_share_percent",
        "place_count",
        "source",
        "published_at",
        "article_id",
        "notes",
        "evidence_start",
        "evidence_end",
        "confidence",
    ),
    "control": (
        "place_key",
        *_PLACE_COLUMNS,
        "part_of",
        "status",
        "controller",
        "controller_code",
        "contender",
        "contender_code",
        "claim_status",
        "date_basis",
        "since",
        "first_event_date",
        "last_event_date",
        "pending_claim_actor_code",
        "pending_claim_status",
        "reports",
        "events",
        "sources",
        "event_id",
        "article_id",
        "source",
        "published_at",
        "event_date",
        "notes",
    ),
    "withdrawals": (
        "key",
        "actor",
        "actor_code",
        "actor_kind",
        "iso",
        "status",
        "status_date",
        "date_basis",
        "troops",
        "remaining_troops",
        "percent_complete",
        "deadline",
        "deadline_precision",
        "first_event_date",
        "last_event_date",
        "reports",
        "events",
        "sources",
        "event_id",
        "article_id",
        "source",
        "published_at",
        "event_date",
        "notes",
    ),
    "claims": (
        "actor",
        "actor_code",
        "iso",
        "territory_share_percent",
        "event_date",
        "date_basis",
        "claimant",
        "claimant_code",
        "claim_status",
        "claims_on_record",
        "reports",
        "events",
        "sources",
        "event_id",
        "source",
        "notes",
    ),
}


class ExportError(ValueError):
    """An unknown export kind or format."""


def _iso_date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _actor(prefix: str, actor: Actor | None, kind: bool = True) -> Record:
    out: Record = {
        prefix: actor.name if actor else None,
        f"{prefix}_code": actor.code if actor else None,
    }
    if kind:
        out[f"{prefix}_kind"] = actor.kind.value if actor else None
    return out


def admin1_of(place: Place) -> str | None:
    """The place's admin-1 unit: its OCHA P-code, or its own ISO 3166-2 code when the place
    is a subdivision; None when neither is known."""
    if place.adm1:
        return place.adm1
    if place.place_id and _ISO_3166_2.match(place.place_id):
        return place.place_id
    return None


def place_record(place: Place | None) -> Record:
    if place is None:
        return dict.fromkeys(_PLACE_COLUMNS)
    located = place.lat is not None and place.lon is not None
    return {
        "location": place.name,
        "place_kind": place.kind.value,
        "place_id": place.place_id,
        "iso": place.country,
        "admin1": admin1_of(place),
        "admin2": place.adm2,
        "latitude": place.lat,
        "longitude": place.lon,
        "geo_precision": GEO_PRECISION[place.kind] if located else None,
    }


def event_record(event: AnyEvent) -> Record:
    """One event as an ACLED-like record (`COLUMNS["events"]`)."""
    if isinstance(event, TerritorialControlEvent):
        sub_event, counter = event.change.value, event.counter_actor
    else:
        sub_event, counter = event.status.value, None
    rec: Record = {
        "event_id": event.event_id,
        "event_date": _iso_date(event.event_date),
        "year": event.event_date.year if event.event_date else None,
        "date_precision": event.date_precision.value,
        "date_basis": event.date_basis.value,
        "event_type": event.event_type,
        "sub_event_type": sub_event,
        **_actor("actor1", event.actor),
        **_actor("actor2", counter),
        **place_record(event.location),
        "claim_status": event.claim_status.value,
        **_actor("claimant", event.claimant, kind=False),
        "source": event.source,
        "published_at": event.published_at,
        "article_id": event.article_id,
        "notes": event.evidence.text,
        "evidence_start": event.evidence.start,
        "evidence_end": event.evidence.end,
        "confidence": event.confidence,
    }
    if isinstance(event, WithdrawalEvent):
        rec.update(
            troops=event.troops,
            remaining_troops=event.remaining_troops,
            percent_complete=event.percent_complete,
            deadline=_iso_date(event.deadline),
            deadline_precision=event.deadline_precision.value if event.deadline_precision else None,
        )
    else:
        rec.update(
            territory_share_percent=event.territory_share_percent,
            place_count=event.place_count,
        )
    return rec


def control_record(row: ControlRow) -> Record:
    """One control row: its place, state, date basis and the event its state rests on."""
    pending = row.pending_claim
    return {
        "place_key": row.place_key,
        **place_record(row.place),
        "part_of": row.part_of,
        "status": row.status.value,
        **_actor("controller", row.controller, kind=False),
        **_actor("contender", row.contender, kind=False),
        "claim_status": row.claim_status.value,
        "date_basis": row.date_basis.value,
        "since": _iso_date(row.since),
        "first_event_date": _iso_date(row.first_event_date),
        "last_event_date": _iso_date(row.last_event_date),
        "pending_claim_actor_code": pending.actor.code if pending else None,
        "pending_claim_status": pending.claim_status.value if pending else None,
        **_provenance(row),
    }


def _provenance(row: ControlRow | WithdrawalRow) -> Record:
    """What a row rests on: its report counts, sources and the evidence of its state."""
    return {
        "reports": row.reports,
        "events": row.events,
        "sources": "; ".join(row.sources.names),
        "event_id": row.evidence.event_id,
        "article_id": row.evidence.article_id,
        "source": row.evidence.source,
        "published_at": row.evidence.published_at,
        "event_date": _iso_date(row.evidence.event_date),
        "notes": row.evidence.text,
    }


def withdrawal_record(row: WithdrawalRow) -> Record:
    """One withdrawals row (an actor leaving one country)."""
    return {
        "key": row.key,
        **_actor("actor", row.actor),
        "iso": row.country,
        "status": row.status.value,
        "status_date": _iso_date(row.status_date),
        "date_basis": row.date_basis.value,
        "troops": row.troops,
        "remaining_troops": row.remaining_troops,
        "percent_complete": row.percent_complete,
        "deadline": _iso_date(row.deadline),
        "deadline_precision": row.deadline_precision,
        "first_event_date": _iso_date(row.first_event_date),
        "last_event_date": _iso_date(row.last_event_date),
        **_provenance(row),
    }


def claim_record(row: ClaimRow) -> Record:
    """One share-of-territory row: the latest claim about an actor."""
    return {
        **_actor("actor", row.actor, kind=False),
        "iso": row.country,
        "territory_share_percent": row.territory_share_percent,
        "event_date": _iso_date(row.event_date),
        "date_basis": row.date_basis.value,
        **_actor("claimant", row.claimant, kind=False),
        "claim_status": row.claim_status.value,
        "claims_on_record": len(row.history),
        "reports": row.reports,
        "events": row.events,
        "sources": "; ".join(row.sources.names),
        "event_id": row.latest.event_id,
        "source": row.latest.source,
        "notes": row.latest.evidence_text,
    }


def records(kind: str, items: Iterable[Any]) -> list[Record]:
    """The items of an export kind (events or rows of that table) as records, in order."""
    make: Mapping[str, Any] = {
        "events": event_record,
        "control": control_record,
        "withdrawals": withdrawal_record,
        "claims": claim_record,
    }
    if kind not in make:
        raise ExportError(f"unknown export {kind!r} (known: {', '.join(KINDS)})")
    return [make[kind](item) for item in items]


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(columns: Sequence[str], recs: Iterable[Record]) -> str:
    """CSV text with a header line; empty cells for missing values; RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for rec in recs:
        writer.writerow([_cell(rec.get(c)) for c in columns])
    return out.getvalue()


def feature(rec: Record, id_field: str | None = None) -> Record:
    lat, lon = rec.get("latitude"), rec.get("longitude")
    geometry = (
        {"type": "Point", "coordinates": [lon, lat]}
        if lat is not None and lon is not None
        else None
    )
    out: Record = {"type": "Feature", "geometry": geometry, "properties": rec}
    if id_field and rec.get(id_field) is not None:
        out["id"] = rec[id_field]
    return out


ID_FIELDS = {
    "events": "event_id",
    "control": "place_key",
    "withdrawals": "key",
    "claims": "actor_code",
}


def to_geojson(kind: str, recs: Iterable[Record]) -> Record:
    """A GeoJSON FeatureCollection (RFC 7946): one Feature per record, WGS 84 lon/lat."""
    id_field = ID_FIELDS.get(kind)
    return {"type": "FeatureCollection", "features": [feature(r, id_field) for r in recs]}


def render(kind: str, items: Iterable[Any], fmt: str) -> str:
    """Events or table rows of `kind` in `fmt` ("csv" or "geojson") as text."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    recs = records(kind, items)
    if fmt == "csv":
        return to_csv(COLUMNS[kind], recs)
    return json.dumps(to_geojson(kind, recs), ensure_ascii=False, separators=(",", ":")) + "\n"

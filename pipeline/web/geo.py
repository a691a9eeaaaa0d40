"""Boundary files of a theatre → simplified, projected SVG path data for the map page.

A theatre is a JSON file in `pipeline/web/theatres/` naming its boundary layers (GeoJSON files
in `pipeline/data/boundaries/`) and the property holding each feature's code and name. Nothing
here is specific to one country: a new theatre is a new theatre file plus its boundary files.

    geo = theatre_geo("afghanistan")          # dict, cached
    body = theatre_geo_json("AFG")            # the same as compact JSON bytes, cached

Projection: equirectangular with the x axis scaled by cos(mean latitude) — at the scale of one
country the distortion is small and the maths stays trivial. Rings are simplified with
Douglas–Peucker at a tolerance in output pixels, then rounded to `precision` decimals and
written as one absolute move plus relative line segments (short numbers, small page).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

WEB_DIR = Path(__file__).resolve().parent
THEATRES_DIR = WEB_DIR / "theatres"
BOUNDARIES_DIR = WEB_DIR.parent / "data" / "boundaries"

DEFAULT_TOLERANCE_PX = 0.35
DEFAULT_PRECISION = 1
_THEATRE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Point = tuple[float, float]
Ring = list[Point]


class UnknownTheatre(LookupError):
    """No theatre file by that id or alias."""


@dataclass(frozen=True)
class Projection:
    """lon/lat → SVG user units (y down), fitted to a width in pixels."""

    min_lon: float
    max_lat: float
    kx: float  # cos(mean latitude)
    scale: float  # pixels per projected degree
    width: float
    height: float

    @classmethod
    def fit(cls, bbox: tuple[float, float, float, float], width: float) -> Projection:
        min_lon, min_lat, max_lon, max_lat = bbox
        kx = math.cos(math.radians((min_lat + max_lat) / 2.0))
        span_x = max((max_lon - min_lon) * kx, 1e-9)
        span_y = max(max_lat - min_lat, 1e-9)
        scale = width / span_x
        return cls(min_lon, max_lat, kx, scale, width, span_y * scale)

    def __call__(self, lon: float, lat: float) -> Point:
        return ((lon - self.min_lon) * self.kx * self.scale, (self.max_lat - lat) * self.scale)


# ----------------------------------------------------------------------------- geometry


def _perp_dist_sq(p: Point, a: Point, b: Point) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    px, py = p[0] - ax, p[1] - ay
    den = dx * dx + dy * dy
    if den == 0.0:
        return px * px + py * py
    t = max(0.0, min(1.0, (px * dx + py * dy) / den))
    ex, ey = px - t * dx, py - t * dy
    return ex * ex + ey * ey


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker (iterative). Keeps the first and last point; tolerance in the same
    units as the points. A tolerance <= 0 returns the points unchanged."""
    n = len(points)
    if n < 3 or tolerance <= 0:
        return list(points)
    tol_sq = tolerance * tolerance
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        best_i, best_d = -1, tol_sq
        a, b = points[first], points[last]
        for i in range(first + 1, last):
            d = _perp_dist_sq(points[i], a, b)
            if d > best_d:
                best_i, best_d = i, d
        if best_i >= 0:
            keep[best_i] = True
            stack.append((first, best_i))
            stack.append((best_i, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: Sequence[Point], tolerance: float) -> Ring:
    """Simplify a closed ring (first point == last point or not); never below a triangle."""
    pts = list(ring)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) < 4:
        return pts
    # Split the ring at its point farthest from the start, so both halves have fixed ends.
    far = max(range(len(pts)), key=lambda i: _perp_dist_sq(pts[i], pts[0], pts[0]))
    left = simplify([*pts[: far + 1]], tolerance)
    right = simplify([*pts[far:], pts[0]], tolerance)
    out = left[:-1] + right[:-1]
    if len(out) < 3:
        # Degenerate after simplification: keep the three most spread-out original points.
        step = max(1, len(pts) // 3)
        out = [pts[0], pts[step], pts[min(2 * step, len(pts) - 1)]]
    return out


def _fmt(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}" if precision > 0 else str(round(value))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def ring_to_path(ring: Sequence[Point], precision: int = DEFAULT_PRECISION) -> str:
    """`M x y l dx dy ... z` with coordinates rounded first (relative steps are then exact),
    consecutive duplicate points dropped."""
    factor = 10**precision
    q: list[tuple[int, int]] = []
    for x, y in ring:
        pt = (round(x * factor), round(y * factor))
        if not q or pt != q[-1]:
            q.append(pt)
    if len(q) > 1 and q[0] == q[-1]:
        q.pop()
    if len(q) < 3:
        return ""

    def num(v: int) -> str:
        return _fmt(v / factor, precision)

    parts = [f"M{num(q[0][0])} {num(q[0][1])}l"]
    coords: list[str] = []
    for (x0, y0), (x1, y1) in pairwise(q):
        coords.append(f"{num(x1 - x0)} {num(y1 - y0)}")
    parts.append(" ".join(coords))
    parts.append("z")
    return "".join(parts)


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return list(coords)
    return []


def _ring_area(ring: Sequence[Point]) -> float:
    s = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        s += x0 * y1 - x1 * y0
    return s / 2.0


def feature_path(
    geometry: dict[str, Any],
    project: Projection,
    tolerance: float = DEFAULT_TOLERANCE_PX,
    precision: int = DEFAULT_PRECISION,
) -> tuple[str, Point | None]:
    """SVG path data of a (multi)polygon (even-odd holes kept) and a label point (the
    area-weighted centroid of its largest outer ring)."""
    pieces: list[str] = []
    best: tuple[float, Ring] | None = None
    for polygon in _polygons(geometry):
        for index, raw_ring in enumerate(polygon):
            projected = [project(float(p[0]), float(p[1])) for p in raw_ring]
            ring = simplify_ring(projected, tolerance)
            d = ring_to_path(ring, precision)
            if not d:
                continue
            pieces.append(d)
            if index == 0:
                area = abs(_ring_area(projected))
                if best is None or area > best[0]:
                    best = (area, projected)
    return "".join(pieces), (_centroid(best[1]) if best else None)


def _centroid(ring: Sequence[Point]) -> Point:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return (sum(xs) / len(xs), sum(ys) / len(ys))
    return (cx / (3.0 * a), cy / (3.0 * a))


def bbox_of(features: Iterable[dict[str, Any]]) -> tuple[float, float, float, float]:
    min_x = min_y = math.inf
    max_x = max_y = -math.inf
    for feature in features:
        for polygon in _polygons(feature.get("geometry") or {}):
            for ring in polygon:
                for p in ring:
                    x, y = float(p[0]), float(p[1])
                    min_x, max_x = min(min_x, x), max(max_x, x)
                    min_y, max_y = min(min_y, y), max(max_y, y)
    if min_x is math.inf:
        raise ValueError("no coordinates in the boundary layers")
    return (min_x, min_y, max_x, max_y)


# ----------------------------------------------------------------------------- theatres


def theatre_files(theatres_dir: Path = THEATRES_DIR) -> dict[str, Path]:
    """Theatre id and aliases (lower-case) → theatre file."""
    out: dict[str, Path] = {}
    for path in sorted(theatres_dir.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for name in [spec.get("id", path.stem), *spec.get("aliases", [])]:
            out.setdefault(str(name).lower(), path)
    return out


def load_theatre_spec(theatre: str, theatres_dir: Path = THEATRES_DIR) -> dict[str, Any]:
    if not _THEATRE_ID.match(theatre or ""):
        raise UnknownTheatre(theatre)
    path = theatre_files(theatres_dir).get(theatre.lower())
    if path is None:
        raise UnknownTheatre(theatre)
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    spec.setdefault("id", path.stem)
    return spec


def build_geo(
    spec: dict[str, Any],
    boundaries_dir: Path = BOUNDARIES_DIR,
    tolerance: float = DEFAULT_TOLERANCE_PX,
    precision: int = DEFAULT_PRECISION,
) -> dict[str, Any]:
    """Project and simplify every layer of a theatre spec into SVG paths.

    Returns {"theatre", "name", "country", "width", "height", "viewBox", "attribution",
    "layers": {layer name: [{"pcode", "name", "parent"?, "d", "cx", "cy"}...]},
    "levels": {layer name: "adm1"|...}}. All layers share one projection (fitted to the union
    of their extents) so they overlay exactly.
    """
    layers_spec = spec.get("layers") or []
    if not layers_spec:
        raise ValueError(f"theatre {spec.get('id')!r} names no boundary layers")
    loaded: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for layer in layers_spec:
        file_name = str(layer["file"])
        path = (boundaries_dir / file_name).resolve()
        if boundaries_dir.resolve() not in path.parents:
            raise ValueError(f"boundary file outside {boundaries_dir}: {file_name}")
        data = json.loads(path.read_text(encoding="utf-8"))
        loaded.append((layer, list(data.get("features") or [])))
    bbox = bbox_of(f for _, feats in loaded for f in feats)
    width = float(spec.get("width", 1000))
    project = Projection.fit(bbox, width)
    layers: dict[str, list[dict[str, Any]]] = {}
    levels: dict[str, str] = {}
    for layer, features in loaded:
        rows = []
        code_prop, label_prop = layer["code"], layer.get("label", layer["code"])
        parent_prop = layer.get("parent")
        for feature in features:
            props = feature.get("properties") or {}
            code = props.get(code_prop)
            if not code:
                continue
            d, centre = feature_path(feature.get("geometry") or {}, project, tolerance, precision)
            if not d:
                continue
            row: dict[str, Any] = {"pcode": str(code), "name": str(props.get(label_prop) or code)}
            if parent_prop and props.get(parent_prop):
                row["parent"] = str(props[parent_prop])
            row["d"] = d
            if centre is not None:
                row["cx"] = round(centre[0], 1)
                row["cy"] = round(centre[1], 1)
            rows.append(row)
        rows.sort(key=lambda r: r["pcode"])
        layers[layer["name"]] = rows
        levels[layer["name"]] = str(layer.get("level", layer["name"]))
    height = math.ceil(project.height)
    return {
        "theatre": spec["id"],
        "name": spec.get("name", spec["id"]),
        "country": spec.get("country"),
        "width": round(width),
        "height": height,
        "viewBox": f"0 0 {round(width)} {height}",
        "attribution": spec.get("attribution", ""),
        "licence_url": spec.get("licence_url"),
        "levels": levels,
        "layers": layers,
        # Places are drawn at their coordinates: x = (lon - min_lon) * kx * scale,
        # y = (max_lat - lat) * scale.
        "projection": {
            "min_lon": project.min_lon,
            "max_lat": project.max_lat,
            "kx": project.kx,
            "scale": project.scale,
        },
    }


@lru_cache(maxsize=16)
def theatre_geo(theatre: str) -> dict[str, Any]:
    """The cached geometry of a theatre by id or alias (e.g. "afghanistan" or "AFG")."""
    return build_geo(load_theatre_spec(theatre))


@lru_cache(maxsize=16)
def theatre_geo_json(theatre: str) -> bytes:
    """`theatre_geo` as compact UTF-8 JSON, cached (what GET /api/geo/{theatre} returns)."""
    return json.dumps(theatre_geo(theatre), separators=(",", ":"), ensure_ascii=False).encode()


@lru_cache(maxsize=16)
def theatre_geo_json_gzip(theatre: str) -> bytes:
    import gzip

    return gzip.compress(theatre_geo_json(theatre), compresslevel=6, mtime=0)


def default_theatre(theatres_dir: Path = THEATRES_DIR) -> str:
    """The first theatre file's id (the page's default)."""
    for path in sorted(theatres_dir.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        return str(spec.get("id", path.stem))
    raise UnknownTheatre("no theatre files")

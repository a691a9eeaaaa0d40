"""The live map page: `GET /` (the page), `GET /static/{name}` (its assets),
`GET /api/geo-names` (ISO3 -> country name) and `GET /api/geo/{theatre}` (boundaries as
precomputed SVG paths with codes and names: a theatre file's layers, else the Natural Earth
outlines around any country, `GET /api/geo/SYR`, or of the world, `GET /api/geo/world`).

The page itself reads the tables' JSON API (/api/control, /api/withdrawals, /api/claims,
/api/activity) and polls /api/status for live updates; nothing it loads leaves the origin.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.web import geo, world

if TYPE_CHECKING:
    from pipeline.app import Runtime

STATIC_DIR = Path(geo.WEB_DIR) / "static"
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}
# No external origin may be contacted by the page; the header makes the browser enforce it.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'"
)


@lru_cache(maxsize=64)
def _static_bytes(name: str) -> bytes | None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = STATIC_DIR / name
    if path.suffix not in CONTENT_TYPES or not path.is_file():
        return None
    return path.read_bytes()


@lru_cache(maxsize=1)
def _index_html() -> bytes:
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace("{{THEATRE}}", geo.default_theatre()).encode("utf-8")


def theatre_geo_bytes(theatre: str, *, gzipped: bool = False) -> bytes:
    """A theatre's map as JSON: its own boundary files where it has a theatre file
    (Afghanistan's districts), else the country outlines around an ISO3 country, or the
    world overview (`world`)."""
    try:
        if gzipped:
            return geo.theatre_geo_json_gzip(theatre)
        return geo.theatre_geo_json(theatre)
    except geo.UnknownTheatre:
        if theatre.lower() != world.WORLD and not re.fullmatch(r"[A-Za-z]{3}", theatre):
            raise
    body = world.country_geo_json(
        theatre.lower() if theatre.lower() == world.WORLD else theatre.upper()
    )
    return _gzip(body) if gzipped else body


@lru_cache(maxsize=32)
def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


@lru_cache(maxsize=1)
def _names_json() -> bytes:
    """ISO3 -> country name, for the theatre selector."""
    return json.dumps(world.country_names(), separators=(",", ":"), sort_keys=True).encode()


def _accepts_gzip(request: Any) -> bool:
    return "gzip" in (request.headers.get("Accept-Encoding") or "").lower()


def register(rt: Runtime) -> None:
    app = rt.app

    @app.page("/")
    async def map_page(web: Any, request: Any) -> Any:
        return web.bytes(
            _index_html(),
            content_type="text/html",
            headers={"Cache-Control": "no-cache", "Content-Security-Policy": CSP},
        )

    @app.page("/static/{name}")
    async def map_static(web: Any, request: Any, name: str) -> Any:
        body = _static_bytes(name)
        if body is None:
            return web.json({"error": "not found", "name": name}, status=404)
        return web.bytes(
            body,
            content_type=CONTENT_TYPES[Path(name).suffix],
            headers={"Cache-Control": "no-cache"},
        )

    @app.page("/api/geo-names")
    async def map_geo_names(web: Any, request: Any) -> Any:
        return web.bytes(
            _names_json(),
            content_type="application/json",
            headers={"Cache-Control": "max-age=3600"},
        )

    @app.page("/api/geo/{theatre}")
    async def map_geo(web: Any, request: Any, theatre: str) -> Any:
        try:
            body = theatre_geo_bytes(theatre, gzipped=_accepts_gzip(request))
        except (geo.UnknownTheatre, world.UnknownCountry):
            known = sorted(geo.theatre_files())
            return web.json(
                {
                    "error": "unknown theatre",
                    "theatre": theatre,
                    "known": [*known, "world", "any ISO 3166-1 alpha-3 code"],
                },
                status=404,
            )
        headers = {"Cache-Control": "max-age=3600", "Vary": "Accept-Encoding"}
        if _accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
        return web.bytes(body, content_type="application/json", headers=headers)

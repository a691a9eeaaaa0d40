"""The live map page: `GET /` (the page), `GET /static/{name}` (its assets) and
`GET /api/geo/{theatre}` (boundaries as precomputed SVG paths with P-codes and names).

The page itself reads the tables' JSON API (/api/control, /api/withdrawals, /api/claims,
/api/activity) and polls /api/status for live updates; nothing it loads leaves the origin.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.web import geo

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

    @app.page("/api/geo/{theatre}")
    async def map_geo(web: Any, request: Any, theatre: str) -> Any:
        try:
            body = geo.theatre_geo_json(theatre)
        except geo.UnknownTheatre:
            known = sorted(geo.theatre_files())
            return web.json(
                {"error": "unknown theatre", "theatre": theatre, "known": known}, status=404
            )
        headers = {"Cache-Control": "max-age=3600", "Vary": "Accept-Encoding"}
        if _accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
            body = geo.theatre_geo_json_gzip(theatre)
        return web.bytes(body, content_type="application/json", headers=headers)

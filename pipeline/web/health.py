"""`GET /health`: liveness plus counters, for the demo, the map and load balancers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.app import Runtime


def register(rt: Runtime) -> None:
    app = rt.app

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment())
        return web.json(
            {
                "status": "ok",
                "app_id": rt.settings.app_id,
                "now": rt.clock().isoformat(),
                "assigned": assigned,
                **rt.stats,
            }
        )

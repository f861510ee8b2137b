"""GET /metrics: the app's own registry, as Prometheus text (or OpenMetrics when the scraper asks for it)."""

from __future__ import annotations

from aiohttp import web

from daemon.core.keys import METRICS, STORE


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    store = request.app.get(STORE)
    if store is not None:
        await registry.refresh(store)
    body, content_type = registry.render(request.headers.get("Accept"))
    return web.Response(body=body, headers={"Content-Type": content_type})

"""GET /metrics: the app's own registry, as Prometheus text (or OpenMetrics when the scraper asks for it)."""

from __future__ import annotations

from aiohttp import web

from daemon.core.keys import SERVICE


async def metrics(request: web.Request) -> web.Response:
    body, content_type = await request.app[SERVICE].metrics(request.headers.get("Accept"))
    return web.Response(body=body, headers={"Content-Type": content_type})

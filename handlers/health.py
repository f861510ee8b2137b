"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from daemon.core.keys import SERVICE


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and the scheduler loop is alive."""
    service = request.app.get(SERVICE)
    checks = await service.ready() if service is not None else {"database": False, "scheduler": False}
    ok = all(checks.values())
    return web.json_response({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)

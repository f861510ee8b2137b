"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from daemon.core.keys import LOOP_HEARTBEAT, STORE


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and the scheduler loop is alive."""
    checks = {"database": False, "scheduler": False}
    store = request.app.get(STORE)
    try:
        checks["database"] = bool(store and await store.ping())
    except Exception:  # any failure of the database means not ready
        checks["database"] = False
    tasks = request.app.get(LOOP_HEARTBEAT) or []
    checks["scheduler"] = bool(tasks) and not tasks[0].done()
    ok = all(checks.values())
    return web.json_response({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)

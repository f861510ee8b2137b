"""`create_app`: one aiohttp application serving identity, connections, the Accounting API and the control API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate

from aiohttp import web

from clock import Clock, SystemClock

from . import routes_api, routes_control, routes_identity
from .compression import gzip_response
from .config import EmulatorConfig
from .emulator import Emulator
from .faults import reshaped, truncated
from .keys import DROPPED, EMULATOR, RESHAPE, TRUNCATE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_COMPRESSED = ("/api.xro/", "/connections")


@web.middleware
async def record_calls(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log every API/identity request in `emulator.calls`, gzip answers of the Accounting API and /connections
    (when asked and `config.gzip`), and cut the body of a `truncated` fault (after compressing it)."""
    if request.path.startswith("/_control"):
        return await handler(request)
    status = 0
    try:
        response = await handler(request)
        if request.get(RESHAPE) and isinstance(response, web.Response) and response.status == 200:
            response = await reshaped(request[RESHAPE], response)
        plain = len(response.body) if isinstance(response, web.Response) and response.body else 0
        if request.app[EMULATOR].config.gzip and request.path.startswith(_COMPRESSED) and not request.get(DROPPED):
            response = gzip_response(request, response)
        if plain and request.path.startswith(_COMPRESSED):
            request.app[EMULATOR].count_bytes(plain, len(response.body))
        if request.get(TRUNCATE) and isinstance(response, web.Response) and response.body:
            response = await truncated(request, bytes(response.body), dict(response.headers))
        status = 0 if request.get(DROPPED) else response.status
        response.headers["Date"] = formatdate(request.app[EMULATOR].clock.time(), usegmt=True)  # Xero's time
        return response
    except web.HTTPException as err:
        status = err.status
        raise
    except Exception:
        status = 500
        raise
    finally:
        request.app[EMULATOR].record_call(request.method, request.path, dict(request.query),
                                          request.headers.get("xero-tenant-id"), status, dict(request.headers))


async def _webhooks(app: web.Application) -> AsyncIterator[None]:
    emulator = app[EMULATOR]
    await emulator.webhooks.start()
    yield
    await emulator.webhooks.close()


def create_app(config: EmulatorConfig | None = None, *, clock: Clock | None = None) -> web.Application:
    """The emulator as an aiohttp app; its state is `app[EMULATOR]`."""
    app = web.Application(middlewares=[record_calls])
    app[EMULATOR] = Emulator(config or EmulatorConfig(), clock or SystemClock())
    routes_identity.setup(app)
    routes_api.setup(app)
    routes_control.setup(app)
    app.cleanup_ctx.append(_webhooks)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start `app` listening; the caller keeps the runner and calls `cleanup()` to stop."""
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


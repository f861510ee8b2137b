"""POST /webhooks/xero: Xero's signed webhooks. 200 with an empty body for a valid request (including the
intent-to-receive handshake), 401 for a bad signature; answered at once, the sync runs later."""

from __future__ import annotations

import structlog
from aiohttp import web

from daemon.core.keys import SETTINGS, WEBHOOKS
from daemon.sync.webhooks import WebhookPayloadError, parse_events, signature_ok

log = structlog.get_logger(__name__)

MAX_BODY = 256 * 1024


async def receive(request: web.Request) -> web.Response:
    key = request.app[SETTINGS].xero_webhook_key
    if not key:
        return web.Response(status=404)
    if (request.content_length or 0) > MAX_BODY:
        return web.Response(status=413)
    body = await request.read()
    if len(body) > MAX_BODY:
        return web.Response(status=413)
    if not signature_ok(key, body, request.headers.get("x-xero-signature")):
        log.info("webhook.bad_signature")
        return web.Response(status=401)
    try:
        events = parse_events(body)
    except WebhookPayloadError as err:
        log.info("webhook.bad_payload", error=str(err))
        return web.Response(status=400)
    queued = await request.app[WEBHOOKS].accept(events)
    log.info("webhook.received", events=len(events), queued=queued)
    return web.Response(status=200)

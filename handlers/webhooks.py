"""POST /webhooks/xero: Xero's signed webhooks. Authenticity first (HMAC-SHA256 of the raw body with
XERO_WEBHOOK_KEY), then shape; 200 with an empty body for a valid request (including the intent-to-receive
handshake), 401 for a bad signature, 400 for a signed body that is not a Xero payload. Answered at once: the sync
runs later."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import structlog
from aiohttp import web

from daemon.core.keys import SERVICE, SETTINGS

log = structlog.get_logger(__name__)

MAX_BODY = 256 * 1024
EVENT_FIELDS = ("tenantId", "resourceId", "eventDateUtc", "eventType", "eventCategory")


class WebhookPayloadError(ValueError):
    """A correctly signed body that is not a Xero webhook payload."""


def signature_ok(key: str, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


def parse_events(body: bytes) -> list[dict]:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than any payload Xero sends
        raise WebhookPayloadError("the body is not JSON") from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise WebhookPayloadError("the body has no list of events")
    if not all(isinstance(e.get(k), (str, type(None))) for e in events for k in EVENT_FIELDS):
        raise WebhookPayloadError("an event's fields are not text")
    return events


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
    queued = await request.app[SERVICE].accept_webhook(events)
    log.info("webhook.received", events=len(events), queued=queued)
    return web.Response(status=200)

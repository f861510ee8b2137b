"""POST /slack/events: Slack's door. Authenticity first, then shape, then bolt.

1. The signature (`v0=` HMAC-SHA256 of `v0:timestamp:raw body` with SLACK_SIGNING_SECRET, a timestamp within five
   minutes) is checked over the raw bytes before anything reads them: anything else is 401, whatever its body.
2. The body is parsed here, not by bolt (whose parser takes any form containing the text "payload" for an
   interaction): a slash command's form, an interaction's `payload`, or an event's JSON. A signed body of any
   other shape is 400.
3. A `response_url` that does not start with one of SLACK_RESPONSE_URL_PREFIXES is taken out (and the refusal
   logged without the URL): no reply is ever posted anywhere else.
4. `/xero` is answered by `SlashCommands` (handlers/slack/bolt.py says why not through bolt's dispatch);
   interactions, events and any other command by bolt.
No door answers with a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl

import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest

from daemon.core.keys import FOREGROUND, SETTINGS, SLACK_BOLT, SLACK_COMMANDS

log = structlog.get_logger(__name__)

EVENT_TYPES = ("url_verification", "event_callback")
REPLAY_WINDOW = 300  # seconds: an older signature is a replay (Slack's own advice)


class BadBody(ValueError):
    """A signed body that is not something Slack sends."""


async def events(request: web.Request) -> web.Response:
    with request.app[FOREGROUND].arriving():  # what can wait waits meanwhile (daemon/core/foreground.py)
        return await _events(request)


async def _events(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    raw = await request.read()
    if not signed(settings.slack_signing_secret or "", request.headers, raw):
        log.info("slack.bad_signature")
        return web.Response(status=401, text="invalid signature")
    try:
        body = parse(raw, request.content_type)
    except BadBody as err:
        log.info("slack.bad_body", problem=str(err))
        return web.Response(status=400, text="not a Slack request")
    _keep_allowed_response_url(body, settings.slack_response_url_prefixes)
    slash = request.app[SLACK_COMMANDS]
    if slash.handles(body):
        try:
            return await to_aiohttp_response(await slash.answer(body))
        except Exception:  # as bolt answers a listener that failed: 500, logged, no traceback to Slack
            log.exception("slack.command_failed", command=body.get("command"))
            return web.Response(status=500)
    # mode="socket_mode": bolt takes the body as parsed here, and skips its own check of the signature (done above)
    bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers),
                                    mode="socket_mode")
    return await to_aiohttp_response(await request.app[SLACK_BOLT].async_dispatch(bolt_request))


def signed(secret: str, headers, raw: bytes) -> bool:
    """Slack's v0 signature over the raw bytes, made within REPLAY_WINDOW of now (wall-clock time: Slack's)."""
    timestamp, signature = headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", "")
    if not secret or not signature or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > REPLAY_WINDOW:
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def parse(raw: bytes, content_type: str) -> dict:
    """What Slack sent, as a dict: a slash command's fields, an interaction's payload, or an event."""
    try:
        text = raw.decode("utf-8")
        if content_type == "application/json" or text.lstrip().startswith("{"):
            return _shaped(json.loads(text), "an event")
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "command" in form:
            return form
        if "payload" in form:
            return _shaped(json.loads(form["payload"]), "an interaction")
        if form.get("ssl_check") == "1":
            return form
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested too deep
        raise BadBody(type(err).__name__) from None
    raise BadBody("neither a command, an interaction nor an event")


def _shaped(value: object, what: str) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise BadBody(f"not {what}")
    if what == "an event" and value["type"] not in EVENT_TYPES:
        raise BadBody(f"not {what}")
    return value


def _keep_allowed_response_url(body: dict, prefixes: tuple[str, ...]) -> None:
    url = body.get("response_url")
    if isinstance(url, str) and url.startswith(prefixes):
        return
    if url is not None:
        log.warning("slack.response_url_refused", detail="not under SLACK_RESPONSE_URL_PREFIXES; no reply is sent")
        body.pop("response_url")

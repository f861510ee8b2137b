"""Slack in the aiohttp app: `install_slack` (called by the app factory) and the lifecycle contexts.

- `POST /slack/events`: bolt's aiohttp adapter (`to_bolt_request` → `async_dispatch` → `to_aiohttp_response`),
  mounted when SLACK_SIGNING_SECRET is set.
- `slack_alerts` (a cleanup context right after the store): the outbox's sender, the Slack client's HTTP
  session, and the slash commands still answering at shutdown.
- `socket_mode` (appended last when SLACK_APP_TOKEN is set): connects over Socket Mode, closes on shutdown.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import aiohttp
import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.web.async_client import AsyncWebClient

from daemon.slack.notifier import SlackNotifier
from daemon.core.keys import CLOCK, METRICS, NOTIFIER, SETTINGS, SLACK_BOLT, SLACK_CLIENT, SLACK_OUTBOX, SLACK_TASKS, STORE
from daemon.sync.notifier import LogNotifier, Notifier
from daemon.slack.outbox import Outbox
from handlers.slack.bolt import build_bolt, web_client

log = structlog.get_logger(__name__)


def install_slack(app: web.Application, *, notifier: Notifier | None = None,
                  client: AsyncWebClient | None = None) -> None:
    """Build the Slack side: the shared Web API client, the outbox, the alert notifier (unless `notifier` is
    given), the bolt app and its route."""
    settings, clock = app[SETTINGS], app[CLOCK]
    app[SLACK_CLIENT] = client or web_client(settings)
    app[SLACK_OUTBOX] = Outbox(app[SLACK_CLIENT], clock, metrics=app.get(METRICS))
    app[SLACK_TASKS] = set()
    app[NOTIFIER] = notifier or _notifier(app)
    app[SLACK_BOLT] = build_bolt(app)
    if settings.slack_signing_secret:
        app.router.add_post("/slack/events", events)
    if settings.slack_app_token:
        app.cleanup_ctx.append(socket_mode)


def _notifier(app: web.Application) -> Notifier:
    settings = app[SETTINGS]
    if settings.slack_alert_channel and app[SLACK_CLIENT].token:
        return SlackNotifier(app[SLACK_OUTBOX], settings.slack_alert_channel, app[CLOCK],
                             link_ttl=settings.reauth_link_ttl)
    log.info("slack.alerts_logged_only", reason="SLACK_BOT_TOKEN and SLACK_ALERT_CHANNEL are both needed to post")
    return LogNotifier()


async def events(request: web.Request) -> web.Response:
    bolt = request.app[SLACK_BOLT]
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))


async def slack_alerts(app: web.Application) -> AsyncIterator[None]:
    client, outbox = app[SLACK_CLIENT], app[SLACK_OUTBOX]
    session = None
    if client.session is None or client.session.closed:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        client.session = session
    outbox.start(app[STORE].alerts, send=bool(client.token))
    yield
    tasks = list(app[SLACK_TASKS])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await outbox.stop()
    if session is not None:
        client.session = None
        await session.close()


async def socket_mode(app: web.Application) -> AsyncIterator[None]:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app[SLACK_BOLT], app[SETTINGS].slack_app_token, web_client=app[SLACK_CLIENT])
    task = asyncio.create_task(_connect(handler, app[CLOCK]), name="slack-socket-mode")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await handler.close_async()


async def _connect(handler, clock) -> None:
    """Connect over Socket Mode, retrying while Slack is unreachable (syncing goes on meanwhile)."""
    attempt = 0
    while True:
        try:
            await handler.connect_async()
            log.info("slack.socket_mode_connected")
            return
        except asyncio.CancelledError:
            raise
        except Exception as err:
            attempt += 1
            delay = min(300, 5 * 2 ** (attempt - 1))
            log.warning("slack.socket_mode_failed", error=f"{type(err).__name__}: {err}"[:200], retry_in=delay)
            await clock.sleep(delay)

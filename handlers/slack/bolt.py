"""The slack-bolt app: signature verification, the `/xero` command and the buttons, on one shared Web API client.

Bolt verifies every request's signature (401 otherwise). Authorization is a function rather than bolt's
`auth.test` call, so acknowledging a command never waits on Slack, and the daemon runs with only a signing
secret (no bot token: commands work, alerts are logged instead of posted).
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (AsyncConnectionErrorRetryHandler,
                                                         AsyncRateLimitErrorRetryHandler,
                                                         AsyncServerErrorRetryHandler)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from daemon.core.keys import CLOCK, METRICS, SERVICE, SETTINGS, SLACK_CLIENT, SLACK_TASKS
from daemon.core.settings import Settings
from handlers.slack import actions, commands
from daemon.slack.blocks import CANCEL_DELETE_ACTION, DELETE_ACTION, RETRY_ACTION

COMMAND = re.compile(r"^/xero[\w-]*$")  # /xero, or a deployment's variant such as /xero-staging


def retry_handlers(interval: BackoffRetryIntervalCalculator | None = None) -> list[AsyncRetryHandler]:
    """slack_sdk's own retries: dropped connections, 429 (waits Retry-After), 500/503. The outbox retries
    whatever still fails, on the daemon's clock."""
    interval = interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval)]


def web_client(settings: Settings, *, handlers: list[AsyncRetryHandler] | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15,
                          retry_handlers=retry_handlers() if handlers is None else handlers)


def build_bolt(app: web.Application) -> AsyncApp:
    settings = app[SETTINGS]
    token = settings.slack_bot_token

    async def authorize(enterprise_id, team_id, user_id) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=token)

    bolt = AsyncApp(name="xero-syncd", signing_secret=settings.slack_signing_secret or "", logger=_bolt_logger(),
                    client=app[SLACK_CLIENT], authorize=authorize, request_verification_enabled=True)
    _register(bolt, app)
    return bolt


def _bolt_logger() -> logging.Logger:
    """Bolt's own logger, minus its start-up warnings that the bot token "will be ignored" / "will be unused"
    (bolt reads SLACK_BOT_TOKEN from the environment too): with `authorize` and our client it needs no token,
    but the alerts do use it."""
    logger = logging.getLogger("xero_syncd.slack_bolt")
    if not logger.filters:
        logger.addFilter(lambda record: not any(
            phrase in record.getMessage() for phrase in ("will be ignored", "`token` will be unused")))
    return logger


def _register(bolt: AsyncApp, app: web.Application) -> None:
    def ctx(user: str) -> commands.Ctx:
        return commands.Ctx(app[SERVICE], app[SETTINGS], app[CLOCK], user, app.get(METRICS))

    # The acknowledgement is sent from listener middleware, before bolt starts the listener. Bolt (with
    # process_before_response=False, as HTTP needs) runs the listener as a task and then polls every 10 ms for its
    # ack(); acked already, it answers Slack at once (bench/slack_load.py: ack() to response sent went from a median
    # of 8-13 ms to 0.1 ms, and a burst no longer leaves 200 polling timers on the loop).
    async def ack_first(ack, command, context, next) -> None:  # noqa: A002 (bolt injects arguments by name)
        context["xero_command"] = await commands.acknowledge(ctx(command.get("user_id", "")), command, ack)
        await next()

    @bolt.command(COMMAND, middleware=[ack_first])
    async def xero(command, context, respond) -> None:
        if context.get("xero_command"):
            run, args = context["xero_command"]
            await commands.handle(ctx(command.get("user_id", "")), run, args, respond, app[SLACK_TASKS])

    def listener(handler):
        async def on_action(ack, body, action, respond) -> None:
            user = (body.get("user") or {}).get("id", "")
            await handler(ctx(user), action, ack, respond, app[SLACK_TASKS])
        return on_action

    bolt.action(RETRY_ACTION)(listener(actions.retry))
    bolt.action(DELETE_ACTION)(listener(actions.confirm_delete))
    bolt.action(CANCEL_DELETE_ACTION)(listener(actions.cancel_delete))
    for action_id in actions.URL_ACTIONS:
        bolt.action(action_id)(listener(actions.link_clicked))

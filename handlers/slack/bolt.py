"""The slack-bolt app: the `/xero` command and the buttons. Requests reach it through `handlers/slack/door.py`
(signature and shape checked there), or over Socket Mode. `SlashCommands` answers `/xero`: bolt calls it for a
command over Socket Mode, the door calls it directly for one over HTTP.

Authorization is a function rather than bolt's
`auth.test` call, so acknowledging a command never waits on Slack, and the daemon runs with only a signing
secret (no bot token: commands work, alerts are logged instead of posted). The work after an acknowledgement is
started through the app's task group, so shutdown cancels it and tests can wait for it to settle.
"""

from __future__ import annotations

import logging
import re

import aiohttp
import orjson

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from daemon.slack.blocks import CANCEL_DELETE_ACTION, DELETE_ACTION, ENABLE_ACTION, RETRY_ACTION, SYNC_ACTION
from daemon.slack.wording.home import HOME_ACTIONS, RESET_MODAL
from handlers.slack import actions, commands, home

COMMAND = re.compile(r"^/xero[\w-]*$")  # /xero, or a deployment's variant such as /xero-staging


class SlashCommands:
    """`/xero`: acknowledged at once (`commands.acknowledge`, with bolt's `ack`), the work after the
    acknowledgement started through the app's task group, its reply posted to the command's response_url.

    The door (handlers/slack/door.py) calls `answer` for a command that came over HTTP, after checking its
    signature and parsing it, rather than handing it to bolt's dispatch: for a command that adds nothing (our
    `authorize` is a function, the self-event and URL-verification middleware are for events) and was the largest
    part of an acknowledgement's cost: 200 concurrent `/xero status` on an idle daemon were acknowledged in 66-78 ms
    through bolt, 50-64 ms without it (bench/slack_load.py). Bolt calls `answer` from listener middleware for a
    command over Socket Mode, so both ways run the same code."""

    def __init__(self, client: AsyncWebClient, make_ctx) -> None:
        self._client = client
        self._make_ctx = make_ctx

    def handles(self, body: dict) -> bool:
        """Is this `/xero` (or a deployment's variant)? Anything else is bolt's to answer (404: no listener)."""
        command = body.get("command")
        return isinstance(command, str) and COMMAND.match(command) is not None

    async def answer(self, command: dict, ack: AsyncAck | None = None) -> BoltResponse:
        """The acknowledgement, as bolt would send it; the work after it started."""
        ack = ack or AsyncAck()
        ctx = self._make_ctx(command.get("user_id", ""), command.get("channel_id") or "")
        chosen = await commands.acknowledge(ctx, command, ack)
        if chosen is not None:
            ctx.tasks.start(commands.handle(ctx, chosen, _respond(command.get("response_url"), self._client)),
                            name=f"slack:{chosen.command.name}")
        return ack.response


def build_bolt(client: AsyncWebClient, signing_secret: str | None, make_ctx, slash: SlashCommands) -> AsyncApp:
    """The bolt app, on the app's one Web API client; `make_ctx(user)` gives a handler what it needs, `slash`
    answers the `/xero` command."""
    token = client.token

    async def authorize(enterprise_id, team_id, user_id) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=token)

    bolt = AsyncApp(name="xero-syncd", signing_secret=signing_secret or "",
                    logger=_bolt_logger(), client=client, authorize=authorize,
                    request_verification_enabled=False)  # the door checks every signature, first
    _register(bolt, make_ctx, client, slash)
    return bolt


class Respond:
    """Bolt's `respond()` (the reply to a command or a button, posted to its response_url), on the Web API
    client's session. Bolt's own opens a session, and so a connection, for every reply, and slack_sdk's webhook
    client reads the proxy settings from the environment for each: a burst of 200 `/xero status` spent a third of
    its loop time there (bench/slack_load.py under py-spy). A connection that Slack closed while it idled in the
    pool is tried once more on a new one, as slack_sdk's default retry handler did."""

    def __init__(self, response_url: str, client: AsyncWebClient) -> None:
        self.response_url = response_url
        self._client = client

    async def __call__(self, **message) -> int:
        body = orjson.dumps({key: value for key, value in message.items() if value is not None})
        session = self._client.session  # set while the app runs (daemon/app.py)
        if session is None or session.closed:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._client.timeout)) as own:
                return await self._post(own, body)
        try:
            return await self._post(session, body)
        except aiohttp.ServerDisconnectedError:
            return await self._post(session, body)

    async def _post(self, session: aiohttp.ClientSession, body: bytes) -> int:
        async with session.post(self.response_url, data=body, headers=_JSON) as resp:
            await resp.read()
            resp.raise_for_status()  # logged by the caller without the URL (a credential)
            return resp.status


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _respond(url: str | None, client: AsyncWebClient) -> Respond | None:
    """A request's `respond` on the client's session (None where the request has no allowed response_url)."""
    return Respond(url, client) if url else None


def _bolt_logger() -> logging.Logger:
    """Bolt's own logger, minus its start-up warnings that the bot token "will be ignored" / "will be unused"
    (bolt reads SLACK_BOT_TOKEN from the environment too): with `authorize` and our client it needs no token,
    but the alerts do use it."""
    logger = logging.getLogger("xero_syncd.slack_bolt")
    if not logger.filters:
        logger.addFilter(lambda record: not any(
            phrase in record.getMessage() for phrase in ("will be ignored", "`token` will be unused")))
    return logger


def _register(bolt: AsyncApp, make_ctx, client: AsyncWebClient, slash: SlashCommands) -> None:
    # A command (over Socket Mode) is acknowledged in listener middleware, which returns the acknowledgement as
    # bolt's answer without calling next(): bolt then answers Slack at once and never starts the listener. (Bolt,
    # with process_before_response False as HTTP needs, runs a listener as a task and polls every 10 ms for its
    # ack(): a median of 8-13 ms from ack() to the answer sent, and 200 polling timers on the loop in a burst;
    # acking in middleware that did call next() still cost a listener task a command.)
    async def ack_first(ack, command, next) -> BoltResponse | None:  # noqa: A002 (bolt injects by name)
        return await slash.answer(command, ack)

    @bolt.command(COMMAND, middleware=[ack_first])
    async def xero() -> None:
        """Never run: `ack_first` answers every command (bolt registers listener middleware with a listener)."""

    def listener(handler):
        async def on_action(ack, body, action, respond) -> None:
            await ack()
            ctx = make_ctx((body.get("user") or {}).get("id", ""))
            ctx.tasks.start(handler(ctx, action, _respond(getattr(respond, "response_url", None), client)),
                            name=f"slack:{action.get('action_id')}")
        return on_action

    bolt.action(RETRY_ACTION)(listener(actions.retry))
    bolt.action(SYNC_ACTION)(listener(actions.sync_now))
    bolt.action(ENABLE_ACTION)(listener(actions.enable))
    bolt.action(DELETE_ACTION)(listener(actions.confirm_delete))
    bolt.action(CANCEL_DELETE_ACTION)(listener(actions.cancel_delete))
    for action_id in actions.URL_ACTIONS:
        bolt.action(action_id)(listener(actions.link_clicked))

    # The Home tab: published when opened; its buttons; the Reset modal (validated before its ack, which is how a
    # modal shows an error next to the field).
    @bolt.event("app_home_opened")
    async def home_opened(event) -> None:
        ctx = make_ctx(event.get("user", ""))
        ctx.tasks.start(home.opened(ctx, event), name="slack:home_opened")

    async def on_home_action(ack, body, action) -> None:
        await ack()
        ctx = make_ctx((body.get("user") or {}).get("id", ""))
        ctx.tasks.start(home.pressed(ctx, action, body), name=f"slack:{action.get('action_id')}")

    for action_id in HOME_ACTIONS:
        bolt.action(action_id)(on_home_action)

    @bolt.view(RESET_MODAL)
    async def reset_submitted(ack, body, view) -> None:
        await home.reset_submitted(make_ctx((body.get("user") or {}).get("id", "")), view, ack)

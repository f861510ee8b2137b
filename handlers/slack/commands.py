"""The `/xero` slash command: parse, authorise, read what the words name, acknowledge, then do the work and
answer via response_url.

The acknowledgement is the answer whenever it can be: help, refusals, and words that name no org, several orgs,
or something that is not an entity, a date or a count. Only a command whose org is known is acknowledged with
"working on it" and answered through `respond()` after the slow part, so Slack never waits on Xero. Reading what
the words name is one query on the store; if the store is slow the acknowledgement does not wait for it
(`ACK_BUDGET`) and the words are read after. `acknowledge` runs in bolt's listener middleware, which starts
`handle` through the app's task group (handlers/slack/bolt.py says why).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

import structlog

from clock import Clock
from daemon.core.errors import CommandError
from daemon.core.foreground import Foreground
from daemon.core.metrics import Metrics
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup
from daemon.slack.blocks import Reply
from daemon.slack.client import membership
from daemon.slack.wording import replies, status
from daemon.slack.wording import subscriptions as subs
from daemon.sync.matching import Target

if TYPE_CHECKING:
    from daemon.sync.service import SyncService

log = structlog.get_logger(__name__)

ACK_BUDGET = 1.5  # seconds the acknowledgement may wait for the store (Slack gives up after 3)
HISTORY_RUNS = 10  # `/xero history` without a count


@dataclass
class Ctx:
    """What a command needs: the service, settings, clock, task group and metrics from the app, and who asked."""

    service: "SyncService"
    settings: Settings
    clock: Clock
    tasks: TaskGroup
    metrics: Metrics | None
    user: str
    home: Any = None  # handlers/slack/home.py HomeTab (None without a bot token)
    channel: str = ""  # where the command was typed
    slack: Any = None  # the Slack Web API client (to check the bot is in a channel)
    foreground: Foreground | None = None  # the replies wait for the acknowledgements in progress

    def count(self, command: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.slack_command(command, outcome)


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    admin: bool
    run: Callable[[Ctx, Target | None], Awaitable[Reply]]
    takes: dict[str, bool] | None = field(default_factory=dict)  # what follows the org (None: no org at all)
    ack: Callable[[Target], str] | None = None  # said at once, before slow work

    @property
    def names_org(self) -> bool:
        return self.takes is not None


def is_admin(settings, user: str) -> bool:
    return not settings.slack_admin_users or user in settings.slack_admin_users


# -- the commands ----------------------------------------------------------------------------------------------
async def _help(ctx: Ctx, target: Target | None) -> Reply:
    return replies.help_reply(COMMANDS.values())


async def _auth(ctx: Ctx, target: Target | None) -> Reply:
    return replies.auth_reply(ctx.service.connect_link(ctx.user))


async def _test(ctx: Ctx, target: Target) -> Reply:
    results = await ctx.service.test(orgs=target.orgs)
    links = {r.org.tenant_id: ctx.service.reauth_link(r.org.tenant_id) for r in results
             if r.needs_person or r.missing}
    return status.test_reply(results, links)


async def _sync(ctx: Ctx, target: Target) -> Reply:
    if target.every:
        reports, left_out = await ctx.service.sync_all(user=ctx.user, entity=target.entity)
        return replies.sync_all_reply(reports, left_out)
    report = await ctx.service.sync(target.org.tenant_id, user=ctx.user, entity=target.entity)
    link = ctx.service.reauth_link(report.org.tenant_id) if report.run.outcome == "auth_failed" else None
    return replies.sync_reply(report, link)


async def _status(ctx: Ctx, target: Target) -> Reply:
    statuses = await ctx.service.status(orgs=target.orgs)
    links = {s.org.tenant_id: ctx.service.reauth_link(s.org.tenant_id) for s in statuses
             if s.org.needs_reauth or s.missing}
    return _rendered.reply(statuses, ctx.clock.time(), links)


class _Rendered:
    """The last status reply rendered. Commands that shared one status build (SyncService.status) within the same
    second get the same reply, rendered once: 200 renderings of a burst's one build were a tenth of its loop time."""

    def __init__(self) -> None:
        self._last: tuple[list, int, dict, Reply] | None = None

    def reply(self, statuses: list, now: float, links: dict) -> Reply:
        last = self._last
        if last is not None and last[0] is statuses and last[1] == int(now) and last[2] == links:
            return last[3]
        reply = status.status_reply(statuses, now, links)
        self._last = (statuses, int(now), links, reply)
        return reply


_rendered = _Rendered()


async def _history(ctx: Ctx, target: Target) -> Reply:
    org, runs = await ctx.service.history(target.org.tenant_id, target.count or HISTORY_RUNS)
    return replies.history_reply(org, runs)


async def _reset(ctx: Ctx, target: Target) -> Reply:
    report = await ctx.service.reset(target.org.tenant_id, target.day, user=ctx.user, entity=target.entity)
    return replies.reset_reply(report)


async def _disable(ctx: Ctx, target: Target) -> Reply:
    return replies.enabled_reply(await ctx.service.set_enabled(target.org.tenant_id, False, user=ctx.user))


async def _enable(ctx: Ctx, target: Target) -> Reply:
    return replies.enabled_reply(await ctx.service.set_enabled(target.org.tenant_id, True, user=ctx.user))


async def _delete(ctx: Ctx, target: Target) -> Reply:
    return replies.delete_confirm(target.org)


def _channel(ctx: Ctx) -> str:
    if not ctx.channel:
        raise CommandError("I can't tell which channel this was typed in; type it in the channel itself.")
    return ctx.channel


async def _subscribe(ctx: Ctx, target: Target) -> Reply:
    """The bot must be in the channel to post there: where Slack says it is not, nothing is stored."""
    _channel(ctx)
    if ctx.slack is None or not ctx.slack.token:
        return subs.no_bot_token()
    member, bot = await membership(ctx.slack, ctx.channel)
    if member is False:
        log.info("slack.subscribe_not_in_channel", channel=ctx.channel, user=ctx.user)
        return subs.not_in_channel(bot)
    done = await ctx.service.subscribe(ctx.channel, target, user=ctx.user)
    return subs.subscribed(done, unchecked=bot if member is None else None)


async def _unsubscribe(ctx: Ctx, target: Target) -> Reply:
    return subs.unsubscribed(await ctx.service.unsubscribe(_channel(ctx), target, user=ctx.user))


async def _subscriptions(ctx: Ctx, target: Target | None) -> Reply:
    return subs.channel_alerts(await ctx.service.subscriptions(_channel(ctx)))


COMMANDS = {c.name: c for c in [
    Command("help", "help", "this list", False, _help, takes=None),
    Command("auth", "auth", "connect Xero organisations (a sign-in button, for you only)", True, _auth, takes=None),
    Command("test", "test [org]", "test the connection: reachable, scopes, API budget left", False, _test,
            {"many": True}, lambda t: replies.testing(t.orgs)),
    Command("sync", "sync [org|all] [entity]", "sync now (everything, or one entity; `all`: every organisation) and "
            "report what changed", True, _sync, {"entity": True, "every": True},
            lambda t: replies.sync_all_started(sum(not o.needs_reauth for o in t.orgs), t.entity) if t.every
            else replies.sync_started(t.org, t.entity)),
    Command("status", "status [org]", "connection, last syncs, SYNC FROM DATE, records held, progress", False,
            _status, {"many": True}),
    Command("history", "history [org] [N]", f"the last N syncs (default {HISTORY_RUNS}): who, outcome, changes",
            False, _history, {"count": True}),
    Command("reset", "reset [org] [entity] [YYYY-MM-DD]",
            "set SYNC FROM DATE: re-read everything changed since a date (no date: the whole history)", True,
            _reset, {"entity": True, "day": True}),
    Command("disable", "disable [org]", "stop the automatic hourly sync", True, _disable),
    Command("enable", "enable [org]", "resume the automatic hourly sync", True, _enable),
    Command("delete", "delete [org]", "disconnect an organisation and delete its data (asks first)", True, _delete),
    Command("subscribe", "subscribe [org|all] [kinds]", "route alerts to this channel: failures, auth, syncs, "
            "changes, daily (no kind: failures and auth; no org: all)", True, _subscribe, {"alerts": True}),
    Command("unsubscribe", "unsubscribe [org|all] [kinds]", "stop alerts in this channel (no kind: every kind; no "
            "org: whatever org)", True, _unsubscribe, {"alerts": True}),
    Command("subscriptions", "subscriptions", "what alerts this channel receives", False, _subscriptions,
            takes=None),
]}


def split(text: str | None) -> tuple[str, str]:
    name, _, rest = (text or "").strip().partition(" ")
    return name.lower(), rest.strip()


# -- the listener ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chosen:
    """A command acknowledged and still to run: its target, or the words to read (the store was slow)."""

    command: Command
    target: Target | None
    words: str


async def acknowledge(ctx: Ctx, body: dict, ack) -> Chosen | None:
    """Acknowledge at once. Help, refusals and words naming nothing (or too much) are the acknowledgement itself
    (None: nothing left to do); otherwise the command to run after it."""
    name, words = split(body.get("text"))
    command = COMMANDS.get(name)
    log.info("slack.command", command=name or "help", user=ctx.user, known=command is not None)
    if command is None or command.name == "help":
        await ack(**replies.help_reply(COMMANDS.values(), unknown=name if command is None and name else None)
                  .kwargs())
        ctx.count("help", "ok" if command or not name else "unknown")
        return None
    if command.admin and not is_admin(ctx.settings, ctx.user):
        log.info("slack.command_refused", command=name, user=ctx.user)
        await ack(**replies.refusal(name, ctx.settings.slack_admin_users).kwargs())
        ctx.count(name, "refused")
        return None
    target = None
    if command.names_org:
        try:
            async with asyncio.timeout(ACK_BUDGET):
                target = await ctx.service.target(words, **command.takes)
        except CommandError as err:
            await ack(**replies.error(str(err)).kwargs())
            ctx.count(name, "bad_input")
            return None
        except TimeoutError:  # the store is slow: acknowledge now, read the words after
            log.warning("slack.ack_without_target", command=name)
            await ack(**replies.working().kwargs())
            return Chosen(command, None, words)
        except Exception:
            log.exception("slack.command_failed", command=name)
            await ack(**replies.apology().kwargs())
            ctx.count(name, "error")
            return None
    await (ack(text=command.ack(target)) if command.ack and target else ack())
    return Chosen(command, target, words)


async def handle(ctx: Ctx, chosen: Chosen, respond) -> None:
    """After the acknowledgement: run the command and answer through `respond()`."""
    command = chosen.command

    async def work() -> Reply:
        if ctx.foreground is not None:
            await ctx.foreground.quiet()
        target = chosen.target
        if target is None and command.names_org:
            target = await ctx.service.target(chosen.words, **command.takes)
        return await command.run(ctx, target)

    outcome: list[str] = []
    reply = await answer(work, what=command.name, outcome=outcome)
    ctx.count(command.name, outcome[0] if outcome else "ok")
    await send(respond, reply)


async def answer(work: Callable[[], Awaitable[Reply]], *, what: str, outcome: list[str] | None = None) -> Reply:
    """Run the slow part; a CommandError is shown as is, anything else apologised for. `outcome` (when given)
    receives "bad_input" or "error" for those two endings."""
    try:
        return await work()
    except CommandError as err:
        if outcome is not None:
            outcome.append("bad_input")
        return replies.error(str(err))
    except Exception:
        log.exception("slack.command_failed", command=what)
        if outcome is not None:
            outcome.append("error")
        return replies.apology()


async def send(respond, reply: Reply, **extra) -> None:
    if respond is None:  # the request's response_url was refused at the door (handlers/slack/door.py)
        log.info("slack.reply_not_sent", reason="no allowed response_url")
        return
    try:
        await respond(**reply.kwargs(), response_type="ephemeral", **extra)
    except Exception as err:  # Slack unreachable: nothing more we can tell the user (the error may hold the
        log.warning("slack.respond_failed", error=type(err).__name__)  # response_url, a credential: not logged)

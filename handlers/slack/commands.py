"""The `/xero` slash command: parse, authorise, acknowledge at once, call the service, answer via response_url.

Help, refusals and unknown words are answered in the acknowledgement itself; everything else acknowledges first
and answers through `respond()`, so Slack never waits on Xero or the database. `acknowledge` runs in bolt's
listener middleware, which starts `handle` through the app's task group (handlers/slack/bolt.py says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Awaitable, Callable

import structlog

from clock import Clock
from daemon.core.errors import CommandError
from daemon.core.metrics import Metrics
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup
from daemon.slack.blocks import Reply
from daemon.slack.wording import replies, status

if TYPE_CHECKING:
    from daemon.sync.service import SyncService

log = structlog.get_logger(__name__)

DATEISH = re.compile(r"\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?|\d{8}")


@dataclass
class Ctx:
    """What a command needs: the service, settings, clock, task group and metrics from the app, and who asked."""

    service: "SyncService"
    settings: Settings
    clock: Clock
    tasks: TaskGroup
    metrics: Metrics | None
    user: str

    def count(self, command: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.slack_command(command, outcome)


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    admin: bool
    run: Callable[[Ctx, str], Awaitable[Reply]]
    ack: str | None = None  # said at once, before slow work


def is_admin(settings, user: str) -> bool:
    return not settings.slack_admin_users or user in settings.slack_admin_users


# -- the commands ----------------------------------------------------------------------------------------------
async def _help(ctx: Ctx, args: str) -> Reply:
    return replies.help_reply(COMMANDS.values())


async def _auth(ctx: Ctx, args: str) -> Reply:
    return replies.auth_reply(ctx.service.connect_link(ctx.user))


async def _test(ctx: Ctx, args: str) -> Reply:
    return status.test_reply(await ctx.service.test(args or None))


async def _sync(ctx: Ctx, args: str) -> Reply:
    report = await ctx.service.sync(args or None)
    link = ctx.service.reauth_link(report.org.tenant_id) if report.run.outcome == "auth_failed" else None
    return replies.sync_reply(report, ctx.clock.time(), link)


async def _status(ctx: Ctx, args: str) -> Reply:
    return status.status_reply(await ctx.service.status(args or None), ctx.clock.time())


async def _reset(ctx: Ctx, args: str) -> Reply:
    query, since = parse_reset(args, ctx.clock.now().date())
    report = await ctx.service.reset(query, since)
    return replies.reset_reply(report.org, report.org.sync_from, running=report.running)


async def _disable(ctx: Ctx, args: str) -> Reply:
    return replies.enabled_reply(await ctx.service.set_enabled(args or None, False))


async def _enable(ctx: Ctx, args: str) -> Reply:
    return replies.enabled_reply(await ctx.service.set_enabled(args or None, True))


async def _delete(ctx: Ctx, args: str) -> Reply:
    return replies.delete_confirm(await ctx.service.one(args or None))


COMMANDS = {c.name: c for c in [
    Command("help", "help", "this list", False, _help),
    Command("auth", "auth", "connect Xero organisations (a sign-in button, for you only)", True, _auth),
    Command("test", "test [org]", "test the connection: reachable, scopes, API budget left", False, _test,
            ":hourglass_flowing_sand: Testing the connection to Xero…"),
    Command("sync", "sync [org]", "sync now and report what changed", True, _sync,
            ":arrows_counterclockwise: Sync started; I'll reply here when it finishes."),
    Command("status", "status [org]", "connection, last syncs, sync-from date, records held", False, _status),
    Command("reset", "reset [org] [YYYY-MM-DD]",
            "re-read everything modified since a date (no date: the whole history)", True, _reset),
    Command("disable", "disable [org]", "stop the automatic hourly sync", True, _disable),
    Command("enable", "enable [org]", "resume the automatic hourly sync", True, _enable),
    Command("delete", "delete [org]", "disconnect an organisation and delete its data (asks first)", True, _delete),
]}


def parse_reset(args: str, today: date) -> tuple[str | None, date | None]:
    """`[org] [YYYY-MM-DD]`: the date is the last word when it looks like one."""
    words = args.split()
    if not words or not DATEISH.fullmatch(words[-1]):
        return args.strip() or None, None
    raw, query = words[-1], " ".join(words[:-1]) or None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        since = date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{raw!r} is not a date I can read. Write it as YYYY-MM-DD, "
                           f"e.g. `/xero reset {query + ' ' if query else ''}2024-07-01`.") from None
    if since > today:
        raise CommandError(f"{raw} is in the future; the sync-from date must be today ({today}) or earlier.")
    return query, since


def split(text: str | None) -> tuple[str, str]:
    name, _, rest = (text or "").strip().partition(" ")
    return name.lower(), rest.strip()


# -- the listener ------------------------------------------------------------------------------------------------
async def acknowledge(ctx: Ctx, body: dict, ack) -> tuple[Command, str] | None:
    """Acknowledge at once, without I/O: help, refusals and unknown words are the acknowledgement itself (None:
    nothing left to do); otherwise the command to run after it, with its arguments."""
    name, args = split(body.get("text"))
    command = COMMANDS.get(name)
    log.info("slack.command", command=name or "help", user=ctx.user, known=command is not None)
    if command is None or command.name == "help":
        await ack(**replies.help_reply(COMMANDS.values(), unknown=name or None).kwargs())
        ctx.count("help", "ok" if command else "unknown")
        return None
    if command.admin and not is_admin(ctx.settings, ctx.user):
        log.info("slack.command_refused", command=name, user=ctx.user)
        await ack(**replies.refusal(name, ctx.settings.slack_admin_users).kwargs())
        ctx.count(name, "refused")
        return None
    await (ack(text=command.ack) if command.ack else ack())
    return command, args


async def handle(ctx: Ctx, command: Command, args: str, respond) -> None:
    """After the acknowledgement: run the command and answer through `respond()`."""
    outcome: list[str] = []
    reply = await answer(lambda: command.run(ctx, args), what=command.name, outcome=outcome)
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

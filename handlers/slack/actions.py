"""Interactive actions: "Retry now" on an alert, "Sync now" and "Enable" on a status card, "Confirm delete" /
"Cancel", and link buttons.

Each is acknowledged by the listener (`handlers/slack/bolt.py`) before it runs here. Slack sends an action even
when a URL button is clicked; without an ack the user sees a warning icon. A button outlives what it was for: one
for an org deleted since says so, and changes nothing.
"""

from __future__ import annotations

import structlog

from daemon.slack.blocks import CONNECT_ACTION, DELETE_ACTION, ENABLE_ACTION, REAUTH_ACTION, RETRY_ACTION, SYNC_ACTION
from daemon.slack.blocks import Reply
from daemon.slack.wording import replies
from handlers.slack.commands import Ctx, answer, is_admin, send

log = structlog.get_logger(__name__)

URL_ACTIONS = (CONNECT_ACTION, REAUTH_ACTION)


async def _org_for(ctx: Ctx, action: dict, respond, command: str):
    """The org the button is for, once the presser is known to be an admin and the org is still connected (None:
    refused or stale, and told so)."""
    tenant_id = action.get("value") or ""
    log.info("slack.action", action=action.get("action_id"), user=ctx.user, tenant_id=tenant_id)
    if not is_admin(ctx.settings, ctx.user):
        await send(respond, replies.refusal(command, ctx.settings.slack_admin_users), replace_original=False)
        return None
    org = await ctx.service.find(tenant_id)
    if org is None:
        await send(respond, replies.stale("the organisation it was for is no longer connected (it was deleted). "
                                          "`/xero status` shows what is."), replace_original=False)
    return org


async def retry(ctx: Ctx, action: dict, respond) -> None:
    """"Retry now": the alert's thread hears who pressed it and how the retry went; the presser hears it too."""
    await _sync(ctx, action, respond, RETRY_ACTION)


async def sync_now(ctx: Ctx, action: dict, respond) -> None:
    await _sync(ctx, action, respond, SYNC_ACTION)


async def _sync(ctx: Ctx, action: dict, respond, what: str) -> None:
    org = await _org_for(ctx, action, respond, "sync")
    if org is None:
        return

    async def work() -> Reply:
        if what == RETRY_ACTION:
            report = await ctx.service.retry(org.tenant_id, ctx.user)
        else:
            report = await ctx.service.sync(org.tenant_id, user=ctx.user)
        link = ctx.service.reauth_link(org.tenant_id) if report.run.outcome == "auth_failed" else None
        return replies.sync_reply(report, link)

    await send(respond, replies.note(replies.sync_started(org, None)), replace_original=False)
    await send(respond, await answer(work, what=what), replace_original=False)


async def enable(ctx: Ctx, action: dict, respond) -> None:
    org = await _org_for(ctx, action, respond, "enable")
    if org is None:
        return

    async def work() -> Reply:
        return replies.enabled_reply(await ctx.service.set_enabled(org.tenant_id, True, user=ctx.user))

    await send(respond, await answer(work, what=ENABLE_ACTION), replace_original=False)


async def confirm_delete(ctx: Ctx, action: dict, respond) -> None:
    org = await _org_for(ctx, action, respond, "delete")
    if org is None:
        return

    async def work() -> Reply:
        gone, problems = await ctx.service.delete(org.tenant_id, user=ctx.user)
        return replies.deleted(gone, problems)

    await send(respond, await answer(work, what=DELETE_ACTION), replace_original=True)


async def cancel_delete(ctx: Ctx, action: dict, respond) -> None:
    await send(respond, replies.note("Cancelled: nothing was deleted."), replace_original=True)


async def link_clicked(ctx: Ctx, action: dict, respond) -> None:
    log.info("slack.link_opened", action=action.get("action_id"), user=ctx.user)

"""Interactive actions: "Retry now" on an alert, "Confirm delete" / "Cancel", and link buttons.

Each is acknowledged by the listener (`handlers/slack/bolt.py`) before it runs here. Slack sends an action even
when a URL button is clicked; without an ack the user sees a warning icon.
"""

from __future__ import annotations

import structlog

from daemon.slack.blocks import (
    CONNECT_ACTION,
    DELETE_ACTION,
    REAUTH_ACTION,
    RETRY_ACTION,
    Reply,
)
from daemon.slack.wording import replies
from handlers.slack.commands import Ctx, answer, is_admin, send

log = structlog.get_logger(__name__)

URL_ACTIONS = (CONNECT_ACTION, REAUTH_ACTION)


async def _admin_only(ctx: Ctx, action: dict, respond, command: str) -> str | None:
    """The org the button is for, once the presser is known to be an admin (None: refused, and told so)."""
    tenant_id = action.get("value") or ""
    log.info("slack.action", action=action.get("action_id"), user=ctx.user, tenant_id=tenant_id)
    if not is_admin(ctx.settings, ctx.user):
        await send(respond, replies.refusal(command, ctx.settings.slack_admin_users), replace_original=False)
        return None
    return tenant_id


async def retry(ctx: Ctx, action: dict, respond) -> None:
    tenant_id = await _admin_only(ctx, action, respond, "sync")
    if tenant_id is None:
        return
    await send(respond, replies.note(":arrows_counterclockwise: Retrying now; I'll tell you how it went."),
               replace_original=False)

    async def work() -> Reply:
        report = await ctx.service.sync(tenant_id)
        return replies.sync_reply(report, ctx.clock.time())

    await send(respond, await answer(work, what=RETRY_ACTION), replace_original=False)


async def confirm_delete(ctx: Ctx, action: dict, respond) -> None:
    tenant_id = await _admin_only(ctx, action, respond, "delete")
    if tenant_id is None:
        return

    async def work() -> Reply:
        org, problems = await ctx.service.delete(tenant_id)
        return replies.deleted(org, problems)

    await send(respond, await answer(work, what=DELETE_ACTION), replace_original=True)


async def cancel_delete(ctx: Ctx, action: dict, respond) -> None:
    await send(respond, replies.note("Cancelled: nothing was deleted."), replace_original=True)


async def link_clicked(ctx: Ctx, action: dict, respond) -> None:
    log.info("slack.link_opened", action=action.get("action_id"), user=ctx.user)

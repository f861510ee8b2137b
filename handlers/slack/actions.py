"""Interactive actions: "Retry now" on an alert, "Confirm delete" / "Cancel", and an ack for link buttons.

Slack sends an action even when a URL button is clicked; without an ack the user sees a warning icon.
"""

from __future__ import annotations

import structlog

from daemon.slack import messages as views
from handlers.slack.commands import Ctx, answer, is_admin, send
from daemon.slack.blocks import CONNECT_ACTION, DELETE_ACTION, REAUTH_ACTION, RETRY_ACTION, Reply

log = structlog.get_logger(__name__)

URL_ACTIONS = (CONNECT_ACTION, REAUTH_ACTION)


async def retry(ctx: Ctx, action: dict, ack, respond, tasks: set) -> None:
    await ack()
    tenant_id = action.get("value") or ""
    log.info("slack.action", action=RETRY_ACTION, user=ctx.user, tenant_id=tenant_id)
    if not is_admin(ctx.settings, ctx.user):
        await send(respond, views.refusal("sync", ctx.settings.slack_admin_users), replace_original=False)
        return
    await send(respond, views.note(":arrows_counterclockwise: Retrying now; I'll tell you how it went."),
               replace_original=False)

    async def work() -> Reply:
        report = await ctx.service.sync(tenant_id)
        return views.sync_reply(report, ctx.clock.time())

    await send(respond, await answer(work, tasks, what=RETRY_ACTION), replace_original=False)


async def confirm_delete(ctx: Ctx, action: dict, ack, respond, tasks: set) -> None:
    await ack()
    tenant_id = action.get("value") or ""
    log.info("slack.action", action=DELETE_ACTION, user=ctx.user, tenant_id=tenant_id)
    if not is_admin(ctx.settings, ctx.user):
        await send(respond, views.refusal("delete", ctx.settings.slack_admin_users), replace_original=False)
        return

    async def work() -> Reply:
        org, problems = await ctx.service.delete(tenant_id)
        return views.deleted(org, problems)

    await send(respond, await answer(work, tasks, what=DELETE_ACTION), replace_original=True)


async def cancel_delete(ctx: Ctx, action: dict, ack, respond, tasks: set) -> None:
    await ack()
    await send(respond, views.note("Cancelled: nothing was deleted."), replace_original=True)


async def link_clicked(ctx: Ctx, action: dict, ack, respond, tasks: set) -> None:
    await ack()
    log.info("slack.link_opened", action=action.get("action_id"), user=ctx.user)

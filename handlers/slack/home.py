"""The app's Home tab: published when someone opens it, republished for everyone who has it when an org's state
changes (a sync ends, a reset, a reconnect, an enable or disable, a delete), and its buttons and Reset modal.

Home buttons have no response_url: the outcome of a person's last action is shown at the top of their tab. Each
button leads to the same service operation as its command; admins see the buttons, everyone else the page. A
change is republished once per burst (DEBOUNCE on the clock), one view at a time, so a cycle of many syncs costs
Slack a few calls, not one per org per viewer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import structlog

from clock import Clock
from daemon.core.errors import CommandError
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup
from daemon.core.zones import zone_of
from daemon.slack.blocks import Reply, escape
from daemon.slack.wording import replies, status
from daemon.slack.wording.home import (HOME_DELETE, HOME_DISABLE, HOME_ENABLE, HOME_RESET, HOME_SYNC, HOME_TEST,
                                       home_view, reset_modal)
from handlers.slack.commands import Ctx, answer, is_admin

if TYPE_CHECKING:
    from daemon.sync.service import SyncService

log = structlog.get_logger(__name__)

DEBOUNCE = 3.0  # seconds a burst of changes is gathered before the tabs are republished


class HomeTab:
    def __init__(self, service: "SyncService", client, settings: Settings, clock: Clock, tasks: TaskGroup) -> None:
        self._service = service
        self._client = client
        self._settings = settings
        self._clock = clock
        self._tasks = tasks
        self._banners: dict[str, str] = {}  # user -> the outcome of their last action, shown at the top
        self._pending = False

    async def publish(self, user: str) -> None:
        """Draw `user`'s tab now (never raises: a failure is logged)."""
        try:
            admin = is_admin(self._settings, user)
            page = await self._service.home(user, admin=admin)
            view = home_view(page, self._clock.time(), admin=admin, banner=self._banners.get(user))
            await self._client.views_publish(user_id=user, view=view)
        except Exception as err:  # Slack or the store: the tab is redrawn at the next change or opening
            log.warning("slack.home_publish_failed", user=user, error=type(err).__name__)

    async def open_modal(self, trigger_id: str, view: dict) -> None:
        await self._client.views_open(trigger_id=trigger_id, view=view)

    def told(self, user: str, reply: Reply) -> None:
        """What the person's last action came to: shown at the top of their tab."""
        self._banners[user] = reply.text

    def changed(self) -> None:
        """Something the tab shows changed: republish everyone's tab, once per burst."""
        if not self._pending:
            self._pending = True
            self._tasks.start(self._refresh(), name="slack-home-refresh")

    async def _refresh(self) -> None:
        await self._clock.sleep(DEBOUNCE)
        self._pending = False
        try:
            viewers = await self._service.home_viewers()
        except Exception:
            log.exception("slack.home_refresh_failed")
            return
        for user in viewers:
            await self.publish(user)

    # -- the notifier's news: each is a change the tab shows ----------------------------------------------------
    async def sync_failed(self, org, run, **_) -> None:
        self.changed()

    async def sync_succeeded(self, org, run) -> None:
        self.changed()

    async def authorization_lost(self, org, error, **_) -> None:
        self.changed()

    async def orgs_connected(self, new, reconnected, by) -> None:
        self.changed()

    async def audit(self, event) -> None:
        self.changed()


# -- the listeners -----------------------------------------------------------------------------------------------
async def opened(ctx: Ctx, event: dict) -> None:
    if event.get("tab", "home") != "home" or ctx.home is None:
        return
    await ctx.service.home_opened(ctx.user)
    await ctx.home.publish(ctx.user)


async def pressed(ctx: Ctx, action: dict, body: dict) -> None:
    """A Home button: the same operation as its command; the outcome at the top of the presser's tab."""
    name, tenant_id = action.get("action_id"), action.get("value") or ""
    log.info("slack.home_action", action=name, user=ctx.user, tenant_id=tenant_id)
    if ctx.home is None:
        return
    if not is_admin(ctx.settings, ctx.user):
        ctx.home.told(ctx.user, replies.refusal(_COMMANDS.get(name, "sync"), ctx.settings.slack_admin_users))
        await ctx.home.publish(ctx.user)
        return
    org = await ctx.service.find(tenant_id)
    if org is None:
        ctx.home.told(ctx.user, replies.stale("the organisation it was for is no longer connected (it was deleted)."))
        await ctx.home.publish(ctx.user)
        return
    if name == HOME_RESET:
        await _open_reset(ctx, org, body.get("trigger_id"))
        return
    if name == HOME_SYNC:
        ctx.home.told(ctx.user, replies.note(f":arrows_counterclockwise: Syncing *{escape(org.name)}* now…"))
        await ctx.home.publish(ctx.user)
    ctx.home.told(ctx.user, await answer(lambda: _run(ctx, name, org), what=str(name)))
    await ctx.home.publish(ctx.user)


_COMMANDS = {HOME_SYNC: "sync", HOME_TEST: "test", HOME_RESET: "reset", HOME_DISABLE: "disable",
             HOME_ENABLE: "enable", HOME_DELETE: "delete"}


async def _run(ctx: Ctx, name: str, org) -> Reply:
    service, tenant = ctx.service, org.tenant_id
    if name == HOME_SYNC:
        report = await service.sync(tenant, user=ctx.user)
        return replies.sync_reply(report)
    if name == HOME_TEST:
        return status.test_reply(await service.test(orgs=[org]))
    if name in (HOME_DISABLE, HOME_ENABLE):
        return replies.enabled_reply(await service.set_enabled(tenant, name == HOME_ENABLE, user=ctx.user))
    if name == HOME_DELETE:
        gone, problems = await service.delete(tenant, user=ctx.user)
        return replies.deleted(gone, problems)
    raise CommandError(f"Unknown button {name!r}.")


async def _open_reset(ctx: Ctx, org, trigger_id: str | None) -> None:
    today = datetime.fromtimestamp(ctx.clock.time(), zone_of(org.timezone)).date()
    view = reset_modal(org, today=today, entities=list(ctx.settings.sync_entities))
    try:
        await ctx.home.open_modal(trigger_id or "", view)
    except Exception as err:  # an expired trigger (3 s) or Slack down: say so on the tab
        log.warning("slack.modal_failed", error=type(err).__name__)
        ctx.home.told(ctx.user, replies.error("The Reset window could not be opened; press Reset… again."))
        await ctx.home.publish(ctx.user)


async def reset_submitted(ctx: Ctx, view: dict, ack) -> None:
    """The Reset modal sent: a bad date is shown in the modal (nothing changes); otherwise the reset is done, the
    modal closes, and the tab says what the next sync reads."""
    values = (view.get("state") or {}).get("values") or {}
    picked = ((values.get("since") or {}).get("day") or {}).get("selected_date")
    chosen = [o.get("value") for o in ((values.get("entities") or {}).get("chosen") or {}).get(
        "selected_options") or [] if isinstance(o, dict)]
    tenant_id = view.get("private_metadata") or ""
    if not is_admin(ctx.settings, ctx.user):
        await ack(response_action="errors", errors={"since": "Only admins can reset."})
        return
    try:
        day = date.fromisoformat(picked) if picked else None
        entities = [e for e in chosen if e in ctx.settings.sync_entities]
        if len(entities) != len(chosen):
            raise CommandError("Pick entities from the list.")
        every = not entities or set(entities) >= set(ctx.settings.sync_entities)
        reports = [await ctx.service.reset(tenant_id, day, user=ctx.user, entity=None if every else entity)
                   for entity in ([None] if every else entities)]
    except (CommandError, ValueError) as err:
        message = str(err) if isinstance(err, CommandError) else "That is not a date."
        await ack(response_action="errors", errors={"since": message[:150]})
        return
    await ack()
    if ctx.home is not None:
        lines = [replies.reset_reply(r).text for r in reports]
        ctx.home.told(ctx.user, Reply("\n".join(lines)))
        await ctx.home.publish(ctx.user)

"""Alerts routed per channel: `/xero subscribe`, `unsubscribe` and `subscriptions` as operations on the store.

A subscription is (channel, org or every org, kind). No kind named: subscribe gives DEFAULT_ALERTS (failures and
auth, what needs a person), unsubscribe removes every kind. No org named: subscribe means every org (`all`), and
unsubscribe removes the channel's subscriptions whatever org they name. The Slack notifier reads them to route
each alert (daemon/slack/notifier.py); the alert channel (SLACK_ALERT_CHANNEL) receives SLACK_ALERT_KINDS of every
org besides whatever it subscribes to.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from clock import Clock
from daemon.core.settings import Settings
from daemon.sync.matching import ALERT_KINDS, DEFAULT_ALERTS, Target
from storage import Store
from storage.subscriptions import EVERY, Subscription

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ChannelAlerts:
    """What a channel receives now, and what a command just changed in it."""

    channel: str
    subscriptions: list[Subscription]
    names: dict[str, str]  # tenant id -> org name, for the subscriptions that name one org
    alert_kinds: tuple[str, ...] | None  # as the alert channel: SLACK_ALERT_KINDS (None: it is not)
    kinds: tuple[str, ...] = ()  # what the command named (or its default)
    scope: str | None = None  # the org's name, "every organisation", or None (unsubscribe: whatever org)
    changed: int = 0  # subscriptions added or removed
    digest_at: str = "08:00 UTC"  # when the daily digest is posted (DIGEST_HOUR, DIGEST_ZONE)


class Routing:
    def __init__(self, settings: Settings, store: Store, clock: Clock) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock

    async def subscribe(self, channel: str, target: Target, user: str | None) -> ChannelAlerts:
        kinds = target.alerts or DEFAULT_ALERTS
        scopes = [EVERY] if target.every else [o.tenant_id for o in target.orgs]
        added = await self._store.subscriptions.add(channel, scopes, kinds, user, self._clock.time())
        log.info("slack.subscribed", channel=channel, scopes=scopes, kinds=list(kinds), user=user, added=added)
        return await self.listing(channel, kinds=kinds, scope=_scope(target), changed=added)

    async def unsubscribe(self, channel: str, target: Target, user: str | None) -> ChannelAlerts:
        kinds = target.alerts or ALERT_KINDS
        scopes = None if not target.named else [EVERY] if target.every else [o.tenant_id for o in target.orgs]
        removed = await self._store.subscriptions.remove(channel, scopes, kinds)
        log.info("slack.unsubscribed", channel=channel, scopes=scopes, kinds=list(kinds), user=user,
                 removed=removed)
        return await self.listing(channel, kinds=kinds, scope=_scope(target) if target.named else None,
                                  changed=removed)

    async def listing(self, channel: str, **done) -> ChannelAlerts:
        subscriptions = await self._store.subscriptions.of_channel(channel)
        names = {}
        for sub in subscriptions:
            if not sub.every and sub.scope not in names:
                org = await self._store.orgs.get(sub.scope)
                names[sub.scope] = org.name if org else sub.scope
        alert = self._settings.slack_alert_kinds if channel == self._settings.slack_alert_channel else None
        digest_at = f"{self._settings.digest_hour:02d}:00 {self._settings.digest_zone}"
        return ChannelAlerts(channel, subscriptions, names, alert, digest_at=digest_at, **done)


def _scope(target: Target) -> str:
    return "every organisation" if target.every else target.org.name

"""Slack alerts: the `Notifier` that turns sync outcomes into failure episodes, sync lines and daily digests in
the alert channel and the channels subscribed to them (`/xero subscribe`, storage/subscriptions.py).

One message per failure episode per org per channel, with a "Retry now" button (or, for an authorization failure, a
"Re-authorize Xero" link; for a spent daily limit, when syncing resumes). Repeats reply in its thread and update
it; the first success says "recovered" there, a successful re-authorization says "reconnected", and the episode
closes. An org whose grant lacks a scope the entities configured need gets one "Re-authorize to add access" alert,
remembered until the access is there. Episodes live in the store, so a restart neither re-alerts nor forgets. Nothing here ever raises into a
sync: a problem is logged and the sync goes on.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from typing import TYPE_CHECKING

import structlog

from clock import Clock
from daemon.slack.blocks import Reply
from daemon.core.outbox import Outbox
from daemon.slack.wording import alerts as say
from daemon.slack.wording import digest as say_digest
from storage.alerts import Episode, Outgoing
from storage.orgs import Org
from storage.runs import Run
from storage.subscriptions import EVERY, Subscriptions

if TYPE_CHECKING:  # the sync layer defines what an audit event and a digest are; this layer only posts them
    from daemon.sync.notifier import Audit, Digest

log = structlog.get_logger(__name__)

CREDENTIALS = "credentials"  # the operator alert for Xero refusing the app's credentials


def _guarded(method):
    """One notice at a time (orgs of one grant fail together), and never an exception into the caller."""
    @functools.wraps(method)
    async def guarded(self, *args, **kwargs):
        try:
            async with self._lock:
                return await method(self, *args, **kwargs)
        except Exception:  # an alert must never break a sync or a consent flow
            log.exception("alert.failed", notice=method.__name__)
            return None
    return guarded


class SlackNotifier:
    """Alerts to the channels that want them: the alert channel (`channel`, SLACK_ALERT_CHANNEL) receives
    `alert_kinds` of every org and everything that is not one org's (connections, first syncs, the audit trail,
    the operator's alerts); each subscribed channel receives its kinds for its orgs. One message per alert per
    channel, whatever the number of ways a channel matches."""

    def __init__(self, outbox: Outbox, channel: str | None, clock: Clock, *, link_ttl: int = 7 * 86400,
                 audit: bool = True, alert_kinds: tuple[str, ...] = ("failures", "auth")) -> None:
        self._outbox = outbox
        self._channel = channel
        self._clock = clock
        self._link_days = max(1, link_ttl // 86400)
        self._audit = audit
        self._alert_kinds = frozenset(alert_kinds)
        self._subscriptions: Subscriptions | None = None
        self._lock = asyncio.Lock()
        self._threaded: deque[int] = deque(maxlen=256)  # runs whose outcome an alert's thread told, with who asked

    def route(self, subscriptions: Subscriptions) -> None:
        """Read the channels' subscriptions from the store (once it is open)."""
        self._subscriptions = subscriptions

    async def channels(self, tenant_id: str, kinds: set[str]) -> list[str]:
        """Every channel that receives any of `kinds` of this org's alerts, each once, the alert channel first."""
        found = [self._channel] if self._channel and kinds & self._alert_kinds else []
        if self._subscriptions is not None and kinds:
            for sub in await self._subscriptions.for_org(tenant_id, kinds):
                if sub.channel not in found:
                    found.append(sub.channel)
        return found

    @_guarded
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        """Each channel with the org's failure open hears the repeat (in its thread); each other channel that
        receives this kind (`auth` for re-authorization, `failures` otherwise) gets an alert of its own."""
        kind = "reauth" if reauth_url else "paused" if resumes_at is not None else "failure"
        error = run.error
        if run.tenant_id != org.tenant_id:  # the runner tells every org of a refused grant
            error = f"its Xero grant was refused during another organisation's sync: {run.error}"
        repo = self._outbox.repo
        episodes = {e.channel: e for e in await repo.open_episodes(org.tenant_id)}
        for episode in episodes.values():
            await self._repeat(org, episode, kind, error, run, reauth_url, resumes_at)
        first = min(episodes.values(), key=lambda e: e.opened_at, default=None)
        for channel in await self.channels(org.tenant_id, {"auth" if kind == "reauth" else "failures"}):
            if channel not in episodes:
                await self._open(org, channel, kind, error, run, reauth_url, resumes_at, first)
        if run.tenant_id == org.tenant_id:
            await self._post(say.sync_line(org, run), await self.channels(org.tenant_id, {"syncs"}))
        self._outbox.wake()

    async def _open(self, org: Org, channel: str, kind: str, error: str | None, run: Run, reauth_url: str | None,
                    resumes_at: float | None, first: Episode | None) -> None:
        """A new alert in `channel` (failing since the first alert elsewhere, when the failure is already told)."""
        opened = first.opened_at if first else run.started_at
        repeats = first.repeats + 1 if first else 0
        alert = say.alert(org, kind, error, opened=opened, failures=repeats + 1, reauth_url=reauth_url,
                          resumes_at=resumes_at, link_days=self._link_days)
        message = Outgoing(channel, "post", alert.text, alert.blocks, anchors=True)
        started = await self._outbox.repo.start_episode(org.tenant_id, channel, kind, self._clock.time(), run.id,
                                                        error, [message], opened_at=opened, repeats=repeats)
        # None: another process opened this org's episode in that channel a moment ago, and its alert says it
        log.info("alert.opened" if started else "alert.opened_elsewhere", tenant_id=org.tenant_id, kind=kind,
                 channel=channel, run_id=run.id)

    async def _repeat(self, org: Org, episode: Episode, kind: str, error: str | None, run: Run,
                      reauth_url: str | None, resumes_at: float | None) -> None:
        """The thread hears a repeat, and the alert shows the count. A grant already known to need a person
        (its orgs fail together, or someone retries) only updates the alert: the thread has the link."""
        failures, now = episode.repeats + 2, self._clock.time()
        alert = say.alert(org, kind, error, opened=episode.opened_at, failures=failures, reauth_url=reauth_url,
                          resumes_at=resumes_at, link_days=self._link_days)
        messages = [Outgoing(episode.channel, "update", alert.text, alert.blocks)]
        if not (kind == "reauth" and episode.kind == "reauth"):
            by = run.started_by if run.tenant_id == org.tenant_id else None
            note = say.repeat_note(org, kind, error, failures, by=by, reauth_url=reauth_url, resumes_at=resumes_at)
            messages.insert(0, Outgoing(episode.channel, "reply", note.text, note.blocks))
            if by:
                self._threaded.append(run.id)
        await self._outbox.repo.repeat(episode.id, kind, run.id, error, now, messages)
        log.info("alert.repeated", tenant_id=org.tenant_id, kind=kind, failures=failures, run_id=run.id,
                 channel=episode.channel)

    @_guarded
    async def authorization_lost(self, org: Org, error: str, *, reauth_url: str) -> None:
        """Found by the grants' upkeep, not a sync: a re-authorization alert as a sync's would be, in each channel
        that hears of re-authorizations (one episode per channel; an open failure episode turns into it, its
        thread told; one already asking for re-authorization is left)."""
        repo, now = self._outbox.repo, self._clock.time()
        episodes = {e.channel: e for e in await repo.open_episodes(org.tenant_id)}
        for episode in episodes.values():
            if episode.kind == "reauth":
                continue
            alert = say.alert(org, "reauth", error, opened=episode.opened_at, failures=episode.repeats + 1,
                              reauth_url=reauth_url, resumes_at=None, link_days=self._link_days)
            note = say.found_note(org, error, reauth_url=reauth_url)
            await repo.repeat(episode.id, "reauth", episode.last_run_id, error, now,
                              [Outgoing(episode.channel, "reply", note.text, note.blocks),
                               Outgoing(episode.channel, "update", alert.text, alert.blocks)])
            log.info("alert.repeated", tenant_id=org.tenant_id, kind="reauth", found_by="upkeep",
                     channel=episode.channel)
        first = min(episodes.values(), key=lambda e: e.opened_at, default=None)
        opened, repeats = (first.opened_at, first.repeats + 1) if first else (now, 0)
        for channel in await self.channels(org.tenant_id, {"auth"}):
            if channel in episodes:
                continue
            alert = say.alert(org, "reauth", error, opened=opened, failures=repeats + 1 if first else 0,
                              reauth_url=reauth_url, resumes_at=None, link_days=self._link_days,
                              found_by=say.FOUND_BY_CHECK)
            message = Outgoing(channel, "post", alert.text, alert.blocks, anchors=True)
            started = await repo.start_episode(org.tenant_id, channel, "reauth", now, None, error, [message],
                                               opened_at=opened, repeats=repeats)
            log.info("alert.opened" if started else "alert.opened_elsewhere", tenant_id=org.tenant_id,
                     kind="reauth", found_by="upkeep", channel=channel)
        self._outbox.wake()

    @_guarded
    async def sync_succeeded(self, org: Org, run: Run) -> None:
        """Closes the org's failure episode in every channel (each thread hears it, each alert reads resolved); a
        new org's first sync is announced with what it brought (in the alert channel, and where syncs or changes
        are wanted), any other sync is a line where syncs are wanted (or changes, when it changed records)."""
        for episode in await self._outbox.repo.open_episodes(org.tenant_id):
            await self._close(org, episode, "recovered", say.recovered(org, episode, run))
            self._threaded.append(run.id)
        if run.trigger == "connect":
            channels = await self.channels(org.tenant_id, {"syncs", "changes"})
            if self._channel and self._channel not in channels:
                channels.insert(0, self._channel)
            await self._post(say.first_sync(org, run), channels)
        else:
            kinds = {"syncs", "changes"} if run.total_changed else {"syncs"}
            await self._post(say.sync_line(org, run), await self.channels(org.tenant_id, kinds))

    @_guarded
    async def orgs_connected(self, new: list[Org], reconnected: list[Org], by: str | None) -> None:
        """New orgs are announced; a re-authorized org that needed it closes its alerts (edited to resolved, the
        threads told). An org reconnected on the same grant that never failed is not news: nothing is posted."""
        for org in reconnected:
            for episode in await self._outbox.repo.open_episodes(org.tenant_id):
                if episode.kind == "reauth":
                    await self._close(org, episode, "reconnected", say.reconnected(org, by))
        if new:
            await self._post(say.connected(new, by))

    @_guarded
    async def retry_pressed(self, org: Org, user: str) -> bool:
        """Every thread of the org's open failure hears who pressed Retry now (the outcome follows there)."""
        episodes = await self._outbox.repo.open_episodes(org.tenant_id)
        note = say.retry_pressed(user)
        for episode in episodes:
            await self._outbox.repo.note(episode.id, self._clock.time(),
                                         [Outgoing(episode.channel, "reply", note.text, note.blocks)])
        self._outbox.wake()
        return bool(episodes)

    @_guarded
    async def audit(self, event: Audit) -> None:
        log.info("audit", user=event.user, action=event.action, entity=event.entity,
                 tenant_id=event.org.tenant_id if event.org else None)
        if event.run is not None and event.run.id in self._threaded:  # its alert's thread said who, and how it went
            return
        if self._audit:
            await self._post(say.audit(event))

    @_guarded
    async def daily_digest(self, digest: Digest) -> None:
        """Each channel subscribed to `daily` (since before the digest was due) gets the day's digest of its orgs,
        once: the claim and the message are one write, so another replica, or this one after a restart, skips
        it. The alert channel (`daily` in SLACK_ALERT_KINDS) has no subscription date: a late digest (the daemon
        was down at the hour) reaches it only if it had one before, so a first start-up posts nothing early."""
        if self._subscriptions is None:
            return
        wanted: dict[str, set[str]] = {}
        if self._channel and "daily" in self._alert_kinds and not (  # a catch-up only where one came before
                digest.late and not await self._subscriptions.had_digest(self._channel, digest.day.isoformat())):
            wanted[self._channel] = {EVERY}
        for sub in await self._subscriptions.of_kind("daily"):
            if sub.created_at <= digest.due:
                wanted.setdefault(sub.channel, set()).add(sub.scope)
        for channel, scopes in wanted.items():
            orgs = [pair for pair in digest.orgs if EVERY in scopes or pair[0].tenant_id in scopes]
            if not orgs and EVERY not in scopes:
                continue  # its orgs were deleted
            reply = say_digest.digest(digest, orgs)
            message = Outgoing(channel, "post", reply.text, reply.blocks)
            if await self._subscriptions.claim_digest(channel, digest.day.isoformat(), self._clock.time(), message):
                log.info("alert.digest_queued", channel=channel, day=str(digest.day), orgs=len(orgs))
        self._outbox.wake()

    @_guarded
    async def credentials_refused(self, error: str) -> None:
        """Told once, however many syncs meet the refusal, until a refresh succeeds again."""
        reply = say.credentials_refused(error)
        if await self._outbox.repo.open_operator(CREDENTIALS, self._clock.time(), error,
                                                 self._to_alert_channel(reply)):
            log.info("alert.opened", kind=CREDENTIALS)
            self._outbox.wake()

    @_guarded
    async def credentials_accepted(self) -> None:
        reply = say.credentials_accepted()
        if await self._outbox.repo.close_operator(CREDENTIALS, self._clock.time(),
                                                  self._to_alert_channel(reply)):
            log.info("alert.closed", kind=CREDENTIALS)
            self._outbox.wake()

    @_guarded
    async def access_missing(self, org: Org, missing: dict[str, str], *, reauth_url: str) -> None:
        """One "Re-authorize to add access" alert per org, however many runs skip the entities, until the access
        is there (`access_granted`)."""
        reply = say.access_missing(org, missing, reauth_url=reauth_url, link_days=self._link_days)
        scopes = " ".join(sorted(set(missing.values())))
        channels = await self.channels(org.tenant_id, {"auth"})  # the channels told of re-authorizations
        if await self._outbox.repo.open_access(org.tenant_id, scopes, self._clock.time(),
                                               [Outgoing(c, "post", reply.text, reply.blocks) for c in channels]):
            log.info("alert.opened", tenant_id=org.tenant_id, kind="access", scopes=scopes)
            self._outbox.wake()

    @_guarded
    async def access_granted(self, org: Org) -> None:
        repo = self._outbox.repo
        scopes = await repo.access_alert(org.tenant_id)
        if scopes is None:
            return
        reply = say.access_granted(org, scopes)
        channels = await self.channels(org.tenant_id, {"auth"})
        if await repo.close_access(org.tenant_id, self._clock.time(),
                                   [Outgoing(c, "post", reply.text, reply.blocks) for c in channels]):
            log.info("alert.closed", tenant_id=org.tenant_id, kind="access")
            self._outbox.wake()

    def _to_alert_channel(self, reply: Reply) -> list[Outgoing]:
        return [Outgoing(self._channel, "post", reply.text, reply.blocks)] if self._channel else []

    async def _post(self, reply: Reply, channels: list[str] | None = None) -> None:
        """A message to each of `channels` (by default the alert channel; none when it is not set)."""
        channels = ([self._channel] if self._channel else []) if channels is None else channels
        if channels:
            await self._outbox.put([Outgoing(c, "post", reply.text, reply.blocks) for c in channels])

    async def _close(self, org: Org, episode: Episode, reason: str, note: Reply) -> None:
        now = self._clock.time()
        closed = say.closed_alert(org, episode, reason, now)
        messages = [Outgoing(episode.channel, "reply", note.text, note.blocks),
                    Outgoing(episode.channel, "update", closed.text, closed.blocks)]
        if await self._outbox.repo.close(episode.id, now, reason, messages):
            log.info("alert.closed", tenant_id=org.tenant_id, reason=reason, failures=episode.repeats + 1)
            self._outbox.wake()

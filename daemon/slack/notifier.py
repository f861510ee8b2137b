"""Slack alerts: the `Notifier` that turns sync outcomes into failure episodes in the alert channel.

One message per failure episode per org, with a "Retry now" button (or, for an authorization failure, a
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
from storage.alerts import Episode, Outgoing
from storage.orgs import Org
from storage.runs import Run

if TYPE_CHECKING:  # the sync layer defines what an audit event is; this layer only posts it
    from daemon.sync.notifier import Audit

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
    def __init__(self, outbox: Outbox, channel: str, clock: Clock, *, link_ttl: int = 7 * 86400,
                 audit: bool = True) -> None:
        self._outbox = outbox
        self._channel = channel
        self._clock = clock
        self._link_days = max(1, link_ttl // 86400)
        self._audit = audit
        self._lock = asyncio.Lock()
        self._threaded: deque[int] = deque(maxlen=256)  # runs whose outcome an alert's thread told, with who asked

    @_guarded
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        kind = "reauth" if reauth_url else "paused" if resumes_at is not None else "failure"
        error = run.error
        if run.tenant_id != org.tenant_id:  # the runner tells every org of a refused grant
            error = f"its Xero grant was refused during another organisation's sync: {run.error}"
        repo, now = self._outbox.repo, self._clock.time()
        episode = await repo.open_episode(org.tenant_id)
        if episode is None:
            alert = say.alert(org, kind, error, opened=run.started_at, failures=1, reauth_url=reauth_url,
                              resumes_at=resumes_at, link_days=self._link_days)
            message = Outgoing(self._channel, "post", alert.text, alert.blocks, anchors=True)
            opened = await repo.start_episode(org.tenant_id, self._channel, kind, now, run.id, error, [message],
                                              opened_at=run.started_at)
            # None: another process opened this org's episode a moment ago, and its alert says it already
            log.info("alert.opened" if opened else "alert.opened_elsewhere", tenant_id=org.tenant_id, kind=kind,
                     run_id=run.id)
        else:
            await self._repeat(org, episode, kind, error, run, reauth_url, resumes_at)
        self._outbox.wake()

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
        log.info("alert.repeated", tenant_id=org.tenant_id, kind=kind, failures=failures, run_id=run.id)

    @_guarded
    async def authorization_lost(self, org: Org, error: str, *, reauth_url: str) -> None:
        """Found by the grants' upkeep, not a sync: a re-authorization alert as a sync's would be (one episode;
        an open failure episode turns into it, its thread told; one already asking for re-authorization is left)."""
        repo, now = self._outbox.repo, self._clock.time()
        episode = await repo.open_episode(org.tenant_id)
        if episode is None:
            alert = say.alert(org, "reauth", error, opened=now, failures=0, reauth_url=reauth_url, resumes_at=None,
                              link_days=self._link_days, found_by=say.FOUND_BY_CHECK)
            message = Outgoing(self._channel, "post", alert.text, alert.blocks, anchors=True)
            opened = await repo.start_episode(org.tenant_id, self._channel, "reauth", now, None, error, [message])
            log.info("alert.opened" if opened else "alert.opened_elsewhere", tenant_id=org.tenant_id, kind="reauth",
                     found_by="upkeep")
        elif episode.kind != "reauth":
            alert = say.alert(org, "reauth", error, opened=episode.opened_at, failures=episode.repeats + 1,
                              reauth_url=reauth_url, resumes_at=None, link_days=self._link_days)
            note = say.found_note(org, error, reauth_url=reauth_url)
            await repo.repeat(episode.id, "reauth", episode.last_run_id, error, now,
                              [Outgoing(episode.channel, "reply", note.text, note.blocks),
                               Outgoing(episode.channel, "update", alert.text, alert.blocks)])
            log.info("alert.repeated", tenant_id=org.tenant_id, kind="reauth", found_by="upkeep")
        self._outbox.wake()

    @_guarded
    async def sync_succeeded(self, org: Org, run: Run) -> None:
        """Closes the org's failure episode (the thread hears it, the alert reads resolved); a new org's first
        sync is announced with what it brought."""
        episode = await self._outbox.repo.open_episode(org.tenant_id)
        if episode is not None:
            await self._close(org, episode, "recovered", say.recovered(org, episode, run))
            self._threaded.append(run.id)
        if run.trigger == "connect":
            await self._post(say.first_sync(org, run))

    @_guarded
    async def orgs_connected(self, new: list[Org], reconnected: list[Org], by: str | None) -> None:
        """New orgs are announced; a re-authorized org that needed it closes its alert (edited to resolved, the
        thread told). An org reconnected on the same grant that never failed is not news: nothing is posted."""
        for org in reconnected:
            episode = await self._outbox.repo.open_episode(org.tenant_id)
            if episode is not None and episode.kind == "reauth":
                await self._close(org, episode, "reconnected", say.reconnected(org, by))
        if new:
            await self._post(say.connected(new, by))

    @_guarded
    async def retry_pressed(self, org: Org, user: str) -> bool:
        episode = await self._outbox.repo.open_episode(org.tenant_id)
        if episode is None:
            return False
        note = say.retry_pressed(user)
        await self._outbox.repo.note(episode.id, self._clock.time(), [Outgoing(episode.channel, "reply", note.text,
                                                                                note.blocks)])
        self._outbox.wake()
        return True

    @_guarded
    async def audit(self, event: Audit) -> None:
        log.info("audit", user=event.user, action=event.action, entity=event.entity,
                 tenant_id=event.org.tenant_id if event.org else None)
        if event.run is not None and event.run.id in self._threaded:  # its alert's thread said who, and how it went
            return
        if self._audit:
            await self._post(say.audit(event))

    @_guarded
    async def credentials_refused(self, error: str) -> None:
        """Told once, however many syncs meet the refusal, until a refresh succeeds again."""
        reply = say.credentials_refused(error)
        if await self._outbox.repo.open_operator(CREDENTIALS, self._clock.time(), error,
                                                 [Outgoing(self._channel, "post", reply.text, reply.blocks)]):
            log.info("alert.opened", kind=CREDENTIALS)
            self._outbox.wake()

    @_guarded
    async def credentials_accepted(self) -> None:
        reply = say.credentials_accepted()
        if await self._outbox.repo.close_operator(CREDENTIALS, self._clock.time(),
                                                  [Outgoing(self._channel, "post", reply.text, reply.blocks)]):
            log.info("alert.closed", kind=CREDENTIALS)
            self._outbox.wake()

    @_guarded
    async def access_missing(self, org: Org, missing: dict[str, str], *, reauth_url: str) -> None:
        """One "Re-authorize to add access" alert per org, however many runs skip the entities, until the access
        is there (`access_granted`)."""
        reply = say.access_missing(org, missing, reauth_url=reauth_url, link_days=self._link_days)
        scopes = " ".join(sorted(set(missing.values())))
        if await self._outbox.repo.open_access(org.tenant_id, scopes, self._clock.time(),
                                               [Outgoing(self._channel, "post", reply.text, reply.blocks)]):
            log.info("alert.opened", tenant_id=org.tenant_id, kind="access", scopes=scopes)
            self._outbox.wake()

    @_guarded
    async def access_granted(self, org: Org) -> None:
        repo = self._outbox.repo
        scopes = await repo.access_alert(org.tenant_id)
        if scopes is None:
            return
        reply = say.access_granted(org, scopes)
        if await repo.close_access(org.tenant_id, self._clock.time(),
                                   [Outgoing(self._channel, "post", reply.text, reply.blocks)]):
            log.info("alert.closed", tenant_id=org.tenant_id, kind="access")
            self._outbox.wake()

    async def _post(self, reply: Reply) -> None:
        await self._outbox.put([Outgoing(self._channel, "post", reply.text, reply.blocks)])

    async def _close(self, org: Org, episode: Episode, reason: str, note: Reply) -> None:
        now = self._clock.time()
        closed = say.closed_alert(org, episode, reason, now)
        messages = [Outgoing(episode.channel, "reply", note.text, note.blocks),
                    Outgoing(episode.channel, "update", closed.text, closed.blocks)]
        if await self._outbox.repo.close(episode.id, now, reason, messages):
            log.info("alert.closed", tenant_id=org.tenant_id, reason=reason, failures=episode.repeats + 1)
            self._outbox.wake()

"""Slack alerts: the `Notifier` that turns sync outcomes into failure episodes in the alert channel.

One message per failure episode per org, with a "Retry now" button (or, for an authorization failure, a
"Re-authorize Xero" link; for a spent daily limit, when syncing resumes). Repeats reply in its thread and update
it; the first success says "recovered" there, a successful re-authorization says "reconnected", and the episode
closes. Episodes live in the store, so a restart neither re-alerts nor forgets. Nothing here ever raises into a
sync: a problem is logged and the sync goes on.
"""

from __future__ import annotations

import asyncio
import functools

import structlog

from clock import Clock
from daemon.slack.outbox import Outbox
from daemon.slack.blocks import (REAUTH_ACTION, RETRY_ACTION, Reply, actions, button, context, escape, fields,
                                rich_when, section, when)
from storage.alerts import Episode, Outgoing
from storage.orgs import Org
from storage.runs import Run

log = structlog.get_logger(__name__)

TITLES = {"failure": ":rotating_light: Xero sync failed",
          "reauth": ":closed_lock_with_key: Xero needs re-authorization",
          "paused": ":hourglass: Xero sync paused"}


def _guarded(method):
    """One notice at a time (orgs of one grant fail together), and never an exception into the caller."""
    @functools.wraps(method)
    async def guarded(self, *args, **kwargs):
        try:
            async with self._lock:
                await method(self, *args, **kwargs)
        except Exception:  # an alert must never break a sync or a consent flow
            log.exception("alert.failed", notice=method.__name__)
    return guarded


class SlackNotifier:
    def __init__(self, outbox: Outbox, channel: str, clock: Clock, *, link_ttl: int = 7 * 86400) -> None:
        self._outbox = outbox
        self._channel = channel
        self._clock = clock
        self._link_days = max(1, link_ttl // 86400)
        self._lock = asyncio.Lock()

    @_guarded
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        kind = "reauth" if reauth_url else "paused" if resumes_at is not None else "failure"
        error = run.error
        if run.tenant_id != org.tenant_id:  # the runner tells every org of a refused grant
            error = f"its Xero grant was refused during another organisation's sync: {run.error}"
        repo, now = self._outbox.repo, self._clock.time()
        episode = await repo.open_episode(org.tenant_id)
        if episode is None:
            alert = self._alert(org, kind, error, opened=run.started_at, failures=1, reauth_url=reauth_url,
                                resumes_at=resumes_at)
            message = Outgoing(self._channel, "post", alert.text, alert.blocks, anchors=True)
            opened = await repo.start_episode(org.tenant_id, self._channel, kind, now, run.id, error, [message],
                                              opened_at=run.started_at)
            # None: another process opened this org's episode a moment ago, and its alert says it already
            log.info("alert.opened" if opened else "alert.opened_elsewhere", tenant_id=org.tenant_id, kind=kind,
                     run_id=run.id)
        else:
            await self._repeat(org, episode, kind, error, run.id, reauth_url, resumes_at)
        self._outbox.wake()

    async def _repeat(self, org: Org, episode: Episode, kind: str, error: str | None, run_id: int,
                      reauth_url: str | None, resumes_at: float | None) -> None:
        """The thread hears a repeat, and the alert shows the count. A grant already known to need a person
        (its orgs fail together, or someone retries) only updates the alert: the thread has the link."""
        failures = episode.repeats + 2
        alert = self._alert(org, kind, error, opened=episode.opened_at, failures=failures,
                            reauth_url=reauth_url, resumes_at=resumes_at)
        messages = [Outgoing(episode.channel, "update", alert.text, alert.blocks)]
        if not (kind == "reauth" and episode.kind == "reauth"):
            note = self._repeat_note(org, kind, error, failures, reauth_url, resumes_at)
            messages.insert(0, Outgoing(episode.channel, "reply", note.text, note.blocks))
        await self._outbox.repo.repeat(episode.id, kind, run_id, error, self._clock.time(), messages)
        log.info("alert.repeated", tenant_id=org.tenant_id, kind=kind, failures=failures, run_id=run_id)

    @_guarded
    async def sync_succeeded(self, org: Org, run: Run) -> None:
        episode = await self._outbox.repo.open_episode(org.tenant_id)
        if episode is None:
            return
        now = self._clock.time()
        failures = episode.repeats + 1
        text = (f":white_check_mark: Recovered: {org.name} synced successfully {when(run.finished_at, now)}, "
                f"after {failures} failed sync{'s' if failures > 1 else ''} since {when(episode.opened_at, now)}.")
        await self._close(org, episode, "recovered", Reply(text, [section(escape(text))]))

    @_guarded
    async def orgs_connected(self, new: list[Org], reconnected: list[Org]) -> None:
        announce = []
        for org in reconnected:
            episode = await self._outbox.repo.open_episode(org.tenant_id)
            if episode is not None and episode.kind == "reauth":
                text = f":link: Reconnected: {org.name} was re-authorized; automatic syncing resumes."
                await self._close(org, episode, "reconnected", Reply(text, [section(escape(text))]))
            else:
                announce.append(org)
        if new or announce:
            reply = connected_message(new, announce)
            await self._outbox.put([Outgoing(self._channel, "post", reply.text, reply.blocks)])

    async def _close(self, org: Org, episode: Episode, reason: str, note: Reply) -> None:
        now = self._clock.time()
        closed = self._closed_alert(org, episode, reason)
        messages = [Outgoing(episode.channel, "reply", note.text, note.blocks),
                    Outgoing(episode.channel, "update", closed.text, closed.blocks)]
        if await self._outbox.repo.close(episode.id, now, reason, messages):
            log.info("alert.closed", tenant_id=org.tenant_id, reason=reason, failures=episode.repeats + 1)
            self._outbox.wake()

    # -- what the messages say ---------------------------------------------------------------------------------
    def _alert(self, org: Org, kind: str, error: str | None, *, opened: float, failures: int,
               reauth_url: str | None, resumes_at: float | None) -> Reply:
        now = self._clock.time()
        title = f"{TITLES[kind]}: {org.name}"
        text = (f"{title}. {error or 'unknown error'}. Failing since {when(opened, now)}; "
                f"last successful sync: {when(org.last_success_at, now)}.")
        pairs = [("Organisation", f"{escape(org.name)}\n`{org.tenant_id}`"),
                 ("What failed", escape(error or "unknown error")),
                 ("Since", rich_when(opened, now)),
                 ("Last successful sync", rich_when(org.last_success_at, now)),
                 ("Failed syncs", str(failures))]
        blocks = [section(f"*{escape(title)}*"), fields(pairs)]
        if kind == "reauth" and reauth_url:
            text += " Automatic syncing is stopped until someone re-authorizes Xero."
            days = f"{self._link_days} day{'s' if self._link_days > 1 else ''}"
            blocks += [context("Automatic syncing of this organisation is stopped until someone re-authorizes "
                               f"Xero. The link is valid for {days}."),
                       actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url, style="primary"))]
        elif kind == "paused" and resumes_at is not None:
            text += f" Syncing resumes at {when(resumes_at, now)}."
            blocks.append(context(f"Syncing pauses until Xero's limit resets: it resumes "
                                  f"{rich_when(resumes_at, now)}."))
        else:
            blocks.append(actions(button("Retry now", RETRY_ACTION, value=org.tenant_id)))
        return Reply(text, blocks)

    def _repeat_note(self, org: Org, kind: str, error: str | None, failures: int, reauth_url: str | None,
                     resumes_at: float | None) -> Reply:
        now = self._clock.time()
        text = f"Still failing ({failures} failed syncs in a row): {error or 'unknown error'}"
        blocks = [section(escape(text))]
        if kind == "reauth" and reauth_url:
            text += ". Re-authorize Xero to resume syncing."
            blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url, style="primary")))
        elif kind == "paused" and resumes_at is not None:
            text += f". Syncing resumes at {when(resumes_at, now)}."
            blocks.append(context(f"Syncing resumes {rich_when(resumes_at, now)}."))
        return Reply(text, blocks)

    def _closed_alert(self, org: Org, episode: Episode, reason: str) -> Reply:
        now = self._clock.time()
        failures = episode.repeats + 1
        text = (f":white_check_mark: {org.name} {reason} {when(now, now)} "
                f"(failing since {when(episode.opened_at, now)}, {failures} failed sync{'s' if failures > 1 else ''}).")
        return Reply(text, [section(escape(text)),
                            context(f"Last error: {escape(episode.last_error or 'unknown')}")])


def connected_message(new: list[Org], reconnected: list[Org]) -> Reply:
    parts = []
    if new:
        parts.append("Xero connected: " + ", ".join(o.name for o in new))
    if reconnected:
        parts.append("Reconnected: " + ", ".join(o.name for o in reconnected))
    text = ":link: " + ". ".join(parts) + ". They sync now and every hour."
    return Reply(text, [section(escape(text))])

"""How a sync run ended, recorded and told: the run's row, the org's state, the notifier.

A success moves SYNC FROM DATE (unless a reset came meanwhile) and clears any failure; an authorization failure
stops the org's schedule (every org of a refused grant), a spent daily limit pauses it, the app's own credentials
refused is the operator's problem (one alert, no grant touched), anything else is a failure retried at the next
slot. A run whose org was deleted meanwhile ends with `OrgGone`, recording nothing. After a success, what the
org's grant lacks for the entities configured is told (once, until it is there).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from clock import Clock
from daemon.core.errors import (OrgGone, XeroAuthError, XeroCredentialsRefused, XeroDailyLimitSpent, XeroError)
from daemon.sync.notifier import Notifier
from daemon.xero.client import CallStats
from daemon.xero.consent import Consent
from storage import Store
from storage.orgs import Org
from storage.runs import Run

log = structlog.get_logger(__name__)

GRANT_REFUSED = ("invalid_grant", "revoked")  # the token endpoint refused the grant itself, not one org


@dataclass
class RunTally:
    """What a run counts as it goes: records changed per entity, API calls, and what it noticed."""

    changed: dict[str, int] = field(default_factory=dict)
    stats: CallStats = field(default_factory=CallStats)
    notes: list[str] = field(default_factory=list)
    missing: dict[str, str] | None = None  # entities configured that the grant cannot read -> scope (None: not known)


class Outcomes:
    def __init__(self, store: Store, clock: Clock, notifier: Notifier, consent: Consent, metrics=None) -> None:
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._consent = consent
        self._metrics = metrics

    async def finish(self, run_id: int, outcome: str, tally: RunTally, error: str | None) -> Run | None:
        """Record how the run ended; None when its row is gone (the org was deleted meanwhile)."""
        now = self._clock.time()
        await self._store.runs.finish(run_id, outcome, now, api_calls=tally.stats.calls, error=error,
                                      notes=tally.notes)
        run = await self._store.runs.get(run_id)
        if run is None:
            return None
        log.info("sync.run_finished", outcome=outcome, trigger=run.trigger, records=run.total_changed,
                 api_calls=run.api_calls, duration_ms=int((now - run.started_at) * 1000), error=error)
        if self._metrics is not None:
            self._metrics.run_finished(run)
        return run

    async def succeeded(self, org: Org, run_id: int, tally: RunTally, *, started: float, sync_from: float | None,
                        reconciled: bool) -> Run:
        run = await self._finished(org, run_id, "success", tally, None)
        await self._store.orgs.synced(org.tenant_id, self._clock.time(), started=started, resets=org.resets,
                                      sync_from=sync_from, reconciled=reconciled)
        await self._notifier.sync_succeeded(await self._org(org), run)
        await self.access(org, tally.missing)
        return run

    async def access(self, org: Org, missing: dict[str, str] | None) -> None:
        """What the org's grant lacks for the entities configured: told once (with the link that adds it) until a
        consent adds it, or nothing is missing any more."""
        if missing is None:
            return
        if missing:
            await self._notifier.access_missing(await self._org(org), missing,
                                                reauth_url=self._consent.reauth_link(org.tenant_id))
        else:
            await self._notifier.access_granted(await self._org(org))

    async def ended_badly(self, org: Org, run_id: int, tally: RunTally, err: Exception) -> Run:
        if isinstance(err, XeroAuthError):
            return await self._auth_failed(org, run_id, tally, err)
        if isinstance(err, XeroDailyLimitSpent):
            return await self._paused(org, run_id, tally, err)
        if isinstance(err, XeroCredentialsRefused):
            run = await self._failed(org, run_id, tally, str(err), alert=False)
            await self._notifier.credentials_refused(str(err))
            return run
        if isinstance(err, XeroError):
            return await self._failed(org, run_id, tally, str(err))
        log.error("sync.internal_error", exc_info=err)  # a bug must not stop the schedule: record it, go on
        return await self._failed(org, run_id, tally, f"internal error: {type(err).__name__}: {err}")

    async def _failed(self, org: Org, run_id: int, tally: RunTally, error: str, *, alert: bool = True) -> Run:
        run = await self._finished(org, run_id, "failed", tally, error)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), last_error=error)
        if alert:
            await self._notifier.sync_failed(await self._org(org), run, reauth_url=None, resumes_at=None)
        return run

    async def _auth_failed(self, org: Org, run_id: int, tally: RunTally, err: XeroAuthError) -> Run:
        error = f"authorization failed ({err.reason}): {err}"
        run = await self._finished(org, run_id, "auth_failed", tally, error)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), state="needs_reauth",
                                      state_reason=err.reason, last_error=error)
        affected = [await self._org(org)]
        if err.reason in GRANT_REFUSED and org.grant_id is not None:  # every org of a refused grant needs a person
            affected += [o for o in await self._store.orgs.using_grant(org.grant_id) if o.tenant_id != org.tenant_id]
        for each in affected:
            reauth = self._consent.reauth_link(each.tenant_id)
            await self._notifier.sync_failed(each, run, reauth_url=reauth, resumes_at=None)
        return run

    async def _paused(self, org: Org, run_id: int, tally: RunTally, err: XeroDailyLimitSpent) -> Run:
        resumes_at = self._clock.time() + err.retry_after
        error = "Xero's daily API limit for this organisation is spent"
        run = await self._finished(org, run_id, "paused", tally, error)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), paused_until=resumes_at, last_error=error)
        await self._notifier.sync_failed(await self._org(org), run, reauth_url=None, resumes_at=resumes_at)
        return run

    async def _finished(self, org: Org, run_id: int, outcome: str, tally: RunTally, error: str | None) -> Run:
        run = await self.finish(run_id, outcome, tally, error)
        if run is None:
            raise OrgGone(org.tenant_id)
        return run

    async def _org(self, org: Org) -> Org:
        return await self._store.orgs.get(org.tenant_id) or org

"""An org's sync as a recorded run: start it (or join the one already going), hold the org's lease while it runs,
record how it ended, and tell the notifier. The reading itself is `daemon/sync/engine.py`'s.

A run holds the org's lease in the store for as long as it lasts (renewed every third of SYNC_LEASE), so no two
processes sync one org at once. A sync asked of an org another process is syncing waits for that run to end (or
its lease to run out), then runs here. A run cut short by shutdown records itself interrupted.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import structlog

from clock import Clock
from daemon.core.errors import CommandError, XeroAuthError, XeroDailyLimitSpent, XeroError
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup
from daemon.sync.engine import RunTally, SyncEngine
from daemon.sync.notifier import Notifier
from daemon.xero.consent import Consent
from storage import Store
from storage.orgs import Org
from storage.runs import STOPPED, Run

log = structlog.get_logger(__name__)

GRANT_REFUSED = ("invalid_grant", "revoked")  # the token endpoint refused the grant itself, not one org
LEASE_LOST = "this process stalled past its sync lease and another process took the organisation over"


@dataclass(frozen=True)
class RunReport:
    org: Org
    run: Run
    joined: bool  # this caller joined a run that was already going

    @property
    def duration(self) -> float:
        return (self.run.finished_at or self.run.started_at) - self.run.started_at


@dataclass
class _Lease:
    lost: bool = False  # another process took the org over: the run was stopped for that


class SyncRuns:
    def __init__(self, settings: Settings, store: Store, engine: SyncEngine, clock: Clock, notifier: Notifier,
                 consent: Consent, tasks: TaskGroup, metrics=None) -> None:
        self._settings = settings
        self._store = store
        self._engine = engine
        self._clock = clock
        self._notifier = notifier
        self._consent = consent
        self._tasks = tasks
        self._metrics = metrics
        self._running: dict[str, asyncio.Task[Run]] = {}

    def running(self, tenant_id: str) -> bool:
        return tenant_id in self._running

    async def sync(self, tenant_id: str, trigger: str, *, only: frozenset[str] | None = None) -> RunReport:
        """Run a sync of one org now (of the entities in `only`, or all), or join the one already running."""
        task = self._running.get(tenant_id)
        joined = task is not None
        if task is None:
            task = self._tasks.start(self._leased(tenant_id, trigger, only), name=f"sync:{tenant_id}")
            self._running[tenant_id] = task
            task.add_done_callback(lambda _: self._running.pop(tenant_id, None))
        run = await self._tasks.join(task)
        org = await self._store.orgs.get(tenant_id)
        return RunReport(org or _gone(tenant_id), run, joined)

    async def _leased(self, tenant_id: str, trigger: str, only: frozenset[str] | None) -> Run:
        """Take the org's lease, run, keep the lease while running, and give it back."""
        lease_for = self._settings.sync_lease
        while not await self._store.orgs.take_lease(tenant_id, self._clock.time(), self._clock.time() + lease_for):
            org = await self._store.orgs.get(tenant_id)
            if org is None:
                raise CommandError(f"No organisation {tenant_id} is connected.")
            log.info("sync.waiting_for_other_process", tenant_id=tenant_id, holder=org.lease_owner)
            await self._clock.sleep(min(lease_for / 4, max(1.0, (org.lease_until or 0) - self._clock.time())))
        lease, me = _Lease(), asyncio.current_task()
        keeper = self._tasks.start(self._keep_lease(tenant_id, lease, me), name=f"lease:{tenant_id}")
        ran = False
        try:
            try:
                run = await self._run(tenant_id, trigger, only, lease)
            except asyncio.CancelledError:
                if lease.lost and me is not None and me.cancelling() <= 1:  # stopped by the keeper alone
                    me.uncancel()  # the run is theirs now
                    return await self._store.runs.latest(tenant_id) or _gone(tenant_id)
                raise
            ran = run.outcome != "interrupted"
            return run
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            if not lease.lost:
                await asyncio.shield(self._release(tenant_id, ran))

    async def _release(self, tenant_id: str, ran: bool) -> None:
        now = self._clock.time()
        slot = next_slot(tenant_id, now, self._settings.sync_interval) if ran else None
        try:
            if not await self._store.orgs.release_lease(tenant_id, now, slot):
                log.warning("sync.lease_not_ours_at_release", tenant_id=tenant_id)
        except Exception:  # the store is down: the lease runs out by itself, and the org is due again then
            log.exception("sync.lease_release_failed", tenant_id=tenant_id)

    async def _keep_lease(self, tenant_id: str, lease: _Lease, run: asyncio.Task | None) -> None:
        """Renew the lease while the run lasts; should it be lost (this process stalled past its expiry and
        another took the org), stop the run: two processes must not sync one org."""
        lease_for = self._settings.sync_lease
        while True:
            await self._clock.sleep(lease_for / 3)
            if not await self._store.orgs.renew_lease(tenant_id, self._clock.time() + lease_for):
                log.warning("sync.lease_lost", tenant_id=tenant_id)
                lease.lost = True
                if run is not None:
                    run.cancel()
                return

    async def _run(self, tenant_id: str, trigger: str, only: frozenset[str] | None, lease: _Lease) -> Run:
        org = await self._store.orgs.get(tenant_id)
        if org is None:
            raise CommandError(f"No organisation {tenant_id} is connected.")
        started = self._clock.time()
        reconcile = only is None and org.last_reconcile_at is not None and (
            started - org.last_reconcile_at >= self._settings.reconcile_interval)
        run_id = await self._store.runs.start(tenant_id, trigger, started)
        tally = RunTally()
        with structlog.contextvars.bound_contextvars(tenant_id=tenant_id, run_id=run_id):
            try:
                await self._engine.run(org, run_id, tally, reconcile=reconcile, only=only)
            except asyncio.CancelledError:
                why = LEASE_LOST if lease.lost else STOPPED
                await asyncio.shield(self._finish(run_id, "interrupted", tally, why))
                raise
            except XeroAuthError as err:
                return await self._auth_failed(org, run_id, tally, err)
            except XeroDailyLimitSpent as err:
                return await self._paused(org, run_id, tally, err)
            except XeroError as err:
                return await self._failed(org, run_id, tally, str(err))
            except Exception as err:  # a bug must not stop the schedule: record it and keep going
                log.exception("sync.internal_error")
                return await self._failed(org, run_id, tally, f"internal error: {type(err).__name__}: {err}")
            full_read = only is None and (reconcile or org.last_reconcile_at is None)
            return await self._succeeded(org, run_id, tally, started, full_read)

    async def _finish(self, run_id: int, outcome: str, tally: RunTally, error: str | None) -> Run:
        now = self._clock.time()
        await self._store.runs.finish(run_id, outcome, now, api_calls=tally.stats.calls, error=error)
        run = await self._store.runs.get(run_id)
        assert run is not None
        log.info("sync.run_finished", outcome=outcome, trigger=run.trigger, records=run.total_changed,
                 api_calls=run.api_calls, duration_ms=int((now - run.started_at) * 1000), error=error)
        if self._metrics is not None:
            self._metrics.run_finished(run)
        return run

    async def _succeeded(self, org: Org, run_id: int, tally: RunTally, started: float, full_read: bool) -> Run:
        run = await self._finish(run_id, "success", tally, None)
        changes: dict = {"last_success_at": run.finished_at, "last_error": None}
        if full_read:
            changes["last_reconcile_at"] = started
        await self._store.orgs.update(org.tenant_id, self._clock.time(), **changes)
        await self._notifier.sync_succeeded(await self._org(org), run)
        return run

    async def _failed(self, org: Org, run_id: int, tally: RunTally, error: str) -> Run:
        run = await self._finish(run_id, "failed", tally, error)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), last_error=error)
        await self._notifier.sync_failed(await self._org(org), run, reauth_url=None, resumes_at=None)
        return run

    async def _auth_failed(self, org: Org, run_id: int, tally: RunTally, err: XeroAuthError) -> Run:
        error = f"authorization failed ({err.reason}): {err}"
        run = await self._finish(run_id, "auth_failed", tally, error)
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
        error = f"Xero's daily API limit is spent; syncing resumes after Retry-After ({int(err.retry_after)} s)"
        run = await self._finish(run_id, "paused", tally, error)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), paused_until=resumes_at, last_error=error)
        await self._notifier.sync_failed(await self._org(org), run, reauth_url=None, resumes_at=resumes_at)
        return run

    async def _org(self, org: Org) -> Org:
        return await self._store.orgs.get(org.tenant_id) or org


def next_slot(tenant_id: str, now: float, interval: int) -> float:
    """The first time after `now` on this org's fixed phase of the interval (a hash of its tenant id), so 200 orgs
    connected by one consent do not all sync at the top of the hour."""
    phase = int(hashlib.sha1(tenant_id.encode()).hexdigest(), 16) % interval
    return now - ((now - phase) % interval) + interval


def _gone(tenant_id: str) -> Org:
    raise CommandError(f"The organisation {tenant_id} was deleted while it synced.")

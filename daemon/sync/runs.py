"""An org's sync as a recorded run: start it (or join the one already going), hold the org's lease while it runs,
and record how it ended (`daemon/sync/outcomes.py`). The reading itself is `daemon/sync/engine.py`'s.

A run holds the org's lease in the store for as long as it lasts (renewed every third of SYNC_LEASE), so no two
processes sync one org at once. A sync asked of an org another process is syncing waits for that run to end (or
its lease to run out), then runs here. A run cut short by shutdown records itself interrupted; one whose org is
deleted (here or in another process) stops, and its callers hear that the org was deleted while it synced.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import structlog

from clock import Clock
from daemon.core.errors import CommandError, OrgGone
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup
from daemon.sync.engine import SyncEngine
from daemon.sync.outcomes import Outcomes, RunTally
from storage import Store
from storage.orgs import Org
from storage.runs import STOPPED, Run

log = structlog.get_logger(__name__)

LEASE_LOST = "this process stalled past its sync lease and another process took the organisation over"
DELETED = "the organisation was deleted during this sync"


@dataclass(frozen=True)
class RunReport:
    org: Org
    run: Run
    joined: bool  # this caller joined a run that was already going

    @property
    def duration(self) -> float:
        return (self.run.finished_at or self.run.started_at) - self.run.started_at


@dataclass
class _Stop:
    why: str | None = None  # LEASE_LOST or DELETED: why the run is being stopped (None: it is not)


class SyncRuns:
    def __init__(self, settings: Settings, store: Store, engine: SyncEngine, clock: Clock, outcomes: Outcomes,
                 tasks: TaskGroup) -> None:
        self._settings = settings
        self._store = store
        self._engine = engine
        self._clock = clock
        self._outcomes = outcomes
        self._tasks = tasks
        self._running: dict[str, asyncio.Task[Run]] = {}
        self._stops: dict[str, _Stop] = {}

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
        if org is None:
            raise OrgGone(tenant_id)
        return RunReport(org, run, joined)

    async def stop_for_deletion(self, tenant_id: str) -> None:
        """The org is being deleted: stop this process's run of it, and return once the run has ended (its callers
        hear that the org was deleted while it synced)."""
        task, stop = self._running.get(tenant_id), self._stops.get(tenant_id)
        if task is None or stop is None:
            return
        stop.why = DELETED
        task.cancel()
        await asyncio.wait({task})

    async def _leased(self, tenant_id: str, trigger: str, only: frozenset[str] | None) -> Run:
        """Take the org's lease, run, keep the lease while running, and give it back."""
        lease_for = self._settings.sync_lease
        while not await self._store.orgs.take_lease(tenant_id, self._clock.time(), self._clock.time() + lease_for):
            org = await self._store.orgs.get(tenant_id)
            if org is None:
                raise CommandError(f"No organisation {tenant_id} is connected.")
            log.info("sync.waiting_for_other_process", tenant_id=tenant_id, holder=org.lease_owner)
            await self._clock.sleep(min(lease_for / 4, max(1.0, (org.lease_until or 0) - self._clock.time())))
        stop, me = self._stops.setdefault(tenant_id, _Stop()), asyncio.current_task()
        keeper = self._tasks.start(self._keep_lease(tenant_id, stop, me), name=f"lease:{tenant_id}")
        ran = False
        try:
            try:
                run = await self._run(tenant_id, trigger, only, stop)
            except asyncio.CancelledError:
                if stop.why and me is not None and me.cancelling() <= 1:  # stopped for its own reason only
                    me.uncancel()
                    if stop.why == DELETED:
                        raise OrgGone(tenant_id) from None
                    latest = await self._store.runs.latest(tenant_id)  # the org is the other process's now
                    if latest is None:
                        raise OrgGone(tenant_id) from None
                    return latest
                raise
            ran = run.outcome != "interrupted"
            return run
        finally:
            self._stops.pop(tenant_id, None)
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            if not stop.why:
                await asyncio.shield(self._release(tenant_id, ran))

    async def _release(self, tenant_id: str, ran: bool) -> None:
        now = self._clock.time()
        slot = next_slot(tenant_id, now, self._settings.sync_interval) if ran else None
        try:
            if not await self._store.orgs.release_lease(tenant_id, now, slot):
                log.warning("sync.lease_not_ours_at_release", tenant_id=tenant_id)
        except Exception:  # the store is down: the lease runs out by itself, and the org is due again then
            log.exception("sync.lease_release_failed", tenant_id=tenant_id)

    async def _keep_lease(self, tenant_id: str, stop: _Stop, run: asyncio.Task | None) -> None:
        """Renew the lease while the run lasts; should it be lost (this process stalled past its expiry and
        another took the org, or the org was deleted), stop the run: two processes must not sync one org."""
        lease_for = self._settings.sync_lease
        while True:
            await self._clock.sleep(lease_for / 3)
            if not await self._store.orgs.renew_lease(tenant_id, self._clock.time() + lease_for):
                stop.why = DELETED if await self._store.orgs.get(tenant_id) is None else LEASE_LOST
                log.info("sync.stopped", tenant_id=tenant_id, why=stop.why)
                if run is not None:
                    run.cancel()
                return

    async def _run(self, tenant_id: str, trigger: str, only: frozenset[str] | None, stop: _Stop) -> Run:
        org = await self._store.orgs.get(tenant_id)
        if org is None:
            raise OrgGone(tenant_id)
        started = self._clock.time()
        reconcile = only is None and org.last_reconcile_at is not None and (
            started - org.last_reconcile_at >= self._settings.reconcile_interval)
        run_id = await self._store.runs.start(tenant_id, trigger, started)
        tally = RunTally()
        with structlog.contextvars.bound_contextvars(tenant_id=tenant_id, run_id=run_id):
            try:
                await self._engine.run(org, run_id, tally, started=started, reconcile=reconcile, only=only)
            except asyncio.CancelledError:
                await asyncio.shield(self._outcomes.finish(run_id, "interrupted", tally, stop.why or STOPPED))
                raise
            except Exception as err:
                if await self._store.orgs.get(tenant_id) is None:  # deleted by another process meanwhile
                    raise OrgGone(tenant_id) from None
                return await self._outcomes.ended_badly(org, run_id, tally, err)
            read_all = only is None
            return await self._outcomes.succeeded(
                org, run_id, tally, started=started, reconciled=read_all and (reconcile or org.last_reconcile_at is None),
                sync_from=started - self._settings.sync_overlap if read_all else None)


def next_slot(tenant_id: str, now: float, interval: int) -> float:
    """The first time after `now` on this org's fixed phase of the interval (a hash of its tenant id), so 200 orgs
    connected by one consent do not all sync at the top of the hour."""
    phase = int(hashlib.sha1(tenant_id.encode()).hexdigest(), 16) % interval
    return now - ((now - phase) % interval) + interval


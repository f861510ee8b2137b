"""The hourly loop: sync each enabled org every SYNC_INTERVAL, spread over the interval, a bounded number at once.

Each org has a fixed phase in the interval (`next_slot` in `daemon/sync/runs.py`). An org overdue at start-up runs
soon after start-up. The loop takes the lease of each org it syncs (as many as it has free places), so several
processes on one store share the orgs, and an org whose process died is taken by another once its lease runs out.
The slot moves on when the sync ends (`SyncRuns`): a sync already running for an org (a manual one, say) serves
its slot.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from clock import Clock
from daemon.core.tasks import Loop, TaskGroup
from daemon.sync.runs import SyncRuns
from storage import Store
from storage.orgs import Org

log = structlog.get_logger(__name__)

RETRY_AFTER_ERROR = 30.0  # seconds the loop waits after the store failed it
# With other processes on the store, how often an idle loop looks for orgs they made due (a consent, an enable, a
# reset through another replica) without telling it. At a lease (120 s), the replica that took a consent of 2,000
# orgs worked alone for up to two minutes and did 60% of the cycle (bench/many_orgs.py --replicas 3).
SHARED_POLL = 10.0


class Scheduler(Loop):
    """The hourly loop; `wake` after a connect, an enable, a reset, a sync that ended: due orgs are looked for now."""

    name = "scheduler"

    def __init__(self, store: Store, runs: SyncRuns, clock: Clock, tasks: TaskGroup, *, interval: int,
                 concurrency: int, lease: int) -> None:
        super().__init__(tasks)
        self._store = store
        self._runs = runs
        self._clock = clock
        self._interval = interval
        self._concurrency = concurrency
        self._lease = lease
        self._in_flight = 0  # scheduled syncs started and not yet ended

    async def _run(self) -> None:
        started = self._clock.time()
        first_pass = True
        while True:
            self._wake.clear()
            try:
                await self._start_due(started if first_pass else None)
                first_pass = False
                await self._park()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is down, or a bug: the schedule must go on; look again shortly
                log.exception("scheduler.loop_error")
                await self._clock.sleep(RETRY_AFTER_ERROR, wake=self._wake)

    async def _start_due(self, startup: float | None) -> None:
        free = self._concurrency - self._in_flight
        if free <= 0:
            return  # a sync that ends wakes the loop
        now = self._clock.time()
        for org in await self._store.orgs.claim_due(now, now + self._lease, free):
            self._in_flight += 1
            self._tasks.start(self._sync(org.tenant_id, _trigger(org, startup)), name=f"scheduled:{org.tenant_id}")

    async def _sync(self, tenant_id: str, trigger: str) -> None:
        try:
            await self._runs.sync(tenant_id, trigger)
        except asyncio.CancelledError:
            raise
        except Exception:  # the runs record failures; this only guards the loop against the unexpected
            log.exception("scheduler.sync_crashed", tenant_id=tenant_id)
        finally:
            self._in_flight -= 1
            self._wake.set()  # a place is free: take the next due org

    async def _park(self) -> None:
        """Sleep until the next org is due (or, with other processes on the store, at most SHARED_POLL: they
        connect orgs and make them due without telling this one), or until woken."""
        full = self._in_flight >= self._concurrency  # no place free: a sync that ends wakes the loop
        due = None if full else await self._store.orgs.next_due_at()
        now = self._clock.time()  # after the query: time may have moved while it ran
        horizon = now + (min(self._interval, self._lease, SHARED_POLL) if self._store.shared else self._interval)
        deadline = min(due, horizon) if due is not None else horizon
        await self._clock.sleep_until(datetime.fromtimestamp(deadline, UTC), wake=self._wake)


def _trigger(org: Org, startup: float | None) -> str:
    if org.last_attempted_at is None:
        return "connect"
    if startup is not None and (org.next_sync_at or 0) <= startup:
        return "startup"
    return "schedule"

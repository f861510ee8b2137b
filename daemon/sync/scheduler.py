"""The hourly loop: sync each enabled org every SYNC_INTERVAL, spread over the interval, a bounded number at once.

Each org has a fixed phase in the interval (`next_slot` in `daemon/sync/runs.py`). An org overdue at start-up runs soon after
start-up. The loop takes the lease of each org it syncs (as many as it has free places), so several processes on
one store share the orgs, and an org whose process died is taken by another once its lease runs out. The slot
moves on when the sync ends (`SyncRunner`): a sync already running for an org (a manual one, say) serves its slot.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from clock import Clock, settle
from daemon.sync.runs import SyncRunner
from storage import Store
from storage.orgs import Org

log = structlog.get_logger(__name__)


class Scheduler:
    def __init__(self, store: Store, runner: SyncRunner, clock: Clock, *, interval: int, concurrency: int,
                 lease: int) -> None:
        self._store = store
        self._runner = runner
        self._clock = clock
        self._interval = interval
        self._concurrency = concurrency
        self._lease = lease
        self._tasks: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self._parked = asyncio.Event()
        self._deadline = 0.0
        self._loop_task: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        """A scheduled sync is in flight (or waiting for its turn)."""
        return bool(self._tasks)

    def wake(self) -> None:
        """Look for due orgs now (after a connect, an enable, a reset)."""
        self._wake.set()

    async def run(self) -> None:
        started = self._clock.time()
        first_pass = True
        while True:
            await self._start_due(started if first_pass else None)
            first_pass = False
            await self._park()

    def start(self) -> asyncio.Task:
        self._loop_task = asyncio.create_task(self.run(), name="scheduler")
        return self._loop_task

    async def _start_due(self, startup: float | None) -> None:
        free = self._concurrency - len(self._tasks)
        if free <= 0:
            return  # a sync that ends wakes the loop
        now = self._clock.time()
        for org in await self._store.orgs.claim_due(now, now + self._lease, free):
            task = asyncio.create_task(self._sync(org.tenant_id, _trigger(org, startup)),
                                       name=f"scheduled:{org.tenant_id}")
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self._wake.set()  # a place is free: take the next due org

    async def _sync(self, tenant_id: str, trigger: str) -> None:
        try:
            await self._runner.sync(tenant_id, trigger)
        except asyncio.CancelledError:
            raise
        except Exception:  # the runner records failures; this only guards the loop against the unexpected
            log.exception("scheduler.sync_crashed", tenant_id=tenant_id)

    async def _park(self) -> None:
        full = len(self._tasks) >= self._concurrency  # no place free: a sync that ends wakes the loop
        due = None if full else await self._store.orgs.next_due_at()
        now = self._clock.time()  # after the query: time may have moved while it ran
        # Other processes connect orgs and make them due without telling this one: look at least once a lease.
        horizon = now + (min(self._interval, self._lease) if self._store.shared else self._interval)
        self._deadline = min(due, horizon) if due is not None else horizon
        # An absolute deadline: the sleep starts a moment later, and must end when `_deadline` says, not after it.
        # Only looking around is a background chore (a fake clock does not jump to it on its own).
        when = datetime.fromtimestamp(self._deadline, UTC)
        polling = self._store.shared and (due is None or due > horizon)
        sleeper = asyncio.ensure_future(self._clock.sleep_until(when, background=polling))
        woken = asyncio.ensure_future(self._wake.wait())
        self._parked.set()
        try:
            await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._parked.clear()
            self._wake.clear()
            for waiter in (sleeper, woken):
                waiter.cancel()

    async def stop(self) -> None:
        """Stop the loop, then cancel the syncs it started (each records itself as interrupted)."""
        tasks = [self._loop_task, *self._tasks] if self._loop_task else list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def idle(self, *, grace: float = 0.5) -> None:
        """Return once every due sync has finished and the loop is waiting for the next one (for tests with a
        fake clock). Syncs still running after `grace` seconds while something else waits on the clock are
        taken to be waiting on it too (a backoff, a slow answer): returning lets the test move time on."""
        while True:
            await settle()
            if self._tasks:
                _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
                if pending and self._clock_has_earlier_sleeper():
                    return
                continue
            if self._parked.is_set() and not self._wake.is_set() and self._clock.time() < self._deadline:
                return
            if self._loop_task is not None and self._loop_task.done():
                raise RuntimeError("the scheduler loop is not running")
            await asyncio.sleep(0.001)  # the loop is busy with the database; give its thread a moment

    def _clock_has_earlier_sleeper(self) -> bool:
        next_deadline = getattr(self._clock, "next_deadline", None)
        deadline = next_deadline() if next_deadline is not None else None
        return deadline is not None and deadline < self._deadline


def _trigger(org: Org, startup: float | None) -> str:
    if org.last_attempted_at is None:
        return "connect"
    if startup is not None and (org.next_sync_at or 0) <= startup:
        return "startup"
    return "schedule"

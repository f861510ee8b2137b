"""A clock for in-process tests: time moves only when a test advances it, one sleeper's deadline at a time.

`advance(seconds, settled=...)` wakes every sleeper whose deadline falls within `seconds`, in deadline order, and
after each wake-up awaits `settled` (the daemon's task group, told which tasks wait on this clock), so the work a
timer starts (a sync doing real I/O) is done before time moves on to the next deadline.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Awaitable, Callable


@dataclass(order=True)
class _Sleeper:
    deadline: float
    seq: int
    future: asyncio.Future = field(compare=False)
    task: asyncio.Task | None = field(compare=False)
    wake: asyncio.Event | None = field(compare=False)

    @property
    def asleep(self) -> bool:
        return not self.future.done() and not (self.wake is not None and self.wake.is_set())


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)).timestamp()
        self._sleepers: list[_Sleeper] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self._now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        if wake is not None and wake.is_set():
            return
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, _Sleeper(self._now + seconds, next(self._seq), future,
                                                asyncio.current_task(), wake))
        waker = asyncio.ensure_future(wake.wait()) if wake is not None else None
        if waker is not None:
            waker.add_done_callback(lambda _: future.done() or future.set_result(None))
        try:
            await future
        finally:
            if waker is not None:
                waker.cancel()
            future.cancel()

    async def sleep_until(self, when: datetime, *, wake: asyncio.Event | None = None) -> None:
        await self.sleep(when.timestamp() - self._now, wake=wake)

    def waiting(self, task: asyncio.Task) -> bool:
        """`task` is asleep on this clock: only moving time (or its wake event) goes on with it."""
        return any(s.task is task and s.asleep for s in self._sleepers)

    def next_deadline(self) -> float | None:
        """When the earliest sleeper wakes (None: nobody is waiting on this clock for a finite time)."""
        self._prune()
        deadline = self._sleepers[0].deadline if self._sleepers else None
        return deadline if deadline is not None and math.isfinite(deadline) else None

    async def advance(self, seconds: float, *, settled: Callable[[], Awaitable[object]] | None = None) -> None:
        """Move time forward by `seconds`, waking every sleeper whose deadline is passed, in order, and awaiting
        `settled` after each wake-up (without it: a few passes of the event loop)."""
        settle = settled or _let_the_loop_run
        target = self._now + seconds
        await settle()
        while True:
            self._prune()
            if not self._sleepers or self._sleepers[0].deadline > target:
                break
            sleeper = heapq.heappop(self._sleepers)
            self._now = max(self._now, sleeper.deadline)
            sleeper.future.set_result(None)
            await settle()
        self._now = target
        await settle()

    def set(self, when: datetime) -> None:
        """Jump to `when` without waking anyone (for setting up a scenario)."""
        self._now = when.timestamp()

    def _prune(self) -> None:
        while self._sleepers and not self._sleepers[0].asleep:
            heapq.heappop(self._sleepers)


async def _let_the_loop_run() -> None:
    for _ in range(50):
        await asyncio.sleep(0)

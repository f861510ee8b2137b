"""One clock for everything that reads the time or waits for it.

Production uses `SystemClock`. Tests use `FakeClock`, whose time only moves when the test says so; benchmarks
and subprocess tests use `ScaledClock`, where a "minute" can pass in a second of real time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time as _time
from datetime import UTC, datetime
from typing import Awaitable, Callable, Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...
    def time(self) -> float: ...

    async def sleep(self, seconds: float, *, background: bool = False) -> None:
        """Wait. `background`: a periodic chore nobody waits on (renewing a lease): a fake clock passes its
        deadline when time is moved past it, but does not jump to it on its own."""

    async def sleep_until(self, when: datetime, *, background: bool = False) -> None: ...


class SystemClock:
    """Wall-clock time; sleeps are real."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return _time.time()

    async def sleep(self, seconds: float, *, background: bool = False) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def sleep_until(self, when: datetime, *, background: bool = False) -> None:
        await self.sleep(when.timestamp() - self.time())


class ScaledClock:
    """Time that runs `factor` times faster than the wall clock, from `start` (epoch seconds).

    Two processes given the same `start` and `factor` agree on the time, so an emulator and a daemon can share a
    compressed minute without sharing memory.
    """

    def __init__(self, factor: float, start: float | None = None) -> None:
        self.factor = factor
        self._origin_real = _time.time()
        self._origin = self._origin_real if start is None else start

    def time(self) -> float:
        return self._origin + (_time.time() - self._origin_real) * self.factor

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    async def sleep(self, seconds: float, *, background: bool = False) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.factor)

    async def sleep_until(self, when: datetime, *, background: bool = False) -> None:
        await self.sleep(when.timestamp() - self.time())


class FakeClock:
    """A clock that moves only when `advance()` is awaited.

    Sleepers wake in deadline order as the clock passes their deadline; `advance` lets the event loop run after
    each wake-up so that work triggered by one timer is done before the next fires.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)).timestamp()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._background: set[asyncio.Future[None]] = set()  # sleepers `next_deadline` does not report
        self._seq = itertools.count()

    def time(self) -> float:
        return self._now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    async def sleep(self, seconds: float, *, background: bool = False) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), future))
        if background:
            self._background.add(future)
            future.add_done_callback(self._background.discard)
        await future

    async def sleep_until(self, when: datetime, *, background: bool = False) -> None:
        await self.sleep(when.timestamp() - self._now, background=background)

    async def advance(self, seconds: float, *, quiesce: Callable[[], Awaitable[object]] | None = None) -> None:
        """Move time forward, waking every sleeper whose deadline is passed, in order.

        After each wake-up the loop settles; `quiesce`, when given, is awaited too, so work a timer started (a
        sync doing real I/O) finishes before time moves on to the next deadline."""
        target = self._now + seconds
        await self._quiet(quiesce)
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
                await self._quiet(quiesce)
        self._now = target
        await self._quiet(quiesce)

    @staticmethod
    async def _quiet(quiesce: Callable[[], Awaitable[object]] | None) -> None:
        await settle()
        if quiesce is not None:
            await quiesce()

    def next_deadline(self) -> float | None:
        """When the earliest sleeper wakes, background chores aside (None: nobody is waiting on this clock)."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # cancelled sleeps
        return min((deadline for deadline, _, future in self._sleepers
                    if not future.done() and future not in self._background), default=None)

    async def run_until_done(self, awaitable, *, horizon: float = 120.0, step_limit: int = 100_000):
        """Await `awaitable`, jumping the clock to the next sleeper's deadline (if it is within `horizon`
        seconds) whenever the awaitable is stalled: backoffs, Retry-After and pacing pass without a test waiting
        for time. Sleepers further away (the hourly schedule) are left alone."""
        task = asyncio.ensure_future(awaitable)
        for _ in range(step_limit):
            done, _ = await asyncio.wait({task}, timeout=0.002)  # let real I/O (sockets, the db thread) happen
            if done:
                return task.result()
            deadline = self.next_deadline()
            if deadline is not None and deadline - self._now <= horizon:
                await self.advance(max(0.0, deadline - self._now))
        task.cancel()
        raise TimeoutError("run_until_done: step limit reached")

    def set(self, when: datetime) -> None:
        """Jump to `when` without waking anyone (for setting up a scenario)."""
        self._now = when.timestamp()


async def settle(rounds: int = 50) -> None:
    """Let ready callbacks run: a few passes of the event loop."""
    for _ in range(rounds):
        await asyncio.sleep(0)

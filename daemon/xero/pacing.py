"""Pacing: stay under Xero's limits instead of bouncing off them.

Per org: at most `concurrent` calls in flight and `per_minute` calls in any rolling minute; across orgs, under
the app's minute limit. The remaining-budget headers Xero sends back tighten the local view when Xero has
counted calls we did not see (another process, a restart).

The app's minute is this process's own (`AnsweredWindow`: a call counts until a minute after its answer) with one
process on the store (SQLite); with several (PostgreSQL)
it is the store's (`SharedAppWindow`): every replica takes calls from one budget, in chunks sized to the calls
waiting, so the database is asked once per chunk rather than once per call."""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict, deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable, Mapping, Protocol

from clock import Clock
from storage.app_budget import Claim


@dataclass
class Budget:
    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None


class Window:
    """Call times in a rolling window; `take()` returns once one more call fits.

    `margin` lengthens the window as we see it: we count a call when we send it, Xero when it arrives, so a call
    sent exactly a window after another can arrive inside Xero's window when it travelled faster than the first."""

    def __init__(self, clock: Clock, limit: int, length: float, margin: float = 0.0) -> None:
        self._clock, self.limit, self.length = clock, limit, length + margin
        self._times: deque[float] = deque()
        self._held_until = 0.0

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.length:
            self._times.popleft()

    def delay(self) -> float:
        now = self._clock.time()
        self._trim(now)
        wait = max(0.0, self._held_until - now)
        if len(self._times) >= self.limit:
            wait = max(wait, self._times[0] + self.length - now)
        return wait

    async def take(self) -> None:
        while (wait := self.delay()) > 0:
            await self._clock.sleep(wait)
        self._times.append(self._clock.time())

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock.time() + seconds)

    def exhausted(self) -> None:
        """Xero says nothing is left this minute: wait until our oldest call leaves the window."""
        now = self._clock.time()
        self._trim(now)
        self.hold(self._times[0] + self.length - now if self._times else self.length)


class AnsweredWindow(Window):
    """The app's minute as one process sees it: a call counts from when it is sent until a minute after its answer
    came back. Xero counts it when it arrives, somewhere in between, however long it queued on the way. Counted from
    its sending, with a second's margin, 24 orgs' calls queueing at a busy server met 143 app 429s in a cycle of
    2,000 orgs (bench/many_orgs.py); counted this way, none, with no margin to guess."""

    def __init__(self, clock: Clock, limit: int, length: float) -> None:
        super().__init__(clock, limit, length)
        self._in_flight = 0
        self._answered = asyncio.Event()

    def delay(self) -> float:
        now = self._clock.time()
        self._trim(now)
        wait = max(0.0, self._held_until - now)
        if len(self._times) + self._in_flight >= self.limit:  # all in flight: until an answer comes
            wait = max(wait, self._times[0] + self.length - now if self._times else math.inf)
        return wait

    async def take(self) -> None:
        while (wait := self.delay()) > 0:
            self._answered.clear()
            await self._clock.sleep(wait, wake=self._answered)
        self._in_flight += 1

    def answered(self) -> None:
        self._in_flight -= 1
        self._times.append(self._clock.time())
        self._answered.set()


class AppWindow(Protocol):
    def delay(self) -> float: ...

    async def take(self) -> None: ...

    def answered(self) -> None:
        """The call `take()` let go has its answer (or failed)."""

    def hold(self, seconds: float) -> None: ...

    def exhausted(self) -> None: ...


ClaimFn = Callable[[float, int], Awaitable[Claim]]  # (now, calls wanted) -> what the store granted


class SharedAppWindow:
    """The app's minute budget as the store holds it for every process: calls are claimed in chunks (as many as
    are waiting here, at most `chunk`), each to be sent within the tick it was granted in; once Xero's minute is
    spent the store says when there is room again, and one claim then serves every call waiting here."""

    def __init__(self, clock: Clock, claim: ClaimFn, *, chunk: int = 50) -> None:
        self._clock, self._claim, self._chunk = clock, claim, chunk
        self._left, self._until = 0, 0.0  # calls of the current chunk not yet sent, and when it lapses
        self._held_until = 0.0
        self._waiting = 0
        self._lock = asyncio.Lock()
        self.claims = self.granted = self.sent = 0  # what it cost (bench/app_budget.py prints these)

    def delay(self) -> float:
        return max(0.0, self._held_until - self._clock.time())

    def _spend(self) -> bool:
        if self._left > 0 and self._clock.time() < self._until:
            self._left -= 1
            self.sent += 1
            return True
        return False

    async def take(self) -> None:
        self._waiting += 1
        try:
            while True:
                while (wait := self.delay()) > 0:
                    await self._clock.sleep(wait)
                if self._spend():
                    return
                async with self._lock:  # one claim at a time; it serves every call waiting meanwhile
                    if self._left > 0 and self._clock.time() < self._until:
                        continue
                    got = await self._claim(self._clock.time(), min(self._chunk, self._waiting))
                    self.claims += 1
                    self.granted += got.granted
                    self._left, self._until = got.granted, got.until
                    if not got.granted:
                        await self._clock.sleep(max(0.0, (got.retry_at or got.until) - self._clock.time()))
        finally:
            self._waiting -= 1

    def answered(self) -> None:
        pass  # counted in the store when claimed

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock.time() + seconds)

    def exhausted(self) -> None:
        """Xero says the app's minute is spent: what is left of this chunk is not sent; the store decides."""
        self._left = 0


class Pacer:
    def __init__(
        self, clock: Clock, *, per_minute: int = 60, concurrent: int = 5, app_per_minute: int = 10_000,
        minute: float = 60.0, shared: ClaimFn | None = None,
    ) -> None:
        self._clock = clock
        self._minute = minute
        self._per_minute = per_minute
        self._slots: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(concurrent))
        self._windows: dict[str, Window] = {}
        # Many orgs' calls race for the app's minute, many in flight at once: each counts until a minute after its
        # answer (AnsweredWindow). An org's own calls go one at a time.
        self._app: AppWindow = SharedAppWindow(clock, shared) if shared is not None else AnsweredWindow(
            clock, app_per_minute, minute)
        self.budgets: defaultdict[str, Budget] = defaultdict(Budget)

    def _window(self, tenant_id: str) -> Window:
        if tenant_id not in self._windows:
            self._windows[tenant_id] = Window(self._clock, self._per_minute, self._minute)
        return self._windows[tenant_id]

    @asynccontextmanager
    async def slot(self, tenant_id: str) -> AsyncIterator[None]:
        async with self._slots[tenant_id]:
            await self._window(tenant_id).take()
            await self._app.take()
            try:
                yield
            finally:
                self._app.answered()

    def wait_needed(self, tenant_id: str) -> float:
        """Seconds a call for this org would wait for the limits now (0: it may go at once)."""
        return max(self._window(tenant_id).delay(), self._app.delay())

    def observe(self, tenant_id: str, headers: Mapping[str, str]) -> None:
        budget = self.budgets[tenant_id]
        budget.minute_remaining = _int(headers.get("X-MinLimit-Remaining"), budget.minute_remaining)
        budget.day_remaining = _int(headers.get("X-DayLimit-Remaining"), budget.day_remaining)
        budget.app_minute_remaining = _int(headers.get("X-AppMinLimit-Remaining"), budget.app_minute_remaining)
        if budget.minute_remaining is not None and budget.minute_remaining <= 0:
            self._window(tenant_id).exhausted()
        if budget.app_minute_remaining is not None and budget.app_minute_remaining <= 0:
            self._app.exhausted()

    def hold(self, tenant_id: str, seconds: float, *, app_wide: bool = False) -> None:
        """After a 429: no call for this org (or for any org) before `seconds` pass."""
        (self._app if app_wide else self._window(tenant_id)).hold(seconds)


def _int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default

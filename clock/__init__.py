"""One clock for everything that reads the time or waits for it: the daemon, the emulator, the benchmarks.

Production uses `SystemClock`. Benchmarks and tests that run real processes use `ScaledClock`, where a "minute" can
pass in a second of real time; in-process tests use a fake clock that moves only when the test says so
(`tests/fakes/clock.py`). A package of its own, so the daemon and the emulator share it without importing each
other.
"""

from __future__ import annotations

import asyncio
import time as _time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The time now, UTC-aware."""

    def time(self) -> float:
        """The time now, in epoch seconds."""

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        """Wait `seconds` (forever when infinite), or until `wake` is set, whichever comes first."""

    async def sleep_until(self, when: datetime, *, wake: asyncio.Event | None = None) -> None: ...


class SystemClock:
    """Wall-clock time; sleeps are real."""

    rate = 1.0  # clock seconds per real second

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def time(self) -> float:
        return _time.time()

    async def sleep(self, seconds: float, *, wake: asyncio.Event | None = None) -> None:
        real = max(0.0, seconds) / self.rate
        if wake is None:
            await asyncio.sleep(real)
            return
        try:
            await asyncio.wait_for(wake.wait(), None if real == float("inf") else real)
        except TimeoutError:
            pass

    async def sleep_until(self, when: datetime, *, wake: asyncio.Event | None = None) -> None:
        await self.sleep(when.timestamp() - self.time(), wake=wake)


class ScaledClock(SystemClock):
    """Time that runs `factor` times faster than the wall clock, from `start` (epoch seconds).

    Two processes given the same `start` and `factor` agree on the time, so an emulator and a daemon can share a
    compressed minute without sharing memory.
    """

    def __init__(self, factor: float, start: float | None = None) -> None:
        self.rate = factor
        self._origin_real = _time.time()
        self._origin = self._origin_real if start is None else start

    def time(self) -> float:
        return self._origin + (_time.time() - self._origin_real) * self.rate

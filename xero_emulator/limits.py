"""Xero's API limits: per tenant 5 in flight, 60 a minute, 5000 a day; per app 10000 a minute.

Windows are rolling and measured on the emulator's clock (a "minute" is `minute_seconds` clock seconds, a day
1440 of them). Counters run even when limits are off, so the X-*-Remaining headers are always meaningful.
Calls refused with 429 are not counted.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from .config import EmulatorConfig


@dataclass
class Refusal:
    problem: str        # minute | day | concurrent | appminute
    retry_after: int    # whole clock seconds


@dataclass
class _Tenant:
    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)
    in_flight: int = 0


class Limiter:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._tenants: dict[str, _Tenant] = {}
        self._app: deque[float] = deque()

    @property
    def minute(self) -> float:
        return self.config.minute_seconds

    @property
    def day(self) -> float:
        return self.config.minute_seconds * 1440

    def _tenant(self, tenant_id: str, now: float) -> _Tenant:
        state = self._tenants.setdefault(tenant_id, _Tenant())
        _prune(state.minute, now - self.minute)
        _prune(state.day, now - self.day)
        _prune(self._app, now - self.minute)
        return state

    def acquire(self, tenant_id: str, now: float) -> Refusal | None:
        """Count a call, or say which limit refuses it (only when limits are enabled)."""
        state = self._tenant(tenant_id, now)
        refusal = self._check(state, now) if self.config.limits_enabled else None
        if refusal is None:
            state.minute.append(now)
            state.day.append(now)
            self._app.append(now)
            state.in_flight += 1
        return refusal

    def _check(self, state: _Tenant, now: float) -> Refusal | None:
        c = self.config
        if len(state.day) >= c.day_limit:
            return Refusal("day", _wait(state.day, self.day, now))
        if len(state.minute) >= c.minute_limit:
            return Refusal("minute", _wait(state.minute, self.minute, now))
        if len(self._app) >= c.app_minute_limit:
            return Refusal("appminute", _wait(self._app, self.minute, now))
        if state.in_flight >= c.concurrent_limit:
            return Refusal("concurrent", 1)
        return None

    def release(self, tenant_id: str) -> None:
        state = self._tenants.get(tenant_id)
        if state and state.in_flight > 0:
            state.in_flight -= 1

    def headers(self, tenant_id: str, now: float) -> dict[str, str]:
        state = self._tenant(tenant_id, now)
        c = self.config
        return {"X-MinLimit-Remaining": str(max(0, c.minute_limit - len(state.minute))),
                "X-DayLimit-Remaining": str(max(0, c.day_limit - len(state.day))),
                "X-AppMinLimit-Remaining": str(max(0, c.app_minute_limit - len(self._app)))}


def _prune(window: deque[float], horizon: float) -> None:
    while window and window[0] <= horizon:
        window.popleft()


def _wait(window: deque[float], length: float, now: float) -> int:
    """Seconds until the oldest call in a full window leaves it."""
    return max(1, math.ceil(window[0] + length - now))

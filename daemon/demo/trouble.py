"""Bad days at Xero, made to order for the demo: an organisation whose every API call fails with HTTP 500, and one
whose daily API limit is spent. Both are the emulator's own ways of answering (an injected fault, and its limiter's
429 with `X-Rate-Limit-Problem: day`), switched on and off per organisation."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from xero_emulator.faults import Fault
from xero_emulator.limits import Refusal

MIN_PAUSE = 3600  # seconds: Retry-After for a spent daily limit is at least an hour, else midnight UTC


class Trouble:
    """Per organisation (by tenant id): Xero failing, or its daily limit spent, until lifted."""

    def __init__(self, emulator) -> None:
        self._emulator = emulator
        self._failing: dict[str, Fault] = {}
        self.limits = SpentDayLimit(emulator)

    def fail(self, tenant_id: str) -> bool:
        """Every API call for the org answers HTTP 500 (Xero's UnknownErrorException); False if it already does."""
        if tenant_id in self._failing:
            return False
        self._failing[tenant_id] = self._emulator.inject_fault("500", tenant_id=tenant_id, fraction=1.0)
        return True

    def heal(self, tenant_id: str) -> bool:
        """Xero answers the org normally again; False if it was not failing."""
        fault = self._failing.pop(tenant_id, None)
        if fault is None:
            return False
        faults = self._emulator.faults.faults
        if fault in faults:
            faults.remove(fault)
        return True


class SpentDayLimit:
    """Stands in for the emulator's limiter: for the orgs in `spent`, every call is refused as Xero refuses a call
    over the daily limit (429, `X-Rate-Limit-Problem: day`, `X-DayLimit-Remaining: 0`, Retry-After until the
    limit resets); every other org, and everything else, is the limiter's."""

    def __init__(self, emulator) -> None:
        self._limiter = emulator.limiter
        self._clock = emulator.clock
        self.spent: set[str] = set()
        emulator.limiter = self

    def acquire(self, tenant_id: str, now: float) -> Refusal | None:
        if tenant_id in self.spent:
            return Refusal("day", resets_in(now))
        return self._limiter.acquire(tenant_id, now)

    def headers(self, tenant_id: str, now: float) -> dict[str, str]:
        headers = self._limiter.headers(tenant_id, now)
        if tenant_id in self.spent:
            headers["X-DayLimit-Remaining"] = "0"
        return headers

    def __getattr__(self, name: str):
        return getattr(self._limiter, name)


def resets_in(now: float) -> int:
    """Seconds until the next midnight UTC, or MIN_PAUSE if that is sooner."""
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(MIN_PAUSE, math.ceil((today + timedelta(days=1)).timestamp() - now))

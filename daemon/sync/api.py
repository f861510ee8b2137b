"""The records API's gate: who may call (a live API key, by hash) and how often (a token bucket per key, on the
clock: API_RATE_LIMIT requests a minute, with bursts up to that many). Each process keeps its own buckets, so
with several replicas behind a load balancer a key's rate is per replica (README says so)."""

from __future__ import annotations

from dataclasses import dataclass

from clock import Clock
from daemon.core.errors import ApiRefused
from storage import Store
from storage.api_keys import ApiKey


@dataclass
class _Bucket:
    tokens: float
    at: float


class ApiGate:
    def __init__(self, store: Store, clock: Clock, *, per_minute: int) -> None:
        self._store = store
        self._clock = clock
        self._rate = per_minute / 60.0
        self._burst = float(per_minute)
        self._buckets: dict[int, _Bucket] = {}

    async def admit(self, authorization: str | None) -> ApiKey:
        """The caller's key, once it is live and within its rate; ApiRefused (401, 429) otherwise."""
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiRefused(401, "send an API key as `Authorization: Bearer <key>` (xero-syncd api-key create NAME)")
        now = self._clock.time()
        found = await self._store.api_keys.check(key.strip(), now)
        if found is None:
            raise ApiRefused(401, "this API key is not valid (unknown or revoked)")
        bucket = self._buckets.get(found.id) or _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        self._buckets[found.id] = bucket
        if bucket.tokens < 1:
            raise ApiRefused(429, "too many requests with this key: slow down", retry_after=(1 - bucket.tokens) / self._rate)
        bucket.tokens -= 1
        return found

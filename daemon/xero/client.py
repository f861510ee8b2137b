"""The Accounting API client: one GET with the tenant header, pacing, error translation and retries by kind.

- 401 TokenExpired: refresh once and retry. 401 AuthorizationUnsuccessful: a scope is missing (needs a person).
- 403: the organisation was disconnected (needs a person).
- 429: wait exactly Retry-After; a spent daily limit is raised so the org pauses until it resets.
- 5xx, offline org, timeouts, dropped connections, unreadable bodies: exponential backoff with jitter, bounded.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp
import structlog

from clock import Clock
from daemon.core.errors import XeroAuthError, XeroDailyLimitSpent, XeroError, XeroRateLimited, XeroTransientError
from daemon.core.net import outbound
from daemon.xero.decoding import OFF_LOOP_BYTES, decode, decode_off_loop
from daemon.xero.pacing import Pacer
from daemon.xero.tokens import TokenManager

log = structlog.get_logger(__name__)


@dataclass
class CallStats:
    """What one sync run spent: API calls made (every attempt counts) and 429s met."""

    calls: int = 0
    throttled: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    timeout: float = 60.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return min(self.cap, self.base * 2 ** (attempt - 1)) * (0.5 + rng.random() / 2)


class XeroClient:
    def __init__(
        self, api_url: str, http: aiohttp.ClientSession, tokens: TokenManager, clock: Clock, pacer: Pacer,
        *, retry: RetryPolicy = RetryPolicy(), rng: random.Random | None = None, metrics=None,
    ) -> None:
        self._base = api_url.rstrip("/")
        self._http = http
        self._tokens = tokens
        self._clock = clock
        self.pacer = pacer
        self._retry = retry
        self._rng = rng or random.Random()
        self._metrics = metrics

    async def get(
        self, grant_id: int, tenant_id: str, path: str, *, params: dict | None = None,
        modified_since: str | None = None, stats: CallStats | None = None, attempts: int | None = None,
        then: Callable[[Any], Any] | None = None,
    ) -> Any:
        """The decoded JSON answer, or `then(answer)`: for a large body both are done in the decoder process
        (`daemon/xero/decoding.py`), so `then` must be picklable (a module-level function or a partial of one)."""
        stats = stats if stats is not None else CallStats()
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            token = ""
            try:
                token = await self._tokens.access_token(grant_id)  # a lost refresh answer is retried here too
                return await self._once(token, tenant_id, path, params, modified_since, stats, then)
            except _TokenExpired:
                if refreshed:
                    raise XeroAuthError("Xero rejected a freshly refreshed token", reason="unauthorized") from None
                await self._tokens.token_rejected(grant_id, token)
                refreshed = True
            except XeroDailyLimitSpent:
                raise
            except XeroRateLimited as err:
                stats.throttled += 1
                if attempts == 1:
                    raise
                self.pacer.hold(tenant_id, err.retry_after, app_wide=err.problem == "appminute")
                log.info("xero.rate_limited", tenant_id=tenant_id, problem=err.problem, retry_after=err.retry_after)
            except XeroTransientError as err:
                if attempt >= (attempts or self._retry.attempts):
                    raise
                delay = self._retry.backoff(attempt, self._rng)
                log.info("xero.retrying", tenant_id=tenant_id, path=path, attempt=attempt, delay=round(delay, 2),
                         error=str(err))
                await self._clock.sleep(delay)

    async def _once(self, token, tenant_id, path, params, modified_since, stats: CallStats, then) -> Any:
        headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant_id, "Accept": "application/json"}
        if modified_since:
            headers["If-Modified-Since"] = modified_since
        url = f"{self._base}/{path}"
        timeout = aiohttp.ClientTimeout(total=self._retry.timeout)
        async with self.pacer.slot(tenant_id):
            stats.calls += 1
            with outbound(f"{path}: talking to Xero"):
                async with self._http.get(url, headers=headers, params=params, timeout=timeout) as resp:
                    body = await resp.read()
                    status, resp_headers = resp.status, resp.headers
        self.pacer.observe(tenant_id, resp_headers)
        if self._metrics is not None:
            self._metrics.api_call(status)
        if status == 200:
            return await _parse(body, path, then)
        raise _error_for(status, resp_headers, body, path)


class _TokenExpired(XeroError):
    pass


async def _parse(body: bytes, path: str, then: Callable[[Any], Any] | None) -> Any:
    try:
        if len(body) > OFF_LOOP_BYTES:
            return await decode_off_loop(body, then)
        return decode(body, then)
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        raise XeroTransientError(f"{path}: Xero sent a body that is not JSON") from None


def _detail(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        payload = json.loads(text)
        return str(payload.get("Detail") or payload.get("Message") or payload.get("Title") or "")
    except (ValueError, AttributeError):
        return text.strip()[:200]


def _error_for(status: int, headers, body: bytes, path: str) -> XeroError:
    detail = _detail(body)
    if status == 401:
        if "AuthorizationUnsuccessful" in detail:
            return XeroAuthError(f"{path}: the grant lacks a scope Xero requires", reason="missing_scope")
        return _TokenExpired(detail)
    if status == 403:
        return XeroAuthError(f"{path}: Xero says this organisation is disconnected ({detail or 'forbidden'})",
                             reason="disconnected")
    if status == 429:
        problem = headers.get("X-Rate-Limit-Problem", "minute").lower()
        retry_after = float(headers.get("Retry-After", "60") or 60)
        kind = XeroDailyLimitSpent if problem == "day" else XeroRateLimited
        return kind(f"{path}: Xero's {problem} limit was reached", retry_after=retry_after, problem=problem)
    if status >= 500:
        reason = "the organisation is offline" if "Offline" in detail else f"HTTP {status}"
        return XeroTransientError(f"{path}: Xero answered {reason}")
    return XeroError(f"{path}: Xero answered HTTP {status}: {detail[:120]}")

"""The Accounting API client: one GET with the tenant header, pacing, error translation and retries by kind.

- 401 TokenExpired: refresh once and retry. 401 AuthorizationUnsuccessful: a scope is missing (needs a person).
- 403: the organisation was disconnected (needs a person).
- 429: wait exactly Retry-After (seconds, or an HTTP date); a spent daily limit is raised so the org pauses until
  it resets. A wait beyond MAX_HOLD, or MAX_THROTTLED 429s in a row for one call, ends the call: the run fails and
  the next slot tries again.
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
from daemon.core.foreground import Foreground
from daemon.core.net import outbound
from daemon.xero.dates import http_date
from daemon.xero.decoding import OFF_LOOP_BYTES, BrokenBody, decode, decode_off_loop, inflate, inflated_size
from daemon.xero.pacing import Pacer
from daemon.xero.tokens import TokenManager

log = structlog.get_logger(__name__)


MAX_THROTTLED = 10  # 429s in a row for one call before it gives up
MAX_HOLD = 900.0  # seconds of Retry-After (other than the daily limit's) a call waits out; longer ends the run
DEFAULT_RETRY_AFTER = 60.0  # seconds, when a 429 has no (readable) Retry-After
LONGEST_RETRY_AFTER = 2 * 86400.0  # Xero's daily limit resets within a day: anything longer is not believed


@dataclass
class CallStats:
    """What one sync run spent: API calls made (every attempt counts) and 429s met; and Xero's time by its
    latest `Date` header (epoch seconds), so dates in its records can be checked against it."""

    calls: int = 0
    throttled: int = 0
    server_time: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    timeout: float = 60.0
    jitter: bool = True  # spread retries (off: the same waits every time, for a reproducible record)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        wait = min(self.cap, self.base * 2 ** (attempt - 1))
        return wait * (0.5 + rng.random() / 2) if self.jitter else wait * 0.75


class XeroClient:
    def __init__(
        self, api_url: str, http: aiohttp.ClientSession, tokens: TokenManager, clock: Clock, pacer: Pacer,
        *, retry: RetryPolicy = RetryPolicy(), rng: random.Random | None = None, metrics=None,
        foreground: Foreground | None = None,
    ) -> None:
        self._base = api_url.rstrip("/")
        self._foreground = foreground  # a large answer is decoded once no request is being answered
        self._http = http
        self._tokens = tokens
        self._clock = clock
        self.pacer = pacer
        self._retry = retry
        self._rng = rng or random.Random()
        self._metrics = metrics

    async def get(
        self, tenant_id: str, path: str, *, params: dict | None = None, modified_since: str | None = None,
        stats: CallStats | None = None, attempts: int | None = None, then: Callable[[Any], Any] | None = None,
    ) -> Any:
        """The decoded JSON answer, or `then(answer)`: for a large body both are done in the decoder process
        (`daemon/xero/decoding.py`), so `then` must be picklable (a module-level function or a partial of one).
        The token is that of the org's grant at the time of each attempt (a consent may replace it meanwhile).
        With `attempts=1` (Test Connection) it never waits: a limit reached is a XeroRateLimited at once."""
        stats = stats if stats is not None else CallStats()
        if attempts == 1 and (wait := self.pacer.wait_needed(tenant_id)) > 0:  # a probe does not queue behind a sync
            raise XeroRateLimited(f"{path}: Xero's limit for this organisation is reached", retry_after=wait,
                                  problem="minute")
        refreshed, attempt, throttled = False, 0, 0
        while True:
            attempt += 1
            grant_id, token = None, ""
            try:
                grant_id, token = await self._tokens.for_tenant(tenant_id)  # a lost refresh answer is retried too
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
                throttled += 1
                if attempts == 1:
                    raise
                _give_up_on(err, throttled)
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
        # gzip asked for, and inflated with the decoding (in the decoder process for a large body): the loop
        # neither inflates ~5x the bytes it received nor sends them to the decoder so (bench/full_sync.py)
        headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant_id, "Accept": "application/json",
                   "Accept-Encoding": "gzip"}
        if modified_since:
            headers["If-Modified-Since"] = modified_since
        url = f"{self._base}/{path}"
        timeout = aiohttp.ClientTimeout(total=self._retry.timeout)
        async with self.pacer.slot(tenant_id):
            stats.calls += 1
            with outbound(f"{path}: talking to Xero"):
                async with self._http.get(url, headers=headers, params=params, timeout=timeout,
                                          auto_decompress=False) as resp:
                    body = await resp.read()
                    status, resp_headers = resp.status, resp.headers
        encoding = resp_headers.get("Content-Encoding", "")
        self.pacer.observe(tenant_id, resp_headers)
        stats.server_time = http_date(resp_headers.get("Date")) or stats.server_time
        if self._metrics is not None:
            self._metrics.api_call(status)
        if status == 200:
            return await _parse(body, encoding, path, then, self._foreground)
        raise _error_for(status, resp_headers, _readable(body, encoding), path, stats.server_time or self._clock.time())


class _TokenExpired(XeroError):
    pass


async def _parse(body: bytes, encoding: str, path: str, then: Callable[[Any], Any] | None,
                 foreground: Foreground | None = None) -> Any:
    try:
        if inflated_size(body, encoding) > OFF_LOOP_BYTES:
            if foreground is not None:  # the decoder's work can wait for the requests being answered
                await foreground.quiet()
            return await decode_off_loop(body, then, encoding)
        return decode(body, then, encoding)
    except BrokenBody as err:
        raise XeroTransientError(f"{path}: Xero sent a body that could not be read ({err})") from None
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        raise XeroTransientError(f"{path}: Xero sent a body that is not JSON") from None


def _readable(body: bytes, encoding: str) -> bytes:
    """An error answer's body as text for its detail (an unreadable one has none)."""
    try:
        return inflate(body, encoding)
    except BrokenBody:
        return b""


def _detail(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        payload = json.loads(text)
        return str(payload.get("Detail") or payload.get("Message") or payload.get("Title") or "")
    except (ValueError, AttributeError):
        return text.strip()[:200]


def _give_up_on(err: XeroRateLimited, throttled: int) -> None:
    """A 429 that cannot be waited out within the run: too long a wait, or too many in a row."""
    if err.retry_after > MAX_HOLD:
        raise XeroTransientError(f"{err} and asked to wait {int(err.retry_after)} s; the next scheduled sync will try"
                                 " again") from None
    if throttled >= MAX_THROTTLED:
        raise XeroTransientError(f"{err} {throttled} times in a row; the next scheduled sync will try again") from None


def _retry_after(headers, now: float) -> float:
    """Seconds to wait: Retry-After as seconds or as an HTTP date (both allowed by HTTP); a default when absent."""
    raw = (headers.get("Retry-After") or "").strip()
    try:
        seconds = float(raw)
    except ValueError:
        when = http_date(raw)
        seconds = when - now if when is not None else DEFAULT_RETRY_AFTER
    return min(LONGEST_RETRY_AFTER, seconds) if seconds >= 0 else 0.0  # NaN and negatives: at once


def _error_for(status: int, headers, body: bytes, path: str, now: float) -> XeroError:
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
        retry_after = _retry_after(headers, now)
        kind = XeroDailyLimitSpent if problem == "day" else XeroRateLimited
        return kind(f"{path}: Xero's {problem} limit was reached", retry_after=retry_after, problem=problem)
    if status >= 500:
        reason = "the organisation is offline" if "Offline" in detail else f"HTTP {status}"
        return XeroTransientError(f"{path}: Xero answered {reason}")
    return XeroError(f"{path}: Xero answered HTTP {status}: {detail[:120]}")

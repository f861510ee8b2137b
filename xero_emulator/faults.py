"""Injected faults: what Xero (or the network in front of it) does on a bad day."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from email.utils import formatdate

from aiohttp import web

from .dates import expiry_text
from .errors import forbidden, unauthorized

KINDS = ("500", "502", "503_text", "503_html", "offline", "slow", "drop", "truncated", "not_json",
         "token_expired", "disconnected", "rate_limited", "rate_limited_date", "rate_limited_bare",
         "no_list", "no_pagination", "refresh_lost", "refresh_slow")
RESHAPES = ("no_list", "no_pagination")  # 200 answers the spec allows, lacking what a client usually gets
# Where a fault may strike: the accounting API and /connections, or the token endpoint (these kinds only:
# refresh_lost drops the answer to a refresh Xero did make; refresh_slow sends it after `delay` seconds).
API, TOKEN = "api", "token"
TOKEN_KINDS = ("refresh_lost", "refresh_slow")

_MAINTENANCE = ("<!DOCTYPE html><html><head><title>Xero is down for maintenance</title></head><body>"
                "<h1>Xero is currently undergoing scheduled maintenance</h1>"
                "<p>We'll be back shortly. Thanks for your patience.</p></body></html>")
_NOT_JSON = ("<!DOCTYPE html><html><head><title>Xero | Login</title></head><body><p>Something went wrong"
             "</p></body></html>")


@dataclass
class Fault:
    kind: str
    tenant_id: str | None = None
    entity: str | None = None       # an entity name, "Connections", or None for any
    count: int | None = 1           # how many more times it strikes (None: until cleared)
    fraction: float | None = None   # strike this share of matching requests instead of a count
    delay: float = 60.0             # "slow": emulator-clock seconds before answering; "rate_limited*": Retry-After
    after: int = 0                  # matching requests it lets through first
    page: int | None = None         # strike only requests for this page (a client may ask for pages together)

    def to_json(self) -> dict:
        return dict(self.__dict__)


class FaultBook:
    def __init__(self, seed: int) -> None:
        self.faults: list[Fault] = []
        self._rng = random.Random(seed)

    def add(self, kind: str, *, tenant_id: str | None = None, entity: str | None = None, count: int | None = 1,
            fraction: float | None = None, delay: float | None = None, after: int = 0,
            page: int | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        if fraction is not None and not 0 < fraction <= 1:
            raise ValueError("fraction must be in (0, 1]")
        fault = Fault(kind, tenant_id, entity, None if fraction is not None else (count or 1), fraction,
                      60.0 if delay is None else float(delay), max(0, int(after)), None if page is None else int(page))
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def take(self, where: str, tenant_id: str | None, entity: str | None, page: str | None = None) -> Fault | None:
        """The fault that strikes this request, if any (a counted fault is used up)."""
        for fault in self.faults:
            if not self._matches(fault, where, tenant_id, entity):
                continue
            if fault.page is not None and str(fault.page) != page:
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.fraction is not None:
                if self._rng.random() >= fault.fraction:
                    continue
            elif fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _matches(fault: Fault, where: str, tenant_id: str | None, entity: str | None) -> bool:
        if (fault.kind in TOKEN_KINDS) != (where == TOKEN):
            return False
        if fault.tenant_id and fault.tenant_id.lower() != (tenant_id or "").lower():
            return False
        return not fault.entity or fault.entity.lower() == (entity or "").lower()


def _text(status: int, body: str, content_type: str = "text/plain") -> web.Response:
    return web.Response(status=status, text=body, content_type=content_type)


SIMPLE = {  # kind -> (now -> response)
    "500": lambda now: web.json_response(
        {"ErrorNumber": 500, "Type": "UnknownErrorException", "Message": "An error occurred in Xero."},
        status=500),
    "502": lambda now: _text(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    "503_text": lambda now: _text(503, "Service Unavailable"),
    "503_html": lambda now: _text(503, _MAINTENANCE, "text/html"),
    "offline": lambda now: _text(503, "The Organisation is Offline"),
    "not_json": lambda now: _text(200, _NOT_JSON, "text/html"),
    "token_expired": lambda now: unauthorized(f"TokenExpired: token expired at {expiry_text(now - 1)}"),
    "disconnected": lambda now: forbidden(),
}


def rate_limited(kind: str, retry_after: float, now: float) -> web.Response:
    """A 429 for the minute limit, whatever the real count: the client must wait `retry_after` seconds, said in
    seconds (`rate_limited`), as an HTTP date (`rate_limited_date`, allowed by HTTP), or not at all (`_bare`)."""
    headers = {"X-Rate-Limit-Problem": "minute"}
    if kind == "rate_limited":
        headers["Retry-After"] = str(int(retry_after))
    elif kind == "rate_limited_date":
        headers["Retry-After"] = formatdate(now + retry_after, usegmt=True)
    return web.Response(status=429, text="Rate limit exceeded", content_type="text/plain", headers=headers)


async def reshaped(kind: str, response: web.Response) -> web.Response:
    """The answer without its list (`no_list`) or without `pagination` (`no_pagination`)."""
    payload = json.loads(bytes(response.body))
    if kind == "no_list":
        for key in [k for k, v in payload.items() if isinstance(v, list)]:
            del payload[key]
    else:
        payload.pop("pagination", None)
    return web.json_response(payload, status=response.status)


def drop(request: web.Request) -> web.Response:
    """Close the connection without answering; the returned response is never written."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=599)


async def truncated(request: web.Request, body: bytes, headers: dict[str, str]) -> web.StreamResponse:
    """Send real headers and half the body, then cut the connection."""
    response = web.StreamResponse(status=200, headers=headers)
    response.content_type = "application/json"
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return response

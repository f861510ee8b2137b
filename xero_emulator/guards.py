"""What stands before an API answer: the bearer token, the tenant header, the scopes, and injected faults."""

from __future__ import annotations

from aiohttp import web

from .emulator import Emulator
from .entities import EntitySpec, scope_allows
from .errors import forbidden, unauthorized
from .faults import RESHAPES, SIMPLE, drop, rate_limited
from .grants import Grant, TokenRejected
from .keys import DROPPED, RESHAPE, SLOW, TRUNCATE
from .org import Org


def bearer(emulator: Emulator, request: web.Request) -> tuple[Grant, dict] | web.Response:
    """The grant and claims of the request's access token, or Xero's 401."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return unauthorized("AuthenticationUnsuccessful")
    try:
        return emulator.grants.verify(header[7:].strip(), emulator.clock.time())
    except TokenRejected as rejected:
        return unauthorized(rejected.detail)


def tenant_access(emulator: Emulator, request: web.Request, spec: EntitySpec) -> Org | web.Response:
    """The organisation a request may read, or Xero's 401 (token, scope) / 403 (tenant)."""
    checked = bearer(emulator, request)
    if isinstance(checked, web.Response):
        return checked
    _grant, claims = checked
    org = emulator.find_org(request.headers.get("xero-tenant-id"))
    if org is None or not emulator.connections.is_connected(org.tenant_id):
        return forbidden()
    if not scope_allows(spec, set(claims.get("scope") or [])):
        return unauthorized("AuthorizationUnsuccessful")
    return org


def strike(emulator: Emulator, request: web.Request, where: str, entity: str | None) -> web.Response | None:
    """Apply an injected fault, if one matches: an answer to send now, or None to carry on.

    `slow` and `truncated` only mark the request (SLOW, TRUNCATE): the handler waits
    once it holds its concurrency slot, and the middleware cuts the body.
    """
    fault = emulator.faults.take(where, request.headers.get("xero-tenant-id"), entity, request.query.get("page"))
    if fault is None:
        return None
    if fault.kind in ("slow", "refresh_slow"):
        request[SLOW] = fault.delay
        return None
    if fault.kind == "truncated":
        request[TRUNCATE] = True
        return None
    if fault.kind.startswith("rate_limited"):
        return rate_limited(fault.kind, fault.delay, emulator.clock.time())
    if fault.kind in RESHAPES:
        request[RESHAPE] = fault.kind
        return None
    if fault.kind in ("drop", "refresh_lost"):
        request[DROPPED] = True
        return drop(request)
    return SIMPLE[fault.kind](emulator.clock.time())

"""The Accounting API: `GET /api.xro/2.0/<Entity>` (paged, If-Modified-Since) and `/<Entity>/<id>`."""

from __future__ import annotations

from aiohttp import web

from . import request_check
from .emulator import Emulator
from .entities import EntitySpec, entity
from .errors import not_found, validation_error
from .faults import API
from .guards import strike, tenant_access
from .keys import DROPPED, EMULATOR, SLOW
from .listing import BadRequest, envelope, listing, single
from .org import Org


async def get_entity(request: web.Request) -> web.StreamResponse:
    """Serve one entity; every answer naming a known tenant carries the X-*-Remaining limit headers."""
    emulator = request.app[EMULATOR]
    response = await _serve(emulator, request)
    org = emulator.find_org(request.headers.get("xero-tenant-id"))
    if org is not None and not request.get(DROPPED) and "X-MinLimit-Remaining" not in response.headers:
        response.headers.update(emulator.limiter.headers(org.tenant_id, emulator.clock.time()))
    return response


async def _serve(emulator: Emulator, request: web.Request) -> web.StreamResponse:
    try:
        spec = entity(request.match_info["entity"])
    except KeyError:
        return not_found()
    answer = strike(emulator, request, API, spec.name)
    if answer is not None:
        return answer
    org = tenant_access(emulator, request, spec)
    if isinstance(org, web.Response):
        return org
    refusal = emulator.limiter.acquire(org.tenant_id, emulator.clock.time())
    if refusal is not None:
        return _too_many(emulator, org, refusal.problem, refusal.retry_after)
    try:
        if SLOW in request:
            await emulator.clock.sleep(request[SLOW])
        return _checked(emulator, org, spec, request) or _answer(emulator, org, spec, request)
    finally:
        emulator.limiter.release(org.tenant_id)


def _checked(emulator: Emulator, org: Org, spec: EntitySpec, request: web.Request) -> web.Response | None:
    """Check the request against the parameters the spec declares: keep what breaks them; refuse it when strict."""
    params = request_check.declared(request.match_info["entity"], "record_id" in request.match_info)
    if params is None:
        return None
    problems = request_check.problems(params, request.query, request.headers)
    if not problems:
        return None
    strict = emulator.config.strict_requests
    emulator.record_violation(request.method, request.path, dict(request.query), org.tenant_id, problems, strict)
    return validation_error(problems) if strict else None


def _answer(emulator: Emulator, org: Org, spec: EntitySpec, request: web.Request) -> web.Response:
    table = org.tables[spec.name]
    record_id = request.match_info.get("record_id")
    now_ms = int(emulator.clock.time() * 1000)
    provider = emulator.config.provider_name
    try:
        if record_id is not None:
            found = single(spec, table, record_id, request.query)
            if found is None:
                return not_found()
            body = envelope(spec, provider, now_ms, [found])
        else:
            body = envelope(spec, provider, now_ms, *listing(spec, table, request.query, request.headers))
    except BadRequest as err:
        return web.json_response({"ErrorNumber": 10, "Type": "ValidationException", "Message": str(err)},
                                 status=400)
    return web.Response(body=body, content_type="application/json", charset="utf-8")


def _too_many(emulator: Emulator, org: Org, problem: str, retry_after: int) -> web.Response:
    headers = {"Retry-After": str(retry_after), "X-Rate-Limit-Problem": problem,
               **emulator.limiter.headers(org.tenant_id, emulator.clock.time())}
    return web.Response(status=429, text="Rate limit exceeded", content_type="text/plain", headers=headers)


def setup(app: web.Application) -> None:
    app.router.add_get("/api.xro/2.0/{entity}", get_entity)
    app.router.add_get("/api.xro/2.0/{entity}/{record_id}", get_entity)

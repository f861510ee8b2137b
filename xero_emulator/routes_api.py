"""The Accounting API: `GET /api.xro/2.0/<Entity>` (paged, If-Modified-Since) and `/<Entity>/<id>`."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping

from aiohttp import web

from .dates import ms_plain, parse_if_modified_since
from .emulator import Emulator
from .entities import EntitySpec, entity
from .errors import not_found
from .faults import API
from .guards import strike, tenant_access
from .keys import DROPPED, EMULATOR, SLOW
from .org import Org
from .table import Table

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000


class BadRequest(ValueError):
    pass


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
        return _answer(emulator, org, spec, request)
    finally:
        emulator.limiter.release(org.tenant_id)


def _answer(emulator: Emulator, org: Org, spec: EntitySpec, request: web.Request) -> web.Response:
    table = org.tables[spec.name]
    record_id = request.match_info.get("record_id")
    try:
        if record_id is not None:
            found = next((r for r in (record_id, record_id.lower()) if r in table), None)
            if found is None:
                return not_found()
            body = _envelope(emulator, spec, [table.json(found)])
        else:
            body = _listing(emulator, spec, table, request)
    except BadRequest as err:
        return web.json_response({"ErrorNumber": 10, "Type": "ValidationException", "Message": str(err)},
                                 status=400)
    return web.Response(body=body, content_type="application/json", charset="utf-8")


def _listing(emulator: Emulator, spec: EntitySpec, table: Table, request: web.Request) -> bytes:
    query = request.query
    since = parse_if_modified_since(request.headers.get("If-Modified-Since")) if spec.modified_since else None
    desc = "DESC" in query.get("order", "").upper()
    ids = table.select(since, desc, _filter(spec, table, query))
    if not spec.paged:
        return _envelope(emulator, spec, [table.json(i) for i in ids[0:len(ids)]])
    page = max(1, _integer(query, "page", 1))
    size = min(MAX_PAGE_SIZE, max(1, _integer(query, "pageSize", DEFAULT_PAGE_SIZE)))
    total = len(ids)
    chunk = ids[(page - 1) * size:page * size]
    pagination = {"page": page, "pageSize": size, "pageCount": math.ceil(total / size), "itemCount": total}
    return _envelope(emulator, spec, [table.json(i) for i in chunk], pagination)


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None


def _filter(spec: EntitySpec, table: Table, query: Mapping[str, str]) -> Callable[[str], bool] | None:
    """The record filters Xero offers that the emulator honours: includeArchived, IDs, Statuses."""
    tests: list[Callable[[str], bool]] = []
    if spec.name == "Contacts" and query.get("includeArchived", "").lower() != "true":
        tests.append(lambda rid: table.status(rid) != "ARCHIVED")
    if query.get("IDs"):
        wanted = {x.strip().lower() for x in query["IDs"].split(",")}
        tests.append(lambda rid: rid.lower() in wanted)
    if query.get("Statuses") and spec.status_key:
        statuses = {x.strip().upper() for x in query["Statuses"].split(",")}
        tests.append(lambda rid: table.status(rid) in statuses)
    if not tests:
        return None
    return lambda rid: all(test(rid) for test in tests)


def _envelope(emulator: Emulator, spec: EntitySpec, items: list[bytes], pagination: dict | None = None) -> bytes:
    head = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": emulator.config.provider_name,
            "DateTimeUTC": ms_plain(int(emulator.clock.time() * 1000))}
    if pagination is not None:
        head["pagination"] = pagination
    opening = json.dumps(head, separators=(",", ":"))[:-1].encode()
    return b"".join((opening, b',"', spec.key.encode(), b'":[', b",".join(items), b"]}"))


def _too_many(emulator: Emulator, org: Org, problem: str, retry_after: int) -> web.Response:
    headers = {"Retry-After": str(retry_after), "X-Rate-Limit-Problem": problem,
               **emulator.limiter.headers(org.tenant_id, emulator.clock.time())}
    return web.Response(status=429, text="Rate limit exceeded", content_type="text/plain", headers=headers)


def setup(app: web.Application) -> None:
    app.router.add_get("/api.xro/2.0/{entity}", get_entity)
    app.router.add_get("/api.xro/2.0/{entity}/{record_id}", get_entity)

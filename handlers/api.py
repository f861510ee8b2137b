"""The records API, /api/v1: for the systems that use the synced data (a billing portal, a dashboard, a script).
Every request carries an API key (`Authorization: Bearer <key>`; `xero-syncd api-key create NAME`); a missing or
bad key is 401, too many requests 429 with Retry-After. The key never reaches a log line: only its name does."""

from __future__ import annotations

import math

import structlog
from aiohttp import web

from daemon.core.errors import ApiRefused
from daemon.core.keys import SERVICE

log = structlog.get_logger(__name__)


def refused(err: ApiRefused) -> web.Response:
    headers = {"Retry-After": str(max(1, math.ceil(err.retry_after)))} if err.retry_after is not None else {}
    if err.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="xero-syncd"'
    return web.json_response({"error": str(err)}, status=err.status, headers=headers)


async def orgs(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    try:
        caller = await service.api_admit(request.headers.get("Authorization"))
    except ApiRefused as err:
        log.info("api.refused", status=err.status, path=request.path)
        return refused(err)
    log.info("api.request", key=caller, path=request.path)
    return web.json_response({"orgs": await service.api_orgs()})


async def records(request: web.Request) -> web.Response:
    """`GET /api/v1/orgs/{tenant_id}/{entity}?modified_after=…&cursor=…&limit=…`: records as Xero sent them, each
    with `_updated` and `_deleted`, in the order they changed; `next_cursor` reads on from the last one."""
    service = request.app[SERVICE]
    query = request.query
    try:
        caller = await service.api_admit(request.headers.get("Authorization"))
        page = await service.api_records(
            request.match_info["tenant_id"], request.match_info["entity"], cursor=query.get("cursor"),
            limit=query.get("limit"), modified_after=query.get("modified_after"))
    except ApiRefused as err:
        log.info("api.refused", status=err.status, path=request.path)
        return refused(err)
    log.info("api.request", key=caller, path=request.path, records=len(page.records))
    body = (f'{{"records":[{",".join(page.records)}],"next_cursor":"{page.next_cursor}",'
            f'"has_more":{"true" if page.has_more else "false"}}}')
    return web.Response(text=body, content_type="application/json")

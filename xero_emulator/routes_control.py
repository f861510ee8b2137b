"""The control API (`/_control/...`): what tests and demos use to steer the emulator. The daemon never calls it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from .emulator import Emulator
from .keys import EMULATOR

Handler = Callable[[web.Request, Emulator, dict], Awaitable[object]]


def _json(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Parse the JSON body, call the emulator, turn KeyError into 404 and ValueError/TypeError into 400."""

    async def wrapped(request: web.Request) -> web.Response:
        try:
            text = await request.text()
            body = json.loads(text) if text.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            result = await handler(request, request.app[EMULATOR], body)
        except KeyError as err:
            return web.json_response({"error": str(err.args[0] if err.args else err)}, status=404)
        except (ValueError, TypeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response(result)

    return wrapped


async def tenants(request: web.Request, emu: Emulator, body: dict) -> list[dict]:
    return [{"tenant_id": o.tenant_id, "name": o.name, "connected": emu.connections.is_connected(o.tenant_id),
             "counts": {name: len(table) for name, table in o.tables.items()}} for o in emu.tenants]


async def records(request: web.Request, emu: Emulator, body: dict) -> list[dict]:
    return emu.records(request.match_info["tenant"], request.match_info["entity"])


async def change(request: web.Request, emu: Emulator, body: dict) -> dict | None:
    tenant, name, record_id = (request.match_info[k] for k in ("tenant", "entity", "record_id"))
    action = body.get("action", "update")
    if action == "update":
        return emu.update_record(tenant, name, record_id, dict(body.get("changes") or {}))
    if action == "status":
        return emu.set_status(tenant, name, record_id, str(body.get("status", "")))
    if action == "hard_delete":
        emu.hard_delete(tenant, name, record_id)
        return None
    methods = {"void": emu.void, "archive": emu.archive, "delete": emu.delete}
    if action not in methods:
        raise ValueError(f"unknown action {action!r}")
    return methods[action](tenant, name, record_id)


async def add(request: web.Request, emu: Emulator, body: dict) -> dict:
    return emu.add_record(request.match_info["tenant"], request.match_info["entity"], body or None)


async def expire(request: web.Request, emu: Emulator, body: dict) -> dict:
    return {"grants": emu.expire_grant(body.get("refresh_token"))}


async def revoke(request: web.Request, emu: Emulator, body: dict) -> dict:
    return {"grants": emu.revoke_grant(body.get("refresh_token"))}


async def disconnect(request: web.Request, emu: Emulator, body: dict) -> dict:
    return {"disconnected": emu.disconnect_tenant(request.match_info["tenant"])}


async def calls(request: web.Request, emu: Emulator, body: dict) -> list[dict]:
    return [call.to_json() for call in emu.calls]


async def wire(request: web.Request, emu: Emulator, body: dict) -> dict:
    """The bytes of the API's answers since the calls were last cleared: as JSON and as sent."""
    return dict(emu.wire)


async def clear_calls(request: web.Request, emu: Emulator, body: dict) -> dict:
    emu.clear_calls()
    return {"cleared": True}


async def violations(request: web.Request, emu: Emulator, body: dict) -> list[dict]:
    return [violation.to_json() for violation in emu.violations]


async def clear_violations(request: web.Request, emu: Emulator, body: dict) -> dict:
    emu.clear_violations()
    return {"cleared": True}


async def auto_approve(request: web.Request, emu: Emulator, body: dict) -> dict:
    emu.auto_approve = bool(body.get("enabled", True))
    if "tenants" in body:
        emu.approve_tenants = None if body["tenants"] is None else [str(t) for t in body["tenants"]]
    return {"enabled": emu.auto_approve, "tenants": emu.approve_tenants}


async def scopes(request: web.Request, emu: Emulator, body: dict) -> dict:
    withhold = body.get("withhold")
    if withhold is not None and not isinstance(withhold, list):
        raise ValueError("withhold must be a list of scopes")
    return {"withheld": emu.withhold_scopes(withhold)}


async def add_fault(request: web.Request, emu: Emulator, body: dict) -> dict:
    fields = {k: body[k] for k in ("tenant_id", "entity", "count", "fraction", "delay", "after", "page") if k in body}
    return emu.inject_fault(str(body.get("kind", "")), **fields).to_json()


async def list_faults(request: web.Request, emu: Emulator, body: dict) -> list[dict]:
    return [fault.to_json() for fault in emu.faults.faults]


async def clear_faults(request: web.Request, emu: Emulator, body: dict) -> dict:
    emu.clear_faults()
    return {"cleared": True}


async def intent(request: web.Request, emu: Emulator, body: dict) -> dict:
    return {"status": await emu.send_intent_to_receive(bool(body.get("valid", True)))}


async def webhooks(request: web.Request, emu: Emulator, body: dict) -> list[dict]:
    await emu.flush_webhooks()
    return [{"status": d.status, "signature": d.signature, "body": d.body} for d in emu.webhooks.deliveries]


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/_control/tenants", _json(tenants))
    r.add_get("/_control/records/{tenant}/{entity}", _json(records))
    r.add_post("/_control/records/{tenant}/{entity}", _json(add))
    r.add_post("/_control/records/{tenant}/{entity}/{record_id}", _json(change))
    r.add_post("/_control/grants/expire", _json(expire))
    r.add_post("/_control/grants/revoke", _json(revoke))
    r.add_post("/_control/tenants/{tenant}/disconnect", _json(disconnect))
    r.add_get("/_control/calls", _json(calls))
    r.add_delete("/_control/calls", _json(clear_calls))
    r.add_get("/_control/wire", _json(wire))
    r.add_get("/_control/violations", _json(violations))
    r.add_delete("/_control/violations", _json(clear_violations))
    r.add_post("/_control/auto-approve", _json(auto_approve))
    r.add_post("/_control/scopes", _json(scopes))
    r.add_get("/_control/faults", _json(list_faults))
    r.add_post("/_control/faults", _json(add_fault))
    r.add_delete("/_control/faults", _json(clear_faults))
    r.add_post("/_control/webhooks/intent", _json(intent))
    r.add_get("/_control/webhooks", _json(webhooks))

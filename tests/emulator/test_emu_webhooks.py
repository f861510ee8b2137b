"""Signed Xero webhooks for changes made through the control API, and the intent-to-receive handshake."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import pytest
from aiohttp import web

from xero_emulator import EmulatorConfig

KEY = "webhook-key-for-tests"


class Receiver:
    """A stand-in for the daemon's /webhooks/xero: checks the signature as the daemon must."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        expected = base64.b64encode(hmac.new(KEY.encode(), raw, hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, request.headers.get("x-xero-signature", "")):
            return web.Response(status=401)
        self.bodies.append(json.loads(raw))
        self.arrived.set()
        return web.Response(status=200)


@pytest.fixture
async def receiver(aiohttp_server) -> tuple[Receiver, str]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/webhooks/xero", receiver.handle)
    server = await aiohttp_server(app)
    return receiver, str(server.make_url("/webhooks/xero"))


@pytest.fixture
def config(receiver) -> EmulatorConfig:
    return EmulatorConfig(webhook_url=receiver[1], webhook_key=KEY, webhook_batch_seconds=0.05)


async def test_changes_arrive_batched_and_signed(xero, emulator, receiver, webhooks_spec):
    inbox, _ = receiver
    tenant = xero.tenant_ids[0]
    invoice = emulator.records(tenant, "Invoices")[0]["InvoiceID"]
    contact = emulator.records(tenant, "Contacts")[0]["ContactID"]
    await xero.client.post(f"/_control/records/{tenant}/Invoices/{invoice}",
                           json={"action": "update", "changes": {"Reference": "w"}})
    await xero.client.post(f"/_control/records/{tenant}/Contacts/{contact}", json={"action": "archive"})
    await asyncio.wait_for(inbox.arrived.wait(), 3)
    await emulator.flush_webhooks()
    assert len(inbox.bodies) == 1
    body = inbox.bodies[0]
    webhooks_spec.check("WebhookEvent", body)
    assert (body["firstEventSequence"], body["lastEventSequence"]) == (1, 2)
    assert len(body["entropy"]) == 20
    events = body["events"]
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in events] == [
        ("INVOICE", "UPDATE", invoice), ("CONTACT", "UPDATE", contact)]
    assert all(e["tenantId"] == tenant and e["tenantType"] == "ORGANISATION" for e in events)
    assert events[0]["resourceUrl"].endswith(f"/api.xro/2.0/Invoices/{invoice}")
    assert events[0]["eventDateUtc"] == "2026-11-24T09:00:00.000"


async def test_added_records_are_create_events_and_other_entities_are_silent(xero, emulator, receiver):
    inbox, _ = receiver
    tenant = xero.tenant_ids[1]
    payment = emulator.records(tenant, "Payments")[0]["PaymentID"]
    emulator.void(tenant, "Payments", payment)
    added = emulator.add_record(tenant, "Contacts")
    await emulator.flush_webhooks()
    events = [e for body in inbox.bodies for e in body["events"]]
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in events] == [
        ("CONTACT", "CREATE", added["ContactID"])]


async def test_intent_to_receive(xero, emulator, receiver):
    assert await emulator.send_intent_to_receive(True) == 200
    assert await emulator.send_intent_to_receive(False) == 401
    response = await xero.client.post("/_control/webhooks/intent", json={"valid": False})
    assert (await response.json()) == {"status": 401}
    deliveries = await (await xero.client.get("/_control/webhooks")).json()
    assert [d["status"] for d in deliveries] == [200, 401, 401]
    assert deliveries[0]["body"]["events"] == []

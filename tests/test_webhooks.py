"""POST /webhooks/xero: signature, handshake, de-duplication, and a burst becoming one targeted sync."""

import base64
import hashlib
import hmac
import json

import pytest

from tests import stored
from tests.support import settings_for

KEY = "webhook-key-for-tests"


def sign(body: bytes, key: str = KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def payload(tenant_id: str, n: int = 1, category: str = "INVOICE", start: int = 0) -> bytes:
    events = [
        {"resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{i}", "resourceId": f"res-{i}",
         "eventDateUtc": "2026-11-24T09:00:00.000", "eventType": "UPDATE", "eventCategory": category,
         "tenantId": tenant_id, "tenantType": "ORGANISATION"}
        for i in range(start, start + n)
    ]
    return json.dumps({"events": events, "firstEventSequence": 1, "lastEventSequence": n, "entropy": "ABC"}).encode()


@pytest.fixture
async def hooked(make_daemon, emulator, tmp_path, database_url):
    daemon = await make_daemon(settings_=settings_for(emulator, tmp_path, XERO_WEBHOOK_KEY=KEY,
                                                      DATABASE_URL=database_url))
    await daemon.connect(emulator)
    await daemon.advance(0)
    emulator.state.clear_calls()
    return daemon


async def post(daemon, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["x-xero-signature"] = signature
    return await daemon.client.post("/webhooks/xero", data=body, headers=headers)


async def webhook_runs(daemon, tenant_id):
    return [r for r in await stored.runs(daemon, tenant_id) if r.trigger == "webhook"]


async def test_intent_to_receive_handshake(hooked):
    body = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "X"}).encode()
    ok = await post(hooked, body, sign(body))
    assert ok.status == 200 and await ok.read() == b""
    assert (await post(hooked, body, sign(body, "wrong-key"))).status == 401
    assert (await post(hooked, body, None)).status == 401


async def test_a_burst_of_100_events_for_one_org_is_one_targeted_sync(hooked, emulator):
    tenant = emulator.state.tenants[0].tenant_id
    for i in range(100):
        body = payload(tenant, 1, start=i)
        assert (await post(hooked, body, sign(body))).status == 200
    await hooked.advance(10)
    runs = await webhook_runs(hooked, tenant)
    assert len(runs) == 1 and runs[0].outcome == "success"
    assert [c for c in emulator.api_calls(tenant)] and {_entity(c) for c in emulator.api_calls(tenant)} == {"Invoices"}


async def test_duplicate_events_and_unknown_tenants_queue_nothing_more(hooked, emulator):
    tenant = emulator.state.tenants[0].tenant_id
    body = payload(tenant, 3, category="CONTACT")
    for _ in range(2):  # Xero redelivers
        assert (await post(hooked, body, sign(body))).status == 200
    stranger = payload("00000000-0000-0000-0000-00000000dead", 2)
    assert (await post(hooked, stranger, sign(stranger))).status == 200
    await hooked.advance(10)
    assert len(await webhook_runs(hooked, tenant)) == 1
    assert {_entity(c) for c in emulator.api_calls()} == {"Contacts"}


async def test_bad_bodies_get_a_clear_status_and_change_nothing(hooked, emulator):
    junk = b"{not json"
    assert (await post(hooked, junk, sign(junk))).status == 400
    huge = b"{" + b" " * (300 * 1024) + b"}"
    assert (await post(hooked, huge, sign(huge))).status == 413
    forged = payload(emulator.state.tenants[0].tenant_id)
    assert (await post(hooked, forged, sign(forged, "attacker"))).status == 401
    await hooked.advance(10)
    assert emulator.api_calls() == []


def _entity(call) -> str:
    path = call["path"] if isinstance(call, dict) else call.path
    return path.rsplit("/", 1)[-1]


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser's stack
    b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"events": [{"tenantId": {"nested": true}, "eventCategory": "INVOICE"}]}',
    b'{"events": [1, 2, 3]}', b"\xff\xfe\x00", b"",
], ids=["deep list", "deep events", "an object for a tenant", "numbers for events", "not UTF-8", "empty"])
async def test_any_signed_body_gets_a_clear_status_and_no_traceback(hooked, emulator, body, log_lines):
    resp = await post(hooked, body, sign(body))
    assert resp.status in (400, 413)
    await hooked.advance(10)
    assert emulator.api_calls() == [] and "Traceback" not in log_lines()


async def test_status_says_when_the_last_webhook_arrived_and_what_webhooks_cover(hooked, emulator, daemon):
    from daemon.slack.wording.status import status_reply
    from tests.fakes.slack import Call

    nz, uk = (t.tenant_id for t in emulator.state.tenants)

    async def shown(which, of=None):
        return Call("status", status_reply(await (of or hooked).service.status(which), 0).kwargs()).shown

    assert "Last webhook: none yet. Xero sends them for Contacts and Invoices only; the rest is read by the hourly " \
           "sync" in await shown(nz)
    await hooked.advance(600)
    body = payload(nz, 1, category="CONTACT")
    assert (await post(hooked, body, sign(body))).status == 200
    assert "Last webhook: Tue 24 Nov 2026, 10:10 PM NZDT. Xero sends them for Contacts and Invoices only" in \
        await shown(nz)
    assert "Last webhook: none yet." in await shown(uk)  # the event was for the other org
    stranger = payload("00000000-0000-0000-0000-00000000dead", 1)
    assert (await post(hooked, stranger, sign(stranger))).status == 200  # an org we do not know: nothing recorded
    assert [o.last_webhook_at for o in await hooked.store.orgs.list()].count(None) == 1
    # without XERO_WEBHOOK_KEY there are no webhooks: status says every entity is read by the hourly sync
    await daemon.connect(emulator)
    await daemon.advance(0)
    assert "Last webhook: webhooks are not set up (XERO_WEBHOOK_KEY): every entity is read by the hourly sync" in \
        await shown(nz, daemon)

"""Injected faults: 5xx in Xero's various shapes, slow answers, dropped and truncated connections, lost refreshes."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.waiting import eventually


async def _get(xero, session, entity="Invoices", tenant=0):
    return await xero.api(entity, session["access_token"], xero.tenant_ids[tenant])


@pytest.mark.parametrize(("kind", "status", "content_type", "text"), [
    ("500", 500, "application/json", "UnknownErrorException"),
    ("502", 502, "text/html", "Bad Gateway"),
    ("503_text", 503, "text/plain", "Service Unavailable"),
    ("503_html", 503, "text/html", "maintenance"),
    ("offline", 503, "text/plain", "The Organisation is Offline"),
    ("not_json", 200, "text/html", "<html>"),
    ("token_expired", 401, "application/json", "TokenExpired"),
    ("disconnected", 403, "application/json", "AuthenticationUnsuccessful"),
])
async def test_simple_faults_strike_once(xero, session, emulator, kind, status, content_type, text):
    emulator.inject_fault(kind)
    response = await _get(xero, session)
    assert response.status == status
    assert response.headers["Content-Type"].startswith(content_type)
    assert text in await response.text()
    assert "X-MinLimit-Remaining" in response.headers
    assert (await _get(xero, session)).status == 200
    assert [c.status for c in emulator.calls[-2:]] == [status, 200]


async def test_fault_targets_tenant_and_entity(xero, session, emulator):
    emulator.inject_fault("503_text", tenant_id=xero.tenant_ids[1], entity="Contacts", count=2)
    assert (await _get(xero, session, "Contacts", 0)).status == 200
    assert (await _get(xero, session, "Invoices", 1)).status == 200
    assert (await _get(xero, session, "Contacts", 1)).status == 503
    assert (await _get(xero, session, "contacts", 1)).status == 503
    assert (await _get(xero, session, "Contacts", 1)).status == 200


async def test_a_fault_for_one_page_strikes_that_page_whatever_the_order_pages_are_asked_in(xero, session, emulator):
    emulator.inject_fault("500", entity="Invoices", page=2)
    token, tenant = session["access_token"], xero.tenant_ids[0]
    assert (await xero.api("Invoices", token, tenant, params={"page": "3"})).status == 200
    assert (await xero.api("Invoices", token, tenant)).status == 200  # no page asked for: not page 2
    assert (await xero.api("Invoices", token, tenant, params={"page": "2"})).status == 500
    assert (await xero.api("Invoices", token, tenant, params={"page": "2"})).status == 200  # used up


async def test_fraction_strikes_some_until_cleared(xero, session, emulator):
    emulator.inject_fault("500", fraction=0.5)
    statuses = [(await _get(xero, session, "Currencies")).status for _ in range(40)]
    assert 5 < statuses.count(500) < 35
    emulator.clear_faults()
    assert (await _get(xero, session, "Currencies")).status == 200


async def test_slow_answers_after_the_clock_delay(xero, session, emulator, clock):
    emulator.inject_fault("slow", delay=30)
    pending = asyncio.ensure_future(_get(xero, session))
    await eventually(clock.next_deadline, "the emulator to hold the answer on its clock")
    assert not pending.done()
    await clock.advance(30)
    response = await asyncio.wait_for(pending, 5)
    assert response.status == 200


async def test_drop_closes_without_an_answer(xero, session, emulator):
    emulator.inject_fault("drop")
    with pytest.raises(aiohttp.ClientError):
        await _get(xero, session)
    assert emulator.calls[-1].status == 0
    assert (await _get(xero, session)).status == 200


async def test_truncated_body(xero, session, emulator):
    emulator.inject_fault("truncated")
    response = await _get(xero, session)
    assert response.status == 200 and int(response.headers["Content-Length"]) > 1000
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


async def test_connections_can_fail_too(xero, session, emulator):
    emulator.inject_fault("503_text", entity="Connections")
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    assert (await xero.client.get("/connections", headers=headers)).status == 503
    assert (await xero.client.get("/connections", headers=headers)).status == 200


async def test_refresh_lost_rotates_then_drops(xero, session, emulator):
    emulator.inject_fault("refresh_lost")
    with pytest.raises(aiohttp.ClientError):
        await xero.refresh(session["refresh_token"])
    status, body = await xero.refresh(session["refresh_token"])  # inside the grace period
    assert status == 200
    assert body["refresh_token"] != session["refresh_token"]
    assert (await xero.refresh(body["refresh_token"]))[0] == 200


async def test_faults_over_http(xero, session, emulator):
    response = await xero.client.post("/_control/faults", json={"kind": "offline", "count": 2})
    assert (await response.json())["kind"] == "offline"
    assert len(await (await xero.client.get("/_control/faults")).json()) == 1
    assert (await _get(xero, session)).status == 503
    await xero.client.delete("/_control/faults")
    assert (await _get(xero, session)).status == 200
    bad = await xero.client.post("/_control/faults", json={"kind": "volcano"})
    assert bad.status == 400

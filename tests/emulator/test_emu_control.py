"""The control API (Python and HTTP): changes move UpdatedDateUTC, deletes, adds, consent switches."""

from __future__ import annotations

import re

import pytest


def ms(record: dict) -> int:
    return int(re.search(r"\d+", record["UpdatedDateUTC"]).group())


async def test_update_moves_updated_date_to_now_and_to_the_end(xero, session, emulator, clock):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    invoice = emulator.records(tenant, "Invoices")[0]
    await clock.advance(10)
    changed = emulator.update_record(tenant, "Invoices", invoice["InvoiceID"], {"Reference": "changed"})
    assert ms(changed) == int(clock.time() * 1000)
    assert emulator.records(tenant, "Invoices")[-1] == changed
    body = await xero.api_json("Invoices", token, tenant, headers={"If-Modified-Since": "2026-11-24T09:00:05"})
    assert body["Invoices"] == [changed] and changed["Reference"] == "changed"


async def test_changes_at_the_same_instant_still_sort_in_order(emulator):
    tenant = emulator.tenants[0].tenant_id
    first, second = (c["ContactID"] for c in emulator.records(tenant, "Contacts")[:2])
    a = emulator.update_record(tenant, "Contacts", second, {"Name": "Second first"})
    b = emulator.update_record(tenant, "Contacts", first, {"Name": "First second"})
    assert ms(b) == ms(a) + 1
    assert [c["ContactID"] for c in emulator.records(tenant, "Contacts")[-2:]] == [second, first]


async def test_void_delete_archive_status(emulator):
    tenant = emulator.tenants[0].tenant_id
    invoices = emulator.records(tenant, "Invoices")
    authorised = next(i for i in invoices if i["Status"] == "AUTHORISED")
    draft = next(i for i in invoices if i["Status"] == "DRAFT")
    assert emulator.void(tenant, "Invoices", authorised["InvoiceID"])["Status"] == "VOIDED"
    with pytest.raises(ValueError):
        emulator.delete(tenant, "Invoices", authorised["InvoiceID"])
    assert emulator.delete(tenant, "Invoices", draft["InvoiceID"])["Status"] == "DELETED"
    contact = emulator.records(tenant, "Contacts")[0]
    assert emulator.archive(tenant, "Contacts", contact["ContactID"])["ContactStatus"] == "ARCHIVED"
    payment = emulator.records(tenant, "Payments")[0]
    assert emulator.void(tenant, "Payments", payment["PaymentID"])["Status"] == "DELETED"
    assert emulator.set_status(tenant, "Invoices", draft["InvoiceID"], "SUBMITTED")["Status"] == "SUBMITTED"
    with pytest.raises(ValueError):
        emulator.set_status(tenant, "Invoices", draft["InvoiceID"], "ARCHIVED")
    with pytest.raises(ValueError):
        emulator.archive(tenant, "Invoices", draft["InvoiceID"])


async def test_items_are_hard_deleted(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    item = emulator.records(tenant, "Items")[3]
    assert emulator.delete(tenant, "Items", item["ItemID"]) is None
    body = await xero.api_json("Items", token, tenant)
    assert item["ItemID"] not in {i["ItemID"] for i in body["Items"]} and len(body["Items"]) == 9
    contact = emulator.records(tenant, "Contacts")[0]
    emulator.hard_delete(tenant, "Contacts", contact["ContactID"])
    assert contact["ContactID"] not in {c["ContactID"] for c in emulator.records(tenant, "Contacts")}


async def test_add_record_generates_a_valid_one(xero, session, emulator, accounting_spec, clock):
    token, tenant = session["access_token"], xero.tenant_ids[1]
    added = emulator.add_record(tenant, "Invoices", {"Reference": "fresh"})
    assert added["Reference"] == "fresh" and ms(added) == int(clock.time() * 1000)
    body = await xero.api_json(f"Invoices/{added['InvoiceID']}", token, tenant)
    accounting_spec.check("Invoices", body)
    for entity in ("Contacts", "Payments", "CreditNotes", "Overpayments", "Prepayments", "Items", "Accounts"):
        record = emulator.add_record(tenant, entity)
        accounting_spec.check(entity, {entity: [record]})
    assert len(emulator.records(tenant, "Invoices")) == 51


async def test_http_control_api(xero, session, emulator):
    client, tenant = xero.client, xero.tenant_ids[0]
    tenants = await (await client.get("/_control/tenants")).json()
    assert [t["tenant_id"] for t in tenants] == xero.tenant_ids and tenants[0]["counts"]["Invoices"] == 50
    records = await (await client.get(f"/_control/records/{tenant}/Invoices")).json()
    assert len(records) == 50
    target = next(r for r in records if r["Status"] == "AUTHORISED")["InvoiceID"]
    url = f"/_control/records/{tenant}/Invoices/{target}"
    updated = await (await client.post(url, json={"action": "update", "changes": {"Reference": "x"}})).json()
    assert updated["Reference"] == "x"
    assert (await (await client.post(url, json={"action": "void"})).json())["Status"] == "VOIDED"
    refused = await client.post(url, json={"action": "delete"})
    assert refused.status == 400 and "void" in (await refused.json())["error"]
    assert (await client.post(url, json={"action": "status", "status": "PAID"})).status == 200
    unknown = await client.post(f"/_control/records/{tenant}/Invoices/nope", json={"action": "void"})
    assert unknown.status == 404
    added = await (await client.post(f"/_control/records/{tenant}/Contacts", json={"Name": "New Co"})).json()
    assert added["Name"] == "New Co"
    item = emulator.records(tenant, "Items")[0]["ItemID"]
    gone = await client.post(f"/_control/records/{tenant}/Items/{item}", json={"action": "hard_delete"})
    assert gone.status == 200 and len(emulator.records(tenant, "Items")) == 9
    assert (await client.post(f"/_control/tenants/{tenant}/disconnect")).status == 200
    assert (await xero.api("Invoices", session["access_token"], tenant)).status == 403
    expired = await (await client.post("/_control/grants/expire")).json()
    assert expired == {"grants": 1}
    assert (await xero.api("Invoices", session["access_token"], xero.tenant_ids[1])).status == 401


async def test_auto_approve_switch(xero):
    response = await xero.client.post("/_control/auto-approve",
                                      json={"enabled": True, "tenants": [xero.tenant_ids[1]]})
    assert (await response.json())["enabled"] is True
    assert xero.emulator.auto_approve and xero.emulator.approve_tenants == [xero.tenant_ids[1]]
    await xero.connect()
    assert [c.tenant_id for c in xero.emulator.connections.list()] == [xero.tenant_ids[1]]
    await xero.client.post("/_control/auto-approve", json={"enabled": False})
    assert xero.emulator.auto_approve is False


def test_seeded_data_is_deterministic(clock):
    from xero_emulator import EMULATOR, EmulatorConfig, create_app

    first = create_app(EmulatorConfig(seed=7), clock=clock)[EMULATOR]
    second = create_app(EmulatorConfig(seed=7), clock=clock)[EMULATOR]
    other = create_app(EmulatorConfig(seed=8), clock=clock)[EMULATOR]
    tenant = first.tenants[0].tenant_id
    assert tenant == second.tenants[0].tenant_id != other.tenants[0].tenant_id
    assert first.records(tenant, "Invoices") == second.records(tenant, "Invoices")
    assert [t.name for t in first.tenants] == ["Demo Company (NZ)", "Demo Company (UK)"]
    three = create_app(EmulatorConfig(orgs=3), clock=clock)[EMULATOR]
    assert three.tenants[2].name == "Demo Company 3"

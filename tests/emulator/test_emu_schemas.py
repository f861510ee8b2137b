"""Every entity the emulator serves validates against Xero's own OpenAPI component schemas."""

from __future__ import annotations

import re

import pytest

from xero_emulator.entities import ENTITIES

MS_DATE = re.compile(r"^/Date\(\d+\+0000\)/$")
ENVELOPES = {spec.name: spec.key for spec in ENTITIES.values()}
PAGED = [spec.name for spec in ENTITIES.values() if spec.paged]


def _check_envelope(body: dict, key: str) -> None:
    assert body["Status"] == "OK"
    assert re.match(r"^/Date\(\d+\)/$", body["DateTimeUTC"])
    assert isinstance(body[key], list)


@pytest.mark.parametrize("entity", sorted(ENVELOPES))
async def test_first_page_validates(xero, session, accounting_spec, entity):
    token = session["access_token"]
    spec = ENTITIES[entity.lower()]
    for tenant_id in xero.tenant_ids:
        body = await xero.api_json(entity, token, tenant_id, params={"pageSize": "3"} if spec.paged else None)
        accounting_spec.check(spec.key, body)
        _check_envelope(body, spec.key)
        records = body[spec.key]
        assert records, f"no {entity} seeded"
        for record in records:
            assert record[spec.id_key]
            if spec.modified_since:
                assert MS_DATE.match(record["UpdatedDateUTC"]), record["UpdatedDateUTC"]
        if spec.paged:
            assert body["pagination"]["page"] == 1 and body["pagination"]["pageSize"] == 3


@pytest.mark.parametrize("entity", PAGED)
async def test_later_page_with_if_modified_since_validates(xero, session, emulator, accounting_spec, entity):
    token, tenant_id = session["access_token"], xero.tenant_ids[0]
    spec = ENTITIES[entity.lower()]
    everything = emulator.records(tenant_id, entity)
    middle = everything[len(everything) // 3]["UpdatedDateUTC"]
    since_ms = int(re.search(r"\d+", middle).group())
    iso = __import__("datetime").datetime.fromtimestamp(since_ms / 1000, __import__("datetime").UTC)
    header = iso.strftime("%Y-%m-%dT%H:%M:%S.") + f"{iso.microsecond // 1000:03d}"
    body = await xero.api_json(entity, token, tenant_id, params={"page": "2", "pageSize": "1"},
                               headers={"If-Modified-Since": header})
    accounting_spec.check(spec.key, body)
    assert body["pagination"]["page"] == 2
    for record in body[spec.key]:
        assert int(re.search(r"\d+", record["UpdatedDateUTC"]).group()) >= since_ms


async def test_invoices_reference_real_contacts_items_accounts_and_payments(xero, session, emulator):
    tenant_id = xero.tenant_ids[0]
    contacts = {c["ContactID"] for c in emulator.records(tenant_id, "Contacts")}
    items = {i["Code"] for i in emulator.records(tenant_id, "Items")}
    accounts = {a["Code"] for a in emulator.records(tenant_id, "Accounts")}
    invoices = {i["InvoiceID"]: i for i in emulator.records(tenant_id, "Invoices")}
    for invoice in invoices.values():
        assert invoice["Contact"]["ContactID"] in contacts
        assert 1 <= len(invoice["LineItems"]) <= 4
        for line in invoice["LineItems"]:
            assert line["ItemCode"] in items and line["AccountCode"] in accounts
        assert invoice["Total"] == round(invoice["SubTotal"] + invoice["TotalTax"], 2)
    for payment in emulator.records(tenant_id, "Payments"):
        invoice = invoices[payment["Invoice"]["InvoiceID"]]
        assert payment["PaymentID"] in {p["PaymentID"] for p in invoice["Payments"]}
        assert payment["Account"]["Code"] in accounts
    paid = [i for i in invoices.values() if i["Status"] == "PAID"]
    assert paid and all(i["AmountDue"] == 0 for i in paid)


async def test_connections_validate(xero, session, identity_spec):
    response = await xero.client.get("/connections",
                                     headers={"Authorization": f"Bearer {session['access_token']}"})
    connections = await response.json()
    assert len(connections) == 2
    for connection in connections:
        identity_spec.check("Connection", connection)
        assert connection["id"] != connection["tenantId"]

"""Every entity the emulator serves validates against Xero's own OpenAPI component schemas."""

from __future__ import annotations

import re

import pytest

from xero_emulator.entities import ENTITIES

MS_DATE = re.compile(r"^/Date\(\d+\+0000\)/$")
ENVELOPES = {spec.name: spec.key for spec in ENTITIES.values()}
PAGED = [spec.name for spec in ENTITIES.values() if spec.paged and spec.page_size]


def _stamp_key(spec) -> str | None:
    """The field that shows when a record last changed (or was created), if the entity shows one."""
    return spec.stamp_key or spec.created_key


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
            if spec.modified_since and _stamp_key(spec):
                assert MS_DATE.match(record[_stamp_key(spec)]), record[_stamp_key(spec)]
        if spec.paged and spec.page_size:
            assert body["pagination"]["page"] == 1 and body["pagination"]["pageSize"] == 3
        else:
            assert "pagination" not in body


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


async def test_new_documents_reference_real_records(emulator):
    tenant = emulator.tenants[0].tenant_id
    contacts = {c["ContactID"] for c in emulator.records(tenant, "Contacts")}
    items = {i["Code"] for i in emulator.records(tenant, "Items")}
    accounts = {a["Code"]: a for a in emulator.records(tenant, "Accounts")}
    banks = {a["AccountID"] for a in accounts.values() if a["Type"] == "BANK"}
    options = {(c["TrackingCategoryID"], o["TrackingOptionID"])
               for c in emulator.records(tenant, "TrackingCategories") for o in c["Options"]}
    tracked = 0
    for name in ("BankTransactions", "PurchaseOrders", "Quotes", "RepeatingInvoices"):
        for record in emulator.records(tenant, name):
            assert record["Contact"]["ContactID"] in contacts
            assert record["Total"] == round(record["SubTotal"] + record["TotalTax"], 2)
            for line in record["LineItems"]:
                assert line["AccountCode"] in accounts and line.get("ItemCode", "ITEM-001") in items
                assert {(t["TrackingCategoryID"], t["TrackingOptionID"]) for t in line["Tracking"]} <= options
                tracked += bool(line["Tracking"])
    assert tracked
    for transaction in emulator.records(tenant, "BankTransactions"):
        assert transaction["BankAccount"]["AccountID"] in banks
    for transfer in emulator.records(tenant, "BankTransfers"):
        assert {transfer["FromBankAccount"]["AccountID"], transfer["ToBankAccount"]["AccountID"]} == banks
    for journal in emulator.records(tenant, "ManualJournals"):
        assert round(sum(line["LineAmount"] for line in journal["JournalLines"]), 2) == 0
        assert all(line["AccountCode"] in accounts for line in journal["JournalLines"])
    for group in emulator.records(tenant, "ContactGroups"):
        assert {c["ContactID"] for c in group["Contacts"]} <= contacts

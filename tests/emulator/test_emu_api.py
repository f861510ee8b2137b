"""The Accounting API: envelopes, paging, If-Modified-Since, ordering, filters, errors, the call log."""

from __future__ import annotations

import re

import pytest

from xero_emulator import EmulatorConfig
from xero_emulator.dates import parse_if_modified_since


def ms(record: dict, key: str = "UpdatedDateUTC") -> int:
    return int(re.search(r"\d+", record[key]).group())


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(invoices=2500, contacts=40, payments=300)


async def test_paging_walks_every_invoice_once(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    seen, page = [], 1
    while True:
        body = await xero.api_json("Invoices", token, tenant, params={"page": str(page), "pageSize": "1000"})
        assert body["pagination"] == {"page": page, "pageSize": 1000, "pageCount": 3, "itemCount": 2500}
        seen += body["Invoices"]
        if page == body["pagination"]["pageCount"]:
            break
        page += 1
    assert [i["InvoiceID"] for i in seen] == [i["InvoiceID"] for i in emulator.records(tenant, "Invoices")]
    stamps = [ms(i) for i in seen]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert max(stamps) < xero.clock.time() * 1000 and min(stamps) > (xero.clock.time() - 366 * 86400) * 1000


async def test_page_size_defaults_to_100_and_clamps_to_1000(xero, session):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    body = await xero.api_json("Invoices", token, tenant)
    assert body["pagination"]["pageSize"] == 100 and len(body["Invoices"]) == 100
    body = await xero.api_json("Invoices", token, tenant, params={"pageSize": "5000"})
    assert body["pagination"]["pageSize"] == 1000 and len(body["Invoices"]) == 1000
    body = await xero.api_json("Invoices", token, tenant, params={"page": "99"})
    assert body["Invoices"] == [] and body["pagination"]["pageCount"] == 25


@pytest.mark.parametrize("form", ["iso", "iso_z_ms", "rfc1123"])
async def test_if_modified_since_forms(xero, session, emulator, form):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    records = emulator.records(tenant, "Contacts")
    pivot_ms = ms(records[10]) // 1000 * 1000  # whole second
    from datetime import UTC, datetime
    moment = datetime.fromtimestamp(pivot_ms / 1000, UTC)
    header = {"iso": moment.strftime("%Y-%m-%dT%H:%M:%S"), "iso_z_ms": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
              "rfc1123": moment.strftime("%a, %d %b %Y %H:%M:%S GMT")}[form]
    body = await xero.api_json("Contacts", token, tenant, params={"includeArchived": "true"},
                               headers={"If-Modified-Since": header})
    expected = [r["ContactID"] for r in records if ms(r) >= pivot_ms]
    assert [c["ContactID"] for c in body["Contacts"]] == expected
    assert body["pagination"]["itemCount"] == len(expected)


def test_parse_if_modified_since():
    assert parse_if_modified_since("2026-11-24T09:00:00") == 1795510800000
    assert parse_if_modified_since("2026-11-24T09:00:00Z") == 1795510800000
    assert parse_if_modified_since("2026-11-24T09:00:00.250") == 1795510800250
    assert parse_if_modified_since("2026-11-24T10:00:00+01:00") == 1795510800000
    assert parse_if_modified_since("Tue, 24 Nov 2026 09:00:00 GMT") == 1795510800000
    assert parse_if_modified_since("yesterday") is None and parse_if_modified_since("") is None


async def test_order_desc_and_ids_filter(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    body = await xero.api_json("Payments", token, tenant, params={"order": "UpdatedDateUTC DESC"})
    stamps = [ms(p) for p in body["Payments"]]
    assert stamps == sorted(stamps, reverse=True)
    wanted = [body["Payments"][3]["PaymentID"], body["Payments"][7]["PaymentID"]]
    body = await xero.api_json("Payments", token, tenant, params={"IDs": ",".join(wanted)})
    assert sorted(p["PaymentID"] for p in body["Payments"]) == sorted(wanted)


async def test_single_record_and_unknown_ones(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    invoice = emulator.records(tenant, "Invoices")[5]
    body = await xero.api_json(f"Invoices/{invoice['InvoiceID']}", token, tenant)
    assert body["Invoices"] == [invoice] and "pagination" not in body
    missing = await xero.api("Invoices/00000000-0000-4000-8000-000000000000", token, tenant)
    assert missing.status == 404
    assert (await xero.api("Nonsense", token, tenant)).status == 404


async def test_archived_contacts_need_include_archived(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    contact = emulator.records(tenant, "Contacts")[0]
    emulator.archive(tenant, "Contacts", contact["ContactID"])
    plain = await xero.api_json("Contacts", token, tenant, params={"pageSize": "1000"})
    assert contact["ContactID"] not in {c["ContactID"] for c in plain["Contacts"]}
    full = await xero.api_json("Contacts", token, tenant, params={"pageSize": "1000", "includeArchived": "true"})
    archived = [c for c in full["Contacts"] if c["ContactID"] == contact["ContactID"]]
    assert archived[0]["ContactStatus"] == "ARCHIVED"


async def test_unpaged_entities_return_everything(xero, session):
    token, tenant = session["access_token"], xero.tenant_ids[1]
    body = await xero.api_json("Accounts", token, tenant)
    assert "pagination" not in body and len(body["Accounts"]) == 16  # 15 seeded + the savings account
    body = await xero.api_json("Organisation", token, tenant)
    assert body["Organisations"][0]["OrganisationID"] == tenant
    assert body["Organisations"][0]["Name"] == "Demo Company (UK)"


async def test_missing_token_tenant_and_unknown_tenant(xero, session):
    response = await xero.client.get("/api.xro/2.0/Invoices", headers={"xero-tenant-id": xero.tenant_ids[0]})
    assert response.status == 401
    for tenant in (None, "00000000-0000-4000-8000-000000000000"):
        response = await xero.api("Invoices", session["access_token"], tenant)
        assert response.status == 403
        body = await response.json()
        assert {k: body[k] for k in ("Type", "Title", "Status", "Detail", "Extensions")} == {
            "Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful",
            "Extensions": {}}


async def test_disconnected_tenant_is_forbidden_and_leaves_connections(xero, session, emulator):
    tenant = xero.tenant_ids[0]
    emulator.disconnect_tenant(tenant)
    assert (await xero.api("Invoices", session["access_token"], tenant)).status == 403
    assert (await xero.api("Invoices", session["access_token"], xero.tenant_ids[1])).status == 200
    assert tenant not in [c.tenant_id for c in emulator.connections.list()]


async def test_call_log(xero, session, emulator):
    emulator.clear_calls()
    tenant = xero.tenant_ids[0]
    await xero.api("Invoices", session["access_token"], tenant, params={"page": "2"})
    await xero.client.get("/_control/calls")
    calls = emulator.calls
    assert len(calls) == 1
    call = calls[0]
    assert (call.method, call.path, call.query, call.tenant_id, call.status) == (
        "GET", "/api.xro/2.0/Invoices", {"page": "2"}, tenant, 200)
    assert call.time == xero.clock.time() and call["status"] == 200
    assert call.headers["Authorization"] == "Bearer ***" and call.headers["xero-tenant-id"] == tenant
    listed = await (await xero.client.get("/_control/calls")).json()
    assert listed[0]["path"] == "/api.xro/2.0/Invoices"
    await xero.client.delete("/_control/calls")
    assert emulator.calls == []


async def test_every_response_carries_limit_headers(xero, session):
    response = await xero.api("Contacts", session["access_token"], xero.tenant_ids[0])
    assert response.headers["X-MinLimit-Remaining"] == "59"
    assert response.headers["X-DayLimit-Remaining"] == "4999"
    assert response.headers["X-AppMinLimit-Remaining"] == "9999"

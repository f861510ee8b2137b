"""The entities beyond receivables: paging (pages, Quotes' fixed pages, Journals' offset), If-Modified-Since,
statuses served (and the flags some need), and the granular scope each needs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from xero_emulator import EmulatorConfig
from xero_emulator.entities import ENTITIES

NEW = ("BankTransactions", "BankTransfers", "ManualJournals", "Journals", "TrackingCategories", "PurchaseOrders",
       "Quotes", "RepeatingInvoices", "ContactGroups", "Users")
SCOPE = {"BankTransactions": "accounting.banktransactions.read", "BankTransfers": "accounting.banktransactions.read",
         "ManualJournals": "accounting.manualjournals.read", "Journals": "accounting.journals.read",
         "TrackingCategories": "accounting.settings.read", "PurchaseOrders": "accounting.invoices.read",
         "Quotes": "accounting.invoices.read", "RepeatingInvoices": "accounting.invoices.read",
         "ContactGroups": "accounting.contacts.read", "Users": "accounting.settings.read"}
BROAD = {"BankTransactions", "BankTransfers", "ManualJournals", "PurchaseOrders", "Quotes", "RepeatingInvoices"}


def ms(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def iso(stamp_ms: int) -> str:
    """An If-Modified-Since value with a UTC offset, to the millisecond."""
    moment = datetime.fromtimestamp(stamp_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(invoices=300, payments=120, quotes=230, journals=400)


async def test_bank_transactions_walk_in_pages(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    seen, page = [], 1
    while True:
        params = {"page": str(page), "pageSize": "15", "unitdp": "4"}  # unitdp=4: exactly the stored amounts
        body = await xero.api_json("BankTransactions", token, tenant, params=params)
        assert body["pagination"] == {"page": page, "pageSize": 15, "pageCount": 3, "itemCount": 40}
        seen += body["BankTransactions"]
        if page == body["pagination"]["pageCount"]:
            break
        page += 1
    assert seen == emulator.records(tenant, "BankTransactions")


async def test_quotes_come_100_a_page_without_pagination(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    pages = [await xero.api_json("Quotes", token, tenant, params={"page": str(n), "pageSize": "10"})
             for n in (1, 2, 3, 4)]
    assert [len(p["Quotes"]) for p in pages] == [100, 100, 30, 0]
    assert all("pagination" not in p for p in pages)
    assert [q for p in pages for q in p["Quotes"]] == emulator.records(tenant, "Quotes")


async def test_journals_by_offset_in_batches_of_100(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    everything = emulator.records(tenant, "Journals")
    assert len(everything) == 400  # the ceiling: more documents than that were posted
    seen, offset, calls = [], 0, 0
    while True:
        body = await xero.api_json("Journals", token, tenant, params={"offset": str(offset)})
        batch, calls = body["Journals"], calls + 1
        if not batch:
            break
        assert len(batch) <= 100 and "pagination" not in body
        assert all(j["JournalNumber"] > offset for j in batch)
        seen += batch
        offset = batch[-1]["JournalNumber"]
    assert calls == 5 and seen == everything
    assert [j["JournalNumber"] for j in seen] == list(range(1, 401))
    created = [ms(j["CreatedDateUTC"]) for j in seen]
    assert created == sorted(created) and len(set(created)) == len(created)


async def test_one_journal_by_id_or_by_number(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    journal = emulator.records(tenant, "Journals")[41]
    assert journal["JournalNumber"] == 42
    for key in (journal["JournalID"], "42"):
        assert (await xero.api_json(f"Journals/{key}", token, tenant))["Journals"] == [journal]
    assert (await xero.api("Journals/401", token, tenant)).status == 404


async def test_journals_offset_and_if_modified_since_together(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    everything = emulator.records(tenant, "Journals")
    since = ms(everything[250]["CreatedDateUTC"])
    body = await xero.api_json("Journals", token, tenant, params={"offset": "100"},
                               headers={"If-Modified-Since": iso(since)})
    assert [j["JournalNumber"] for j in body["Journals"]] == list(range(251, 351))
    body = await xero.api_json("Journals", token, tenant, params={"offset": "300"},
                               headers={"If-Modified-Since": iso(since)})
    assert [j["JournalNumber"] for j in body["Journals"]] == list(range(301, 401))


@pytest.mark.parametrize("name", [n for n in NEW if ENTITIES[n.lower()].modified_since])
async def test_if_modified_since_selects_later_changes(xero, session, emulator, name):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    spec = ENTITIES[name.lower()]
    key = spec.stamp_key or spec.created_key
    everything = emulator.records(tenant, name)
    since = ms(everything[len(everything) // 2][key])
    params = {"pageSize": "1000", "includeDeleted": "true"} if name != "Journals" else {}
    body = await xero.api_json(name, token, tenant, params=params, headers={"If-Modified-Since": iso(since)})
    expected = [r[spec.id_key] for r in everything if ms(r[key]) >= since]
    assert 0 < len(expected) < len(everything)
    one_call = 100 if name in ("Journals", "Quotes") else 1000  # the first batch or page of them
    assert [r[spec.id_key] for r in body[spec.key]] == expected[:one_call]


@pytest.mark.parametrize("name", [n for n in NEW if not ENTITIES[n.lower()].modified_since])
async def test_entities_without_if_modified_since_answer_everything(xero, session, emulator, name):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    spec = ENTITIES[name.lower()]
    body = await xero.api_json(name, token, tenant, params={"includeArchived": "true"},
                               headers={"If-Modified-Since": iso(int(xero.clock.time() * 1000))})
    assert [r[spec.id_key] for r in body[spec.key]] == [r[spec.id_key] for r in emulator.records(tenant, name)]


@pytest.mark.parametrize("name", ["BankTransactions", "ManualJournals", "PurchaseOrders", "Quotes",
                                  "RepeatingInvoices", "ContactGroups", "Users"])
async def test_every_status_is_served(xero, session, emulator, name):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    spec = ENTITIES[name.lower()]
    statuses = {r[spec.status_key] for r in emulator.records(tenant, name)}
    assert len(statuses) >= 2, f"{name} is seeded with one status only: {statuses}"
    body = await xero.api_json(name, token, tenant, params={"pageSize": "1000"})
    assert {r[spec.status_key] for r in body[spec.key]} == statuses


async def test_deleted_bank_transfers_need_include_deleted(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    transfer = emulator.records(tenant, "BankTransfers")[0]
    assert emulator.delete(tenant, "BankTransfers", transfer["BankTransferID"])["Status"] == "DELETED"
    plain = await xero.api_json("BankTransfers", token, tenant)
    assert transfer["BankTransferID"] not in {t["BankTransferID"] for t in plain["BankTransfers"]}
    full = await xero.api_json("BankTransfers", token, tenant, params={"includeDeleted": "true"})
    deleted = [t for t in full["BankTransfers"] if t["BankTransferID"] == transfer["BankTransferID"]]
    assert deleted[0]["Status"] == "DELETED" and len(full["BankTransfers"]) == len(plain["BankTransfers"]) + 1


async def test_archived_tracking_categories_and_options_need_include_archived(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    plain = (await xero.api_json("TrackingCategories", token, tenant))["TrackingCategories"]
    assert [c["Status"] for c in plain] == ["ACTIVE", "ACTIVE"]
    assert all(o["Status"] == "ACTIVE" for c in plain for o in c["Options"])
    full = (await xero.api_json("TrackingCategories", token, tenant,
                                params={"includeArchived": "true"}))["TrackingCategories"]
    assert [c["Status"] for c in full] == ["ACTIVE", "ACTIVE", "ARCHIVED"]
    region = next(c for c in full if c["Name"] == "Region")
    assert [o["Name"] for o in region["Options"] if o["Status"] == "ARCHIVED"] == ["Central"]


async def test_contact_groups_list_members_only_one_by_one(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    listed = (await xero.api_json("ContactGroups", token, tenant))["ContactGroups"]
    assert all(g["Contacts"] == [] for g in listed)
    group = listed[0]["ContactGroupID"]
    one = (await xero.api_json(f"ContactGroups/{group}", token, tenant))["ContactGroups"][0]
    contacts = {c["ContactID"] for c in emulator.records(tenant, "Contacts")}
    assert one["Contacts"] and {c["ContactID"] for c in one["Contacts"]} <= contacts


@pytest.mark.parametrize("name", NEW)
async def test_each_entity_needs_its_scope(xero, name):
    tenant = xero.tenant_ids[0]
    other = "accounting.payments.read" if SCOPE[name] != "accounting.payments.read" else "accounting.contacts.read"
    without = await xero.connect(scope=f"offline_access {other}")
    refused = await xero.api(name, without["access_token"], tenant)
    assert refused.status == 401
    assert (await refused.json())["Detail"] == "AuthorizationUnsuccessful"
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    for scope in (SCOPE[name], SCOPE[name].removesuffix(".read")):
        if scope == "accounting.journals":
            continue  # Xero offers Journals read-only
        granted = await xero.connect(scope=f"offline_access {scope}")
        assert (await xero.api(name, granted["access_token"], tenant)).status == 200, scope
    broad = await xero.connect(scope="offline_access accounting.transactions.read")
    assert (await xero.api(name, broad["access_token"], tenant)).status == (200 if name in BROAD else 401)

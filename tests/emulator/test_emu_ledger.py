"""Changing the entities beyond receivables through the control API (Python and HTTP), and the Journals that
changes to ledger documents append (Journals themselves never change)."""

from __future__ import annotations

import re

import pytest

from xero_emulator.entities import ENTITIES

CHANGES = {"BankTransactions": {"Reference": "changed"}, "BankTransfers": {"Reference": "changed"},
           "ManualJournals": {"Narration": "changed"}, "TrackingCategories": {"Name": "Changed"},
           "PurchaseOrders": {"Reference": "changed"}, "Quotes": {"Reference": "changed"},
           "RepeatingInvoices": {"Reference": "changed"}, "ContactGroups": {"Name": "Changed"},
           "Users": {"FirstName": "Changed"}}


def ms(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def journals(emulator, tenant: str) -> list[dict]:
    return emulator.records(tenant, "Journals")


def balanced(journal: dict) -> bool:
    return round(sum(line["NetAmount"] for line in journal["JournalLines"]), 2) == 0


@pytest.mark.parametrize("name", sorted(CHANGES))
async def test_a_change_moves_the_record_to_now(xero, session, emulator, clock, name):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    spec = ENTITIES[name.lower()]
    first = emulator.records(tenant, name)[0]
    await clock.advance(60)
    changed = emulator.update_record(tenant, name, first[spec.id_key], CHANGES[name])
    assert all(changed[k] == v for k, v in CHANGES[name].items())
    if not spec.modified_since:  # no If-Modified-Since: the change shows in the next read
        one = await xero.api_json(f"{name}/{first[spec.id_key]}", token, tenant, params={"includeArchived": "true"})
        assert one[spec.key] == [changed]
        return
    if spec.stamp_key:
        assert ms(changed[spec.stamp_key]) == int(clock.time() * 1000)
    else:  # BankTransfers: CreatedDateUTC stays; the change is still "modified since"
        assert changed["CreatedDateUTC"] == first["CreatedDateUTC"]
    assert emulator.records(tenant, name)[-1] == changed
    body = await xero.api_json(name, token, tenant, headers={"If-Modified-Since": "2026-11-24T09:00:30Z"})
    assert [r[spec.id_key] for r in body[spec.key]] == [first[spec.id_key]]


async def test_statuses_change_as_xero_allows(emulator):
    tenant = emulator.tenants[0].tenant_id

    def first(name: str, status: str) -> str:
        spec = ENTITIES[name.lower()]
        return next(r[spec.id_key] for r in emulator.records(tenant, name) if r[spec.status_key] == status)

    assert emulator.void(tenant, "BankTransactions", first("BankTransactions", "AUTHORISED"))["Status"] == "VOIDED"
    assert emulator.delete(tenant, "BankTransactions", first("BankTransactions", "AUTHORISED"))["Status"] == "DELETED"
    posted, draft = first("ManualJournals", "POSTED"), first("ManualJournals", "DRAFT")
    with pytest.raises(ValueError, match="only DRAFT"):
        emulator.delete(tenant, "ManualJournals", posted)
    with pytest.raises(ValueError, match="only POSTED"):
        emulator.void(tenant, "ManualJournals", draft)
    assert emulator.void(tenant, "ManualJournals", posted)["Status"] == "VOIDED"
    assert emulator.delete(tenant, "ManualJournals", draft)["Status"] == "DELETED"
    for name, status in (("PurchaseOrders", "AUTHORISED"), ("Quotes", "SENT"), ("RepeatingInvoices", "AUTHORISED"),
                         ("ContactGroups", "ACTIVE"), ("TrackingCategories", "ACTIVE")):
        assert emulator.delete(tenant, name, first(name, status))["Status"] == "DELETED"
    with pytest.raises(ValueError, match="cannot be voided"):
        emulator.void(tenant, "PurchaseOrders", first("PurchaseOrders", "AUTHORISED"))
    assert emulator.archive(tenant, "TrackingCategories", first("TrackingCategories", "ACTIVE"))["Status"] \
        == "ARCHIVED"
    assert emulator.delete(tenant, "Users", first("Users", "STANDARD"))["OrganisationRole"] == "REMOVED"


async def test_journals_never_change(emulator):
    tenant = emulator.tenants[0].tenant_id
    journal = journals(emulator, tenant)[0]["JournalID"]
    for change in (lambda: emulator.update_record(tenant, "Journals", journal, {"Reference": "x"}),
                   lambda: emulator.void(tenant, "Journals", journal),
                   lambda: emulator.delete(tenant, "Journals", journal),
                   lambda: emulator.hard_delete(tenant, "Journals", journal),
                   lambda: emulator.add_record(tenant, "Journals", {"Reference": "x"})):
        with pytest.raises(ValueError, match="Journals"):
            change()


async def test_seeded_journals_balance_and_point_at_posted_documents(emulator):
    tenant = emulator.tenants[0].tenant_id
    sources = {}
    for name in ("Invoices", "CreditNotes", "Payments", "Overpayments", "Prepayments", "BankTransactions",
                 "BankTransfers", "ManualJournals"):
        spec = ENTITIES[name.lower()]
        sources.update({r[spec.id_key]: r for r in emulator.records(tenant, name)})
    codes = {a["Code"] for a in emulator.records(tenant, "Accounts")}
    seeded = journals(emulator, tenant)
    assert {j["SourceType"] for j in seeded} >= {"ACCREC", "ACCRECPAYMENT", "CASHPAID", "CASHREC", "TRANSFER",
                                                 "MANJOURNAL"}
    for journal in seeded:
        assert balanced(journal), journal
        assert journal["SourceID"] in sources
        assert {line["AccountCode"] for line in journal["JournalLines"]} <= codes


async def test_an_invoice_posts_and_its_changes_append_journals(emulator, clock):
    tenant = emulator.tenants[1].tenant_id
    before = journals(emulator, tenant)
    await clock.advance(5)
    invoice = emulator.add_record(tenant, "Invoices", {"Type": "ACCREC"})
    posted = journals(emulator, tenant)[len(before):]
    assert len(posted) == 1 and posted[0]["SourceID"] == invoice["InvoiceID"]
    assert posted[0]["SourceType"] == "ACCREC" and posted[0]["JournalNumber"] == len(before) + 1
    assert ms(posted[0]["CreatedDateUTC"]) == int(clock.time() * 1000) and balanced(posted[0])
    receivable = next(x for x in posted[0]["JournalLines"] if x["AccountCode"] == "610")
    assert receivable["NetAmount"] == invoice["Total"]
    emulator.update_record(tenant, "Invoices", invoice["InvoiceID"], {"Reference": "only words changed"})
    assert len(journals(emulator, tenant)) == len(before) + 1
    lines = [{**invoice["LineItems"][0], "LineAmount": 10.0, "TaxAmount": 1.5}]
    emulator.update_record(tenant, "Invoices", invoice["InvoiceID"], {"LineItems": lines})
    reversal, anew = journals(emulator, tenant)[len(before) + 1:]
    assert [x["NetAmount"] for x in reversal["JournalLines"]] == [-x["NetAmount"] for x in posted[0]["JournalLines"]]
    assert next(x for x in anew["JournalLines"] if x["AccountCode"] == "610")["NetAmount"] == 11.5
    emulator.void(tenant, "Invoices", invoice["InvoiceID"])
    voided = journals(emulator, tenant)[-1]
    assert [x["NetAmount"] for x in voided["JournalLines"]] == [-x["NetAmount"] for x in anew["JournalLines"]]


async def test_drafts_post_nothing_until_they_are_approved(emulator):
    tenant = emulator.tenants[0].tenant_id
    count = len(journals(emulator, tenant))
    draft = emulator.add_record(tenant, "ManualJournals")
    assert draft["Status"] == "DRAFT" and len(journals(emulator, tenant)) == count
    emulator.delete(tenant, "ManualJournals", draft["ManualJournalID"])
    assert len(journals(emulator, tenant)) == count
    other = emulator.add_record(tenant, "ManualJournals")
    emulator.set_status(tenant, "ManualJournals", other["ManualJournalID"], "POSTED")
    journal = journals(emulator, tenant)[-1]
    assert (journal["SourceType"], journal["SourceID"]) == ("MANJOURNAL", other["ManualJournalID"])
    assert [x["NetAmount"] for x in journal["JournalLines"]] == [x["LineAmount"] for x in other["JournalLines"]]


async def test_deleting_a_bank_transaction_reverses_it(emulator):
    tenant = emulator.tenants[0].tenant_id
    spent = next(b for b in emulator.records(tenant, "BankTransactions") if b["Status"] == "AUTHORISED")
    emulator.delete(tenant, "BankTransactions", spent["BankTransactionID"])
    reversal = journals(emulator, tenant)[-1]
    assert reversal["SourceID"] == spent["BankTransactionID"] and balanced(reversal)
    bank = next(x for x in reversal["JournalLines"] if x["AccountCode"] == spent["BankAccount"]["Code"])
    assert bank["NetAmount"] == (spent["Total"] if spent["Type"] == "SPEND" else -spent["Total"])


async def test_adding_a_journal_posts_a_manual_journal(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    last = journals(emulator, tenant)[-1]["JournalNumber"]
    journal = emulator.add_record(tenant, "Journals")
    assert journal["JournalNumber"] == last + 1 and journal["SourceType"] == "MANJOURNAL"
    assert emulator.record(tenant, "ManualJournals", journal["SourceID"])["Status"] == "POSTED"
    body = await xero.api_json("Journals", token, tenant, params={"offset": str(last)})
    assert body["Journals"] == [journal]


@pytest.mark.parametrize("name", sorted(CHANGES) + ["Journals"])
async def test_added_records_validate(xero, session, emulator, accounting_spec, name):
    token, tenant = session["access_token"], xero.tenant_ids[1]
    spec = ENTITIES[name.lower()]
    added = emulator.add_record(tenant, name)
    accounting_spec.check(spec.key, {spec.key: [added]})
    body = await xero.api_json(f"{name}/{added[spec.id_key]}", token, tenant, params={"unitdp": "4"})
    assert body[spec.key] == [added] or name == "ContactGroups"


async def test_http_control_for_the_new_entities(xero, emulator):
    client, tenant = xero.client, xero.tenant_ids[0]
    url = f"/_control/records/{tenant}/BankTransactions"
    added = await (await client.post(url, json={"Reference": "via http"})).json()
    assert added["Reference"] == "via http" and added["Status"] == "AUTHORISED"
    deleted = await client.post(f"{url}/{added['BankTransactionID']}", json={"action": "delete"})
    assert (await deleted.json())["Status"] == "DELETED"
    listed = await (await client.get(f"/_control/records/{tenant}/Journals")).json()
    assert [j["SourceID"] for j in listed[-2:]] == [added["BankTransactionID"]] * 2
    refused = await client.post(f"/_control/records/{tenant}/Journals/{listed[0]['JournalID']}",
                                json={"action": "update", "changes": {"Reference": "x"}})
    assert refused.status == 400 and "immutable" in (await refused.json())["error"]
    counts = (await (await client.get("/_control/tenants")).json())[0]["counts"]
    assert counts["BankTransactions"] == 41 and counts["Journals"] == len(listed)

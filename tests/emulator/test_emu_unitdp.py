"""Unit amounts: kept to four decimals, served rounded to two unless `unitdp=4` is asked where the spec offers it."""

from __future__ import annotations

import pytest

from xero_emulator import EmulatorConfig
from xero_emulator.rounding import two


def precise(value: float) -> bool:
    return round(value, 2) != value


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(precise_items=4)


def test_rounding_is_half_away_from_zero():
    assert [two(x) for x in (2.345, -2.345, 1.005, 12.3449, 7.0)] == [2.35, -2.35, 1.01, 12.34, 7.0]


async def test_bank_transactions_are_seeded_with_four_decimals(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    exact = emulator.records(tenant, "BankTransactions")
    assert any(precise(line["UnitAmount"]) for b in exact for line in b["LineItems"])
    served = (await xero.api_json("BankTransactions", token, tenant))["BankTransactions"]
    for truth, got in zip(exact, served, strict=True):
        assert [two(x["UnitAmount"]) for x in truth["LineItems"]] == [x["UnitAmount"] for x in got["LineItems"]]
        assert [x["LineAmount"] for x in truth["LineItems"]] == [x["LineAmount"] for x in got["LineItems"]]
        assert got["Total"] == truth["Total"]
    asked = (await xero.api_json("BankTransactions", token, tenant, params={"unitdp": "4"}))["BankTransactions"]
    assert asked == exact


async def test_items_and_their_invoices_with_four_decimal_prices(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    items = emulator.records(tenant, "Items")
    assert [precise(i["SalesDetails"]["UnitPrice"]) for i in items].count(True) == 4
    served = (await xero.api_json("Items", token, tenant))["Items"]
    assert [i["SalesDetails"]["UnitPrice"] for i in served] == [two(i["SalesDetails"]["UnitPrice"]) for i in items]
    assert (await xero.api_json("Items", token, tenant, params={"unitdp": "4"}))["Items"] == items
    invoice = next(i for i in emulator.records(tenant, "Invoices")
                   if any(precise(x["UnitAmount"]) for x in i["LineItems"]))
    one = f"Invoices/{invoice['InvoiceID']}"
    rounded = (await xero.api_json(one, token, tenant))["Invoices"][0]
    assert [x["UnitAmount"] for x in rounded["LineItems"]] == [two(x["UnitAmount"]) for x in invoice["LineItems"]]
    assert (await xero.api_json(one, token, tenant, params={"unitdp": "4"}))["Invoices"] == [invoice]
    page = await xero.api_json("Invoices", token, tenant, params={"unitdp": "4", "pageSize": "1000"})
    assert invoice in page["Invoices"]


async def test_where_the_spec_offers_no_unitdp_amounts_stay_rounded(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    order = emulator.records(tenant, "PurchaseOrders")[0]
    lines = [{**order["LineItems"][0], "UnitAmount": 12.3456}]
    emulator.update_record(tenant, "PurchaseOrders", order["PurchaseOrderID"], {"LineItems": lines})
    for params in ({}, {"unitdp": "4"}):
        body = await xero.api_json(f"PurchaseOrders/{order['PurchaseOrderID']}", token, tenant, params=params)
        assert body["PurchaseOrders"][0]["LineItems"][0]["UnitAmount"] == 12.35
    assert emulator.record(tenant, "PurchaseOrders", order["PurchaseOrderID"])["LineItems"][0]["UnitAmount"] \
        == 12.3456


async def test_records_changed_later_are_rounded_too(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[1]
    credit = emulator.add_record(tenant, "CreditNotes")
    lines = [{**credit["LineItems"][0], "UnitAmount": 0.125}]
    emulator.update_record(tenant, "CreditNotes", credit["CreditNoteID"], {"LineItems": lines})
    one = f"CreditNotes/{credit['CreditNoteID']}"
    assert (await xero.api_json(one, token, tenant))["CreditNotes"][0]["LineItems"][0]["UnitAmount"] == 0.13
    exact = await xero.api_json(one, token, tenant, params={"unitdp": "4"})
    assert exact["CreditNotes"][0]["LineItems"][0]["UnitAmount"] == 0.125


def test_without_precise_items_every_seeded_receivable_keeps_two_decimals(clock):
    from xero_emulator import EMULATOR, create_app

    emulator = create_app(EmulatorConfig(), clock=clock)[EMULATOR]
    tenant = emulator.tenants[0].tenant_id
    for name in ("Invoices", "CreditNotes", "Prepayments"):
        assert not any(precise(x["UnitAmount"]) for r in emulator.records(tenant, name) for x in r["LineItems"])
    assert not any(precise(i["SalesDetails"]["UnitPrice"]) for i in emulator.records(tenant, "Items"))

"""Seeded bank transactions (spend and receive money), bank transfers and manual journals."""

from __future__ import annotations

from .dates import DAY_MS, date_string, day_start, ms_date
from .seed_contacts import contact_ref
from .seed_lines import lines, pick_status, totals, tracking
from .seedutil import OrgContext, money

BANK_TRANSACTION_STATUSES = (("AUTHORISED", 0.9), ("DELETED", 0.07), ("VOIDED", 0.03))
TRANSFER_STATUSES = (("AUTHORISED", 0.85), ("DELETED", 0.15))
MANUAL_JOURNAL_STATUSES = (("POSTED", 0.7), ("DRAFT", 0.12), ("VOIDED", 0.1), ("DELETED", 0.05), ("ARCHIVED", 0.03))
PRECISE_SHARE = 0.3  # of bank transaction lines without an item: unit amounts with 4 decimals


def statuses(ctx: OrgContext, what: str, count: int, options: tuple[tuple[str, float], ...]) -> list[str]:
    return [pick_status(ctx.rng(f"{what}:status", i), options) for i in range(count)]


def _bank(ctx: OrgContext, choice: int) -> dict:
    account_id, code, name = ctx.refs["banks"][choice % len(ctx.refs["banks"])]
    return {"AccountID": account_id, "Code": code, "Name": name}


def bank_transaction(ctx: OrgContext, index: int, record_id: str, stamp: int, status: str) -> dict:
    """Spend money (mostly) or receive money, with a contact, from the org's bank accounts."""
    rng = ctx.rng("bank-transaction", index)
    receive = rng.random() < 0.4
    contact_ids = ctx.refs["contact_ids"]
    contact = rng.below(max(1, len(contact_ids)))
    items = lines(ctx, rng, receive, rng.between(1, 4), PRECISE_SHARE)
    date_ms = day_start(stamp) - rng.between(0, 10) * DAY_MS
    return {
        "BankTransactionID": record_id, "Type": "RECEIVE" if receive else "SPEND",
        "Contact": contact_ref(contact_ids[contact], contact) if contact_ids else {},
        "BankAccount": _bank(ctx, 0 if rng.random() < 0.8 else 1), "IsReconciled": rng.random() < 0.6,
        "DateString": date_string(date_ms), "Date": ms_date(date_ms), "Reference": f"BT-{rng.between(1000, 99999)}",
        "CurrencyCode": ctx.country.currency, "CurrencyRate": 1.0, "Status": status, "LineAmountTypes": "Exclusive",
        "LineItems": items, **totals(items), "UpdatedDateUTC": ms_date(stamp), "HasAttachments": False,
    }


def bank_transfer(ctx: OrgContext, index: int, record_id: str, stamp: int, status: str) -> dict:
    """Money moved between the two bank accounts; CreatedDateUTC is when it was entered."""
    rng = ctx.rng("bank-transfer", index)
    date_ms = day_start(stamp) - rng.between(0, 5) * DAY_MS
    outward = index % 2 == 0
    return {
        "BankTransferID": record_id, "CreatedDateUTC": ms_date(stamp), "DateString": date_string(date_ms),
        "Date": ms_date(date_ms), "Status": status, "FromBankAccount": _bank(ctx, 0 if outward else 1),
        "ToBankAccount": _bank(ctx, 1 if outward else 0), "Amount": money(rng.between(10_000, 500_000) / 100),
        "CurrencyRate": 1.0, "FromBankTransactionID": rng.uuid(), "ToBankTransactionID": rng.uuid(),
        "FromIsReconciled": rng.random() < 0.5, "ToIsReconciled": rng.random() < 0.5,
        "Reference": f"Transfer {index + 1}", "HasAttachments": False, "FromTracking": [], "ToTracking": [],
    }


def manual_journal(ctx: OrgContext, index: int, record_id: str, stamp: int, status: str) -> dict:
    """Balanced lines (debits positive): expenses accrued against accounts payable, no tax."""
    rng = ctx.rng("manual-journal", index)
    debits = [money(rng.between(1_000, 200_000) / 100) for _ in range(rng.between(1, 4))]
    journal_lines = [
        {"LineAmount": amount, "AccountCode": rng.pick(ctx.refs["expense_codes"]),
         "Description": f"Accrual {n + 1}", "TaxType": "NONE", "TaxAmount": 0.0, "IsBlank": False,
         "Tracking": tracking(ctx, rng)}
        for n, amount in enumerate(debits)]
    journal_lines.append({"LineAmount": -money(sum(debits)), "AccountCode": "800", "Description": "Accrued",
                          "TaxType": "NONE", "TaxAmount": 0.0, "IsBlank": False, "Tracking": []})
    date_ms = day_start(stamp) - rng.between(0, 5) * DAY_MS
    return {
        "ManualJournalID": record_id, "Date": ms_date(date_ms), "Status": status, "LineAmountTypes": "NoTax",
        "Narration": f"Month-end accruals #{index + 1}", "JournalLines": journal_lines,
        "ShowOnCashBasisReports": True, "HasAttachments": False, "UpdatedDateUTC": ms_date(stamp),
    }

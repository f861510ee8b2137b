"""Seeded purchase orders, quotes and repeating invoices (documents that do not post to the ledger)."""

from __future__ import annotations

from .dates import DAY_MS, date_string, day_start, ms_date
from .seed_contacts import contact_ref
from .seed_lines import lines, totals
from .seedutil import Dice, OrgContext

PURCHASE_ORDER_STATUSES = (("AUTHORISED", 0.45), ("DRAFT", 0.15), ("SUBMITTED", 0.1), ("BILLED", 0.24),
                           ("DELETED", 0.06))
QUOTE_STATUSES = (("SENT", 0.35), ("DRAFT", 0.15), ("ACCEPTED", 0.2), ("DECLINED", 0.1), ("INVOICED", 0.14),
                  ("DELETED", 0.06))
REPEATING_STATUSES = (("AUTHORISED", 0.7), ("DRAFT", 0.2), ("DELETED", 0.1))


def _contact(ctx: OrgContext, rng: Dice) -> dict:
    contact_ids = ctx.refs["contact_ids"]
    index = rng.below(max(1, len(contact_ids)))
    return contact_ref(contact_ids[index], index) if contact_ids else {}


def purchase_order(ctx: OrgContext, index: int, record_id: str, stamp: int, status: str) -> dict:
    rng = ctx.rng("purchase-order", index)
    items = lines(ctx, rng, False, rng.between(1, 4))
    date_ms = day_start(stamp) - rng.between(0, 14) * DAY_MS
    delivery = date_ms + rng.between(3, 30) * DAY_MS
    return {
        "PurchaseOrderID": record_id, "PurchaseOrderNumber": f"PO-{index + 1:04d}", "Type": "PURCHASEORDER",
        "Reference": f"REQ-{rng.between(100, 9999)}", "Contact": _contact(ctx, rng),
        "DateString": date_string(date_ms), "Date": ms_date(date_ms), "DeliveryDateString": date_string(delivery),
        "DeliveryDate": ms_date(delivery), "ExpectedArrivalDate": ms_date(delivery), "Status": status,
        "LineAmountTypes": "Exclusive", "LineItems": items, **totals(items), "TotalDiscount": 0.0,
        "CurrencyCode": ctx.country.currency, "CurrencyRate": 1.0, "SentToContact": status != "DRAFT",
        "DeliveryAddress": f"{rng.between(1, 400)} Main Road, {ctx.country.city}", "AttentionTo": "Receiving",
        "Telephone": f"{rng.between(100, 999)}-{rng.between(1000, 9999)}", "DeliveryInstructions": "Dock 2",
        "HasAttachments": False, "IsDiscounted": False, "HasErrors": False, "UpdatedDateUTC": ms_date(stamp),
    }


def quote(ctx: OrgContext, index: int, record_id: str, stamp: int, status: str) -> dict:
    rng = ctx.rng("quote", index)
    items = lines(ctx, rng, True, rng.between(1, 4))
    date_ms = day_start(stamp) - rng.between(0, 7) * DAY_MS
    expiry = date_ms + rng.pick((14, 30, 60)) * DAY_MS
    return {
        "QuoteID": record_id, "QuoteNumber": f"QU-{index + 1:04d}", "Reference": f"RFQ-{rng.between(100, 9999)}",
        "Terms": "Valid until the expiry date", "Contact": _contact(ctx, rng), "LineItems": items,
        "Date": ms_date(date_ms), "DateString": date_string(date_ms), "ExpiryDate": ms_date(expiry),
        "ExpiryDateString": date_string(expiry), "Status": status, "CurrencyCode": ctx.country.currency,
        "CurrencyRate": 1.0, **totals(items), "TotalDiscount": 0.0, "Title": "Quote",
        "Summary": f"Proposal {index + 1}", "UpdatedDateUTC": ms_date(stamp), "LineAmountTypes": "EXCLUSIVE",
    }


def repeating_invoice(ctx: OrgContext, index: int, record_id: str, stamp: int, status: str) -> dict:
    """A monthly template (sales mostly); it has no UpdatedDateUTC, as in Xero."""
    rng = ctx.rng("repeating-invoice", index)
    sales = rng.random() < 0.75
    items = lines(ctx, rng, sales, rng.between(1, 3))
    start = day_start(stamp)
    return {
        "RepeatingInvoiceID": record_id, "ID": record_id, "Type": "ACCREC" if sales else "ACCPAY",
        "Contact": _contact(ctx, rng), "Reference": "[Month] subscription" if sales else "Monthly supply",
        "Schedule": {"Period": 1, "Unit": "MONTHLY", "DueDate": 20, "DueDateType": "OFFOLLOWINGMONTH",
                     "StartDate": ms_date(start), "NextScheduledDate": ms_date(start + 30 * DAY_MS)},
        "Status": status, "LineAmountTypes": "Exclusive", "LineItems": items, **totals(items),
        "CurrencyCode": ctx.country.currency, "HasAttachments": False, "ApprovedForSending": False,
        "SendCopy": False, "MarkAsSent": False, "IncludePDF": False,
    }

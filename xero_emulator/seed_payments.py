"""Seeded payments, credit notes, overpayments and prepayments."""

from __future__ import annotations

from .dates import date_string, day_start, ms_date
from .seed_contacts import contact_ref
from .seed_invoices import Ledger, basics, invoice_number, line_items, payment_amounts
from .seedutil import OrgContext, money


def _invoice_summary(ctx: OrgContext, invoice: int) -> tuple[dict, float]:
    """The invoice as a payment embeds it, and the invoice's total."""
    b = basics(ctx, invoice, ctx.refs["invoice_stamps"][invoice])
    contact_ids = ctx.refs["contact_ids"]
    summary = {
        "Type": b.kind, "InvoiceID": ctx.refs["invoice_ids"][invoice],
        "InvoiceNumber": invoice_number(b.kind, invoice), "Payments": [], "CreditNotes": [], "Prepayments": [],
        "Overpayments": [], "HasErrors": False, "IsDiscounted": False,
        "Contact": contact_ref(contact_ids[b.contact], b.contact), "LineItems": [],
        "CurrencyCode": ctx.country.currency,
    }
    return summary, b.total


def payment(ctx: OrgContext, ledger: Ledger, index: int, payment_id: str, stamp: int) -> dict:
    if index < len(ledger.pay_invoice):
        invoice = ledger.pay_invoice[index]
        position = ledger.inv_payments[invoice].index(index)
        summary, total = _invoice_summary(ctx, invoice)
        amount = payment_amounts(ctx, ledger, invoice, total)[position]
    else:  # a payment added later: half of some invoice
        choices = [i for i, s in enumerate(ledger.statuses) if s in ("AUTHORISED", "PAID")] or [0]
        invoice = ctx.rng("new-payment", index).pick(choices)
        summary, total = _invoice_summary(ctx, invoice)
        amount = money(total / 2)
    bank_id, bank_code = ctx.refs["bank"]
    kind = "ACCRECPAYMENT" if summary["Type"] == "ACCREC" else "ACCPAYPAYMENT"
    return {
        "PaymentID": payment_id, "Date": ms_date(day_start(stamp)), "BankAmount": amount, "Amount": amount,
        "Reference": f"Payment {index + 1}", "CurrencyRate": 1.0, "PaymentType": kind, "Status": "AUTHORISED",
        "UpdatedDateUTC": ms_date(stamp), "HasAccount": True, "IsReconciled": index % 3 == 0,
        "Account": {"AccountID": bank_id, "Code": bank_code}, "Invoice": summary, "HasValidationErrors": False,
    }


def _status(ctx: OrgContext, what: str, index: int, options: tuple[tuple[str, float], ...]) -> str:
    value, acc = ctx.rng(f"{what}:status", index).random(), 0.0
    for status, share in options:
        acc += share
        if value < acc:
            return status
    return options[0][0]


CREDIT_NOTE_STATUSES = (("AUTHORISED", 0.7), ("DRAFT", 0.2), ("VOIDED", 0.1))


def credit_note(ctx: OrgContext, index: int, note_id: str, stamp: int, status: str) -> dict:
    b = basics(ctx, index, stamp, "credit-note")
    contact_ids = ctx.refs["contact_ids"]
    return {
        "Type": "ACCRECCREDIT", "CreditNoteID": note_id, "CreditNoteNumber": f"CN-{index + 1:05d}",
        "Reference": b.reference, "Contact": contact_ref(contact_ids[b.contact], b.contact),
        "DateString": date_string(b.date_ms), "Date": ms_date(b.date_ms), "DueDateString": date_string(b.due_ms),
        "DueDate": ms_date(b.due_ms), "Status": status, "LineAmountTypes": "Exclusive", "LineItems": b.lines,
        "SubTotal": b.subtotal, "TotalTax": b.tax, "Total": b.total, "UpdatedDateUTC": ms_date(stamp),
        "CurrencyCode": ctx.country.currency, "CurrencyRate": 1.0,
        "RemainingCredit": b.total if status == "AUTHORISED" else 0.0, "Allocations": [], "Payments": [],
        "AppliedAmount": 0.0, "SentToContact": False, "HasAttachments": False, "HasErrors": False,
    }


def prepaid(ctx: OrgContext, what: str, index: int, record_id: str, stamp: int, status: str) -> dict:
    """An overpayment (`what="overpayment"`) or a prepayment (`what="prepayment"`)."""
    rng = ctx.rng(what, index)
    contact_ids = ctx.refs["contact_ids"]
    contact = rng.below(max(1, len(contact_ids)))
    date_ms = day_start(stamp)
    if what == "overpayment":
        amount = money(rng.between(1000, 50_000) / 100)
        lines, subtotal, tax, key = [], amount, 0.0, "OverpaymentID"
        extra = {"Type": "RECEIVE-OVERPAYMENT", "LineAmountTypes": "NoTax"}
    else:
        lines = line_items(ctx, rng, "ACCREC", 1)
        subtotal, tax, key = lines[0]["LineAmount"], lines[0]["TaxAmount"], "PrepaymentID"
        extra = {"Type": "RECEIVE-PREPAYMENT", "LineAmountTypes": "Exclusive"}
    total = money(subtotal + tax)
    return {
        key: record_id, "ID": record_id, **extra, "Reference": f"{what.title()} {index + 1}",
        "RemainingCredit": total if status == "AUTHORISED" else 0.0, "Allocations": [], "Payments": [],
        "HasAttachments": False, "Contact": contact_ref(contact_ids[contact], contact),
        "DateString": date_string(date_ms), "Date": ms_date(date_ms), "Status": status, "LineItems": lines,
        "SubTotal": subtotal, "TotalTax": tax, "Total": total, "UpdatedDateUTC": ms_date(stamp),
        "CurrencyCode": ctx.country.currency, "CurrencyRate": 1.0,
    }


PREPAID_STATUSES = (("AUTHORISED", 0.8), ("PAID", 0.15), ("VOIDED", 0.05))


def seeded_status(ctx: OrgContext, what: str, index: int) -> str:
    options = CREDIT_NOTE_STATUSES if what == "credit-note" else PREPAID_STATUSES
    return _status(ctx, what, index, options)

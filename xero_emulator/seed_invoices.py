"""Seeded invoices and the ledger that ties payments to them (statuses, who paid what)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from .dates import DAY_MS, date_string, day_start, ms_date
from .seed_contacts import contact_ref
from .seed_reference import item_code
from .seedutil import OrgContext, money

_BASE_STATUSES = (("AUTHORISED", 0.80), ("DRAFT", 0.08), ("SUBMITTED", 0.04), ("VOIDED", 0.05), ("DELETED", 0.03))
PARTIAL_SHARE = 0.2


@dataclass
class Ledger:
    """Which payments pay which invoices, and the invoice statuses that follow from it."""

    statuses: list[str] = field(default_factory=list)
    pay_invoice: list[int] = field(default_factory=list)
    inv_payments: dict[int, list[int]] = field(default_factory=dict)
    partial: set[int] = field(default_factory=set)

    def status(self, index: int) -> str:
        return self.statuses[index] if index < len(self.statuses) else "AUTHORISED"


def _pick(rng_value: float) -> str:
    acc = 0.0
    for status, share in _BASE_STATUSES:
        acc += share
        if rng_value < acc:
            return status
    return "AUTHORISED"


def build_ledger(ctx: OrgContext, invoices: int, payments: int) -> Ledger:
    """Decide invoice statuses and aim each payment at an authorised invoice created before it."""
    rng = ctx.rng("invoice-status")
    ledger = Ledger(statuses=[_pick(rng.random()) for _ in range(invoices)])
    payable = [i for i, s in enumerate(ledger.statuses) if s == "AUTHORISED"]
    if not payable:
        return ledger
    target = ctx.rng("payment-targets")
    for j in range(payments):
        limit = bisect_right(payable, (j + 1) * invoices // payments) or len(payable)
        invoice = payable[target.below(limit)]
        ledger.pay_invoice.append(invoice)
        ledger.inv_payments.setdefault(invoice, []).append(j)
    partial = ctx.rng("partial")
    for invoice in sorted(ledger.inv_payments):
        if partial.random() < PARTIAL_SHARE:
            ledger.partial.add(invoice)
        else:
            ledger.statuses[invoice] = "PAID"
    return ledger


@dataclass
class Basics:
    kind: str
    contact: int
    lines: list[dict]
    subtotal: float
    tax: float
    date_ms: int
    due_ms: int
    reference: str

    @property
    def total(self) -> float:
        return money(self.subtotal + self.tax)


def line_items(ctx: OrgContext, rng, kind: str, count: int) -> list[dict]:
    """1-4 line items using the org's item codes, account codes and tax rate."""
    prices = ctx.refs["item_prices"]
    items = len(prices)
    codes = ctx.refs["sales_codes"] if kind in ("ACCREC", "ACCRECCREDIT") else ctx.refs["expense_codes"]
    tax_type = ctx.country.output_type if kind.startswith("ACCREC") else ctx.country.input_type
    lines = []
    for _ in range(count):
        quantity = float(rng.between(1, 11))
        line = {"LineItemID": rng.uuid(), "Quantity": quantity,
                "AccountCode": rng.pick(codes), "TaxType": tax_type, "Tracking": []}
        if items:
            index = rng.below(items)
            code = item_code(index)
            line.update(ItemCode=code, Description=f"Item {code}", UnitAmount=prices[index])
        else:
            line.update(Description="Services", UnitAmount=money(rng.between(1000, 90_000) / 100))
        line["LineAmount"] = money(quantity * line["UnitAmount"])
        line["TaxAmount"] = money(line["LineAmount"] * ctx.country.rate / 100)
        lines.append(line)
    return lines


def basics(ctx: OrgContext, index: int, stamp: int, what: str = "invoice") -> Basics:
    rng = ctx.rng(what, index)
    kind = "ACCREC" if rng.random() < 0.85 else "ACCPAY"
    if what == "credit-note":
        kind = "ACCRECCREDIT"
    contact = rng.below(max(1, len(ctx.refs["contact_ids"])))
    lines = line_items(ctx, rng, kind, rng.between(1, 5))
    date_ms = day_start(stamp) - rng.between(0, 21) * DAY_MS
    return Basics(kind, contact, lines, money(sum(x["LineAmount"] for x in lines)),
                  money(sum(x["TaxAmount"] for x in lines)), date_ms,
                  date_ms + rng.pick((7, 14, 20, 30)) * DAY_MS, f"PO-{rng.between(1000, 99999)}")


def payment_amounts(ctx: OrgContext, ledger: Ledger, invoice: int, total: float | None = None) -> list[float]:
    """What each payment of a seeded invoice paid (the last one settles it unless it is part-paid)."""
    payments = ledger.inv_payments.get(invoice, [])
    if not payments:
        return []
    if total is None:
        total = basics(ctx, invoice, ctx.refs["invoice_stamps"][invoice]).total
    parts = len(payments) + (1 if invoice in ledger.partial else 0)
    amounts = [money(total / parts)] * len(payments)
    if invoice not in ledger.partial:
        amounts[-1] = money(total - sum(amounts[:-1]))
    return amounts


def invoice_number(kind: str, index: int) -> str:
    return f"{'INV' if kind == 'ACCREC' else 'BILL'}-{index + 1:06d}"


def invoice(ctx: OrgContext, ledger: Ledger, index: int, invoice_id: str, stamp: int) -> dict:
    b = basics(ctx, index, stamp)
    status = ledger.status(index)
    contact_ids = ctx.refs["contact_ids"]
    payments = _payment_refs(ctx, ledger, index, b.total)
    paid = money(sum(p["Amount"] for p in payments))
    due = 0.0 if status in ("VOIDED", "DELETED") else money(b.total - paid)
    record = {
        "Type": b.kind, "InvoiceID": invoice_id, "InvoiceNumber": invoice_number(b.kind, index),
        "Reference": b.reference, "Payments": payments, "CreditNotes": [], "Prepayments": [], "Overpayments": [],
        "AmountDue": due, "AmountPaid": paid, "AmountCredited": 0.0, "SentToContact": status != "DRAFT",
        "CurrencyRate": 1.0, "IsDiscounted": False, "HasAttachments": False, "HasErrors": False,
        "Contact": contact_ref(contact_ids[b.contact], b.contact) if contact_ids else {},
        "DateString": date_string(b.date_ms), "Date": ms_date(b.date_ms),
        "DueDateString": date_string(b.due_ms), "DueDate": ms_date(b.due_ms), "Status": status,
        "LineAmountTypes": "Exclusive", "LineItems": b.lines, "SubTotal": b.subtotal, "TotalTax": b.tax,
        "Total": b.total, "UpdatedDateUTC": ms_date(stamp), "CurrencyCode": ctx.country.currency,
    }
    if status == "PAID" and payments:
        record["FullyPaidOnDate"] = payments[-1]["Date"]
    return record


def _payment_refs(ctx: OrgContext, ledger: Ledger, index: int, total: float) -> list[dict]:
    ids, stamps = ctx.refs["payment_ids"], ctx.refs["payment_stamps"]
    return [
        {"PaymentID": ids[j], "Date": ms_date(day_start(stamps[j])), "Amount": amount,
         "Reference": f"Payment {j + 1}", "CurrencyRate": 1.0, "HasAccount": False, "HasValidationErrors": False}
        for j, amount in zip(ledger.inv_payments.get(index, []), payment_amounts(ctx, ledger, index, total))
    ]

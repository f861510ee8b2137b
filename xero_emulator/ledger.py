"""The general ledger behind `Journals`: what each kind of document posts, and the journals a change causes.

A document posts while it has a posted status (an AUTHORISED invoice, a POSTED manual journal, ...). Journals are
immutable: a change to what a document posts appends a journal reversing the old posting, then one with the new;
voiding or deleting a document appends just the reversal. Net amounts are debits positive, credits negative, and
every journal balances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .dates import ms_date
from .seed_reference import tax_rates
from .seedutil import OrgContext, money, org_uuid

POSTED = {"Invoices": ("AUTHORISED", "PAID"), "CreditNotes": ("AUTHORISED", "PAID"), "Payments": ("AUTHORISED",),
          "Overpayments": ("AUTHORISED", "PAID"), "Prepayments": ("AUTHORISED", "PAID"),
          "BankTransactions": ("AUTHORISED",), "BankTransfers": ("AUTHORISED",), "ManualJournals": ("POSTED",)}
RECEIVABLE, PAYABLE, TAX = "610", "800", "820"
_CASH_TYPES = {"RECEIVE": "CASHREC", "SPEND": "CASHPAID", "RECEIVE-OVERPAYMENT": "AROVERPAYMENT",
               "SPEND-OVERPAYMENT": "APOVERPAYMENT", "RECEIVE-PREPAYMENT": "ARPREPAYMENT",
               "SPEND-PREPAYMENT": "APPREPAYMENT", "RECEIVE-TRANSFER": "TRANSFER", "SPEND-TRANSFER": "TRANSFER"}


@dataclass(frozen=True)
class Line:
    code: str
    net: float
    tax: float = 0.0
    tax_type: str = ""
    description: str = ""


@dataclass(frozen=True)
class Posting:
    source_id: str
    source_type: str
    date: str       # the document's Date, as Xero renders it
    reference: str
    lines: tuple[Line, ...]

    def reversed(self) -> Posting:
        return replace(self, lines=tuple(replace(x, net=money(-x.net), tax=money(-x.tax)) for x in self.lines))

    @property
    def effect(self) -> tuple:
        return self.source_type, self.date, self.lines


def _bank_code(ctx: OrgContext, account: dict | None) -> str:
    if account and account.get("Code"):
        return str(account["Code"])
    by_id = {a["AccountID"]: code for code, a in ctx.refs.get("chart", {}).items()}
    return by_id.get((account or {}).get("AccountID"), ctx.refs["bank"][1])


def _itemised(doc: dict, sign: int, control: str) -> tuple[Line, ...]:
    """Lines of an itemised document: each line's account, the tax account, and the control account."""
    inclusive = str(doc.get("LineAmountTypes", "")).lower() == "inclusive"
    lines = []
    for item in doc.get("LineItems") or []:
        tax = float(item.get("TaxAmount") or 0.0)
        net = float(item.get("LineAmount") or 0.0) - (tax if inclusive else 0.0)
        lines.append(Line(str(item.get("AccountCode") or "429"), money(sign * net), money(sign * tax),
                          str(item.get("TaxType") or "NONE"), str(item.get("Description") or "")))
    tax_total = money(sum(x.tax for x in lines))
    if tax_total:
        lines.append(Line(TAX, tax_total))
    lines.append(Line(control, money(-sum(x.net for x in lines))))
    return tuple(lines)


def _lines(ctx: OrgContext, name: str, doc: dict) -> tuple[str, tuple[Line, ...]]:
    """(SourceType, lines) of what `doc` posts."""
    kind = str(doc.get("Type", ""))
    if name in ("Invoices", "CreditNotes"):
        sales = kind.startswith("ACCREC")
        sign = (-1 if sales else 1) * (-1 if name == "CreditNotes" else 1)
        return kind, _itemised(doc, sign, RECEIVABLE if sales else PAYABLE)
    if name in ("BankTransactions", "Prepayments", "Overpayments"):
        bank = _bank_code(ctx, doc.get("BankAccount"))
        sign = -1 if kind.startswith("RECEIVE") else 1
        if name == "Overpayments" or not doc.get("LineItems"):
            control = RECEIVABLE if sign < 0 else PAYABLE
            total = money(float(doc.get("Total") or 0.0))
            return _CASH_TYPES.get(kind, "CASHREC"), (Line(bank, money(-sign * total)), Line(control, sign * total))
        return _CASH_TYPES.get(kind, "CASHREC"), _itemised(doc, sign, bank)
    if name == "Payments":
        amount, kind = float(doc.get("Amount") or 0.0), str(doc.get("PaymentType") or "ACCRECPAYMENT")
        sign = 1 if kind.startswith(("ACCREC", "AR")) else -1
        bank = _bank_code(ctx, doc.get("Account"))
        return kind, (Line(bank, money(sign * amount)), Line(RECEIVABLE if sign > 0 else PAYABLE,
                                                             money(-sign * amount)))
    if name == "BankTransfers":
        amount = money(float(doc.get("Amount") or 0.0))
        return "TRANSFER", (Line(_bank_code(ctx, doc.get("ToBankAccount")), amount),
                            Line(_bank_code(ctx, doc.get("FromBankAccount")), -amount))
    lines = tuple(Line(str(x.get("AccountCode") or "429"), money(float(x.get("LineAmount") or 0.0)),
                       money(float(x.get("TaxAmount") or 0.0)), str(x.get("TaxType") or "NONE"),
                       str(x.get("Description") or "")) for x in doc.get("JournalLines") or [])
    return "MANJOURNAL", lines


def posting(ctx: OrgContext, name: str, doc: dict | None) -> Posting | None:
    """What `doc` (a record of entity `name`) posts now; None when it posts nothing."""
    if doc is None or name not in POSTED or doc.get("Status") not in POSTED[name]:
        return None
    source_type, lines = _lines(ctx, name, doc)
    id_key = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "Payments": "PaymentID",
              "Overpayments": "OverpaymentID", "Prepayments": "PrepaymentID", "BankTransactions": "BankTransactionID",
              "BankTransfers": "BankTransferID", "ManualJournals": "ManualJournalID"}[name]
    reference = doc.get("Reference") or doc.get("Narration") or doc.get("InvoiceNumber") or ""
    return Posting(str(doc[id_key]), source_type, str(doc.get("Date", "")), str(reference), lines)


def changes(ctx: OrgContext, name: str, before: dict | None, after: dict) -> list[Posting]:
    """The postings a change from `before` to `after` appends: the old one reversed, then the new one."""
    old, new = posting(ctx, name, before), posting(ctx, name, after)
    if old is not None and new is not None and old.effect == new.effect:
        return []
    return [p for p in (old.reversed() if old else None, new) if p is not None]


def _account(ctx: OrgContext, code: str) -> tuple[str, str, str]:
    account = ctx.refs.get("chart", {}).get(code)
    if account is None:
        return org_uuid(ctx.seed, ctx.index, "account", code), "CURRENT", f"Account {code}"
    return account["AccountID"], account["Type"], account["Name"]


def _tax_name(ctx: OrgContext, tax_type: str) -> str:
    names = ctx.refs.get("tax_names")
    if names is None:
        names = ctx.refs["tax_names"] = {r["TaxType"]: r["Name"] for r in tax_rates(ctx)}
    return names.get(tax_type, tax_type)


def journal(ctx: OrgContext, number: int, journal_id: str, posting_: Posting, stamp: int) -> dict:
    """Journal `number` recording `posting_`, created at `stamp`."""
    rng = ctx.rng("journal-lines", number)
    lines = []
    for line in posting_.lines:
        account_id, account_type, account_name = _account(ctx, line.code)
        row = {"JournalLineID": rng.uuid(), "AccountID": account_id, "AccountCode": line.code,
               "AccountType": account_type, "AccountName": account_name, "Description": line.description,
               "NetAmount": line.net, "GrossAmount": money(line.net + line.tax), "TaxAmount": line.tax,
               "TrackingCategories": []}
        if line.tax_type:
            row.update(TaxType=line.tax_type, TaxName=_tax_name(ctx, line.tax_type))
        lines.append(row)
    return {"JournalID": journal_id, "JournalDate": posting_.date, "JournalNumber": number,
            "CreatedDateUTC": ms_date(stamp), "Reference": posting_.reference, "SourceID": posting_.source_id,
            "SourceType": posting_.source_type, "JournalLines": lines}

"""One organisation (tenant): its seeded tables and how to generate a record added later."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import org_more, seed_contacts, seed_invoices, seed_payments, seed_reference
from .config import EmulatorConfig
from .entities import entity
from .seedtables import lazy, small
from .seedutil import COUNTRIES, OrgContext, org_uuid
from .table import Table

Generator = Callable[[int, str, int], dict]  # (index, id, stamp ms) -> record


@dataclass
class Org:
    tenant_id: str
    name: str
    index: int
    ctx: OrgContext
    tables: dict[str, Table] = field(default_factory=dict)
    generators: dict[str, Generator] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)  # records added per entity (for new indexes)

    def table(self, name: str) -> Table:
        return self.tables[entity(name).name]

    def generate(self, name: str, stamp: int) -> dict:
        """A new, valid record of entity `name` (not yet stored)."""
        spec = entity(name)
        index = self.tables[spec.name].seeded_count + self.added.get(spec.name, 0)
        self.added[spec.name] = self.added.get(spec.name, 0) + 1
        return self.generators[spec.name](index, self.ctx.new_id(spec.name, index), stamp)


def build_org(config: EmulatorConfig, index: int, name: str, anchor_ms: int) -> Org:
    tenant_id = org_uuid(config.seed, "tenant", index)
    ctx = OrgContext(config.seed, index, tenant_id, name, anchor_ms, COUNTRIES[index % len(COUNTRIES)])
    org = Org(tenant_id, name, index, ctx)
    _reference(org, config)
    _contacts(org, max(config.contacts, 1 if _needs_contacts(config) else 0))
    _invoices(org, config.invoices, config.payments if config.invoices else 0)
    _documents(org, config)
    org_more.build(org, config)
    return org


def _needs_contacts(config: EmulatorConfig) -> bool:
    return any((config.invoices, config.credit_notes, config.overpayments, config.prepayments,
                config.bank_transactions, config.purchase_orders, config.quotes, config.repeating_invoices))


def _reference(org: Org, config: EmulatorConfig) -> None:
    ctx = org.ctx
    short = "!" + org.tenant_id.replace("-", "")[:5]
    small(org, "Organisation", [seed_reference.organisation(ctx, short)])
    small(org, "Currencies", seed_reference.currencies(ctx))
    small(org, "TaxRates", seed_reference.tax_rates(ctx))
    ids, stamps = ctx.ids("accounts", config.accounts), ctx.stamps("accounts", config.accounts)
    accounts = seed_reference.accounts(ctx, config.accounts, ids, stamps)
    if config.bank_transfers:  # a transfer needs a second bank account
        saving, saving_stamp = seed_reference.savings_account(ctx)
        accounts, stamps = [*accounts, saving], [*stamps, saving_stamp]
    small(org, "Accounts", accounts, stamps)
    ctx.refs["chart"] = {a["Code"]: a for a in accounts}
    banks = [a for a in accounts if a["Type"] == "BANK"]
    bank = banks[0] if banks else None
    ctx.refs["bank"] = (bank["AccountID"], bank["Code"]) if bank else (org_uuid(ctx.seed, "bank", org.index), "090")
    ctx.refs["banks"] = [(a["AccountID"], a["Code"], a["Name"]) for a in banks] or [(*ctx.refs["bank"], "Bank")]
    sales = [a["Code"] for a in accounts if a["Type"] == "REVENUE"]
    expense = [a["Code"] for a in accounts if a["Type"] in ("OVERHEADS", "DIRECTCOSTS", "EXPENSE")]
    ctx.refs["sales_codes"], ctx.refs["expense_codes"] = sales or ["200"], expense or ["429"]
    precise = range(config.items - config.precise_items, config.items)
    ctx.refs["item_prices"] = [seed_reference.item_price(ctx, i, i in precise) for i in range(config.items)]
    ids, stamps = ctx.ids("items", config.items), ctx.stamps("items", config.items)
    small(org, "Items", [seed_reference.item(ctx, i, ids[i], stamps[i], i in precise)
                         for i in range(config.items)], stamps)
    org.generators["Organisation"] = lambda i, rid, s: seed_reference.organisation(ctx, short)
    org.generators["Accounts"] = lambda i, rid, s: {
        **seed_reference.accounts(ctx, i + 1, [rid] * (i + 1), [s] * (i + 1))[i], "Code": f"{700 + i}"}
    org.generators["Items"] = lambda i, rid, s: seed_reference.item(ctx, i, rid, s)


def _contacts(org: Org, count: int) -> None:
    ctx = org.ctx
    lazy(org, "Contacts", "contact", count, lambda i, rid, s, st: seed_contacts.contact(ctx, i, rid, s, st),
          seed_contacts.statuses(ctx, count))


def _invoices(org: Org, invoices: int, payments: int) -> None:
    ctx = org.ctx
    ledger = seed_invoices.build_ledger(ctx, invoices, payments)
    lazy(org, "Invoices", "invoice", invoices,
          lambda i, rid, s, st: seed_invoices.invoice(ctx, ledger, i, rid, s), ledger.statuses)
    paid = len(ledger.pay_invoice)
    lazy(org, "Payments", "payment", paid,
          lambda i, rid, s, st: seed_payments.payment(ctx, ledger, i, rid, s), ["AUTHORISED"] * paid)


def _documents(org: Org, config: EmulatorConfig) -> None:
    ctx = org.ctx
    for name, what, count in (("CreditNotes", "credit-note", config.credit_notes),
                              ("Overpayments", "overpayment", config.overpayments),
                              ("Prepayments", "prepayment", config.prepayments)):
        statuses = [seed_payments.seeded_status(ctx, what, i) for i in range(count)]
        if what == "credit-note":
            render = (lambda i, rid, s, st: seed_payments.credit_note(ctx, i, rid, s, st))
        else:
            render = (lambda i, rid, s, st, w=what: seed_payments.prepaid(ctx, w, i, rid, s, st))
        lazy(org, name, what, count, render, statuses)

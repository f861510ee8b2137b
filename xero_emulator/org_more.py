"""The tables beyond receivables: tracking categories, contact groups, users, banking, orders, manual journals and
the general ledger's Journals. Sizes come from `EmulatorConfig`; none of them grows with the number of invoices
except the journals, which are capped (`journals`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ledger, seed_banking, seed_orders, seed_settings
from .config import EmulatorConfig
from .seedtables import lazy, small
from .table import Table

if TYPE_CHECKING:
    from .org import Org


def build(org: Org, config: EmulatorConfig) -> None:
    _settings(org, config)
    ctx = org.ctx
    for name, what, count, render, options in (
            ("BankTransactions", "bank-transaction", config.bank_transactions, seed_banking.bank_transaction,
             seed_banking.BANK_TRANSACTION_STATUSES),
            ("BankTransfers", "bank-transfer", config.bank_transfers, seed_banking.bank_transfer,
             seed_banking.TRANSFER_STATUSES),
            ("ManualJournals", "manual-journal", config.manual_journals, seed_banking.manual_journal,
             seed_banking.MANUAL_JOURNAL_STATUSES),
            ("PurchaseOrders", "purchase-order", config.purchase_orders, seed_orders.purchase_order,
             seed_orders.PURCHASE_ORDER_STATUSES),
            ("Quotes", "quote", config.quotes, seed_orders.quote, seed_orders.QUOTE_STATUSES),
            ("RepeatingInvoices", "repeating-invoice", config.repeating_invoices, seed_orders.repeating_invoice,
             seed_orders.REPEATING_STATUSES)):
        statuses = seed_banking.statuses(ctx, what, count, options)
        lazy(org, name, what, count, lambda i, rid, s, st, r=render: r(ctx, i, rid, s, st), statuses)
    _journals(org, config.journals)


def _settings(org: Org, config: EmulatorConfig) -> None:
    ctx = org.ctx
    categories = seed_settings.tracking_categories(ctx, config.tracking_categories)
    small(org, "TrackingCategories", categories, ctx.stamps("tracking-category", len(categories)))
    org.generators["TrackingCategories"] = lambda i, rid, s: seed_settings.tracking_category(ctx, i, rid)
    lazy(org, "ContactGroups", "contact-group", config.contact_groups,
         lambda i, rid, s, st: seed_settings.contact_group(ctx, i, rid, st),
         seed_settings.contact_group_statuses(config.contact_groups))
    lazy(org, "Users", "user", config.users, lambda i, rid, s, st: seed_settings.user(ctx, i, rid, s, st),
         seed_settings.user_roles(config.users))
    org.generators["Users"] = lambda i, rid, s: seed_settings.user(ctx, i, rid, s, "STANDARD")


def _journals(org: Org, ceiling: int) -> None:
    """One journal per posted seeded document, in the order they were posted; an even sample beyond `ceiling`."""
    ctx = org.ctx
    candidates = sorted(
        (table.seeded_stamp(i), name, i)
        for name in ledger.POSTED
        for table in (org.tables[name],)
        for i, record_id in enumerate(table.seeded_ids())
        if table.status(record_id) in ledger.POSTED[name])
    if len(candidates) > ceiling:
        candidates = [candidates[k * len(candidates) // ceiling] for k in range(ceiling)]
    stamps: list[int] = []
    for stamp, _name, _index in candidates:  # strictly increasing: JournalNumber follows CreatedDateUTC
        stamps.append(max(stamp, stamps[-1] + 1) if stamps else stamp)
    ids = ctx.ids("journal", len(candidates))

    def render(i: int, stamp: int) -> dict:
        _, name, index = candidates[i]
        posting = ledger.posting(ctx, name, org.tables[name].seeded(index))
        assert posting is not None, f"seeded {name} {index} posts nothing"
        return ledger.journal(ctx, i + 1, ids[i], posting, stamp)

    org.tables["Journals"] = Table("JournalID", None, ids, stamps, render)
    org.generators["Journals"] = lambda i, rid, s: {"JournalID": rid, "JournalNumber": i + 1}

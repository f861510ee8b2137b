"""The typed views (docs/DATA.md) after a first sync through the emulator, read around the daemon as a BI tool or a
script would, on both backends: totals equal the emulator's own, exactly; every view answers; dates in both of
Xero's forms are typed; voided, deleted, archived and vanished records show it."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from daemon.core.entities import ENTITIES
from daemon.xero.dates import json_date_ms as parse_ms_date
from storage.typed import docs
from storage.typed.columns import VIEWS, column_names
from tests.databases import fetch
from tests.support import settings_for

DATA_MD = Path(__file__).parent.parent / "docs" / "DATA.md"
UNITS = 10000  # Xero's amounts have at most 4 decimals: SQLite sums them exactly in 1/10000 units (docs/DATA.md)


def _sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sum(url: str, column: str) -> str:
    """An exact sum, as docs/DATA.md writes it for each backend."""
    return f"SUM({column})" if not _sqlite(url) else f"SUM(CAST(ROUND({column} * {UNITS}) AS INTEGER))"


def _exact(url: str, value) -> Decimal:
    return Decimal(value) if not _sqlite(url) else Decimal(value) / UNITS


def _dec(number) -> Decimal:
    return Decimal(repr(number))  # the decimal Xero sent (the emulator holds it as a float; repr gives it back)


async def _synced(make_daemon, emulator, tmp_path, database_url, **env):
    daemon = await make_daemon(settings_=settings_for(emulator, tmp_path, DATABASE_URL=database_url, **env))
    await daemon.connect(emulator)
    await daemon.advance(0)
    return daemon


async def test_totals_by_status_payments_by_month_and_line_sums_equal_the_emulators(daemon, emulator, database_url):
    await daemon.connect(emulator)
    await daemon.advance(0)
    for tenant in emulator.state.tenants:
        t = tenant.tenant_id
        invoices = emulator.state.records(t, "Invoices")
        by_status: dict[str, Decimal] = defaultdict(Decimal)
        for invoice in invoices:
            by_status[invoice["Status"]] += _dec(invoice["Total"])
        rows = await fetch(database_url, f"SELECT status, {_sum(database_url, 'total')} FROM invoices"
                                         " WHERE tenant_id = ? GROUP BY status", (t,))
        assert {status: _exact(database_url, total) for status, total in rows} == by_status
        assert len(by_status) > 2

        by_month: dict[str, Decimal] = defaultdict(Decimal)
        for payment in emulator.state.records(t, "Payments"):
            month = datetime.fromtimestamp(parse_ms_date(payment["Date"]) / 1000, UTC).strftime("%Y-%m")
            by_month[month] += _dec(payment["Amount"])
        month = "strftime('%Y-%m', date)" if _sqlite(database_url) else "to_char(date, 'YYYY-MM')"
        rows = await fetch(database_url, f"SELECT {month}, {_sum(database_url, 'amount')} FROM payments"
                                         f" WHERE tenant_id = ? GROUP BY {month}", (t,))
        assert {m: _exact(database_url, amount) for m, amount in rows} == by_month
        assert len(by_month) > 1

        lines: dict[str, tuple[int, Decimal, Decimal]] = {}
        for invoice in invoices:
            items = invoice["LineItems"]
            lines[invoice["InvoiceID"]] = (len(items), sum((_dec(i["LineAmount"]) for i in items), Decimal()),
                                           sum((_dec(i["UnitAmount"]) for i in items), Decimal()))
        rows = await fetch(database_url, f"SELECT invoice_id, COUNT(*), {_sum(database_url, 'line_amount')},"
                                         f" {_sum(database_url, 'unit_amount')} FROM invoice_line_items"
                                         " WHERE tenant_id = ? GROUP BY invoice_id", (t,))
        assert {i: (n, _exact(database_url, a), _exact(database_url, u)) for i, n, a, u in rows} == lines

        first = invoices[0]
        [(number, contact_id, contact_name, currency)] = await fetch(
            database_url, "SELECT invoice_number, contact_id, contact_name, currency_code FROM invoices"
                          " WHERE tenant_id = ? AND invoice_id = ?", (t, first["InvoiceID"]))
        assert (number, contact_id, contact_name, currency) == (
            first["InvoiceNumber"], first["Contact"]["ContactID"], first["Contact"]["Name"], first["CurrencyCode"])


async def test_every_view_answers_after_a_sync_of_every_entity(make_daemon, emulator, tmp_path, database_url):
    daemon = await _synced(make_daemon, emulator, tmp_path, database_url, SYNC_ENTITIES=",".join(ENTITIES))
    if _sqlite(database_url):
        found = {r[0] for r in await fetch(database_url, "SELECT name FROM sqlite_master WHERE type = 'view'")}
    else:
        found = {r[0] for r in await fetch(database_url, "SELECT table_name FROM information_schema.views"
                                                         " WHERE table_schema = current_schema()")}
    # views over `records` (itself a view over the compact rows), never tables of their own
    assert found == {view.name for view in VIEWS} | {"records"}
    assert {view.entity for view in VIEWS} == set(ENTITIES)
    t = emulator.state.tenants[0].tenant_id
    for view in VIEWS:
        rows = await daemon.store.db.fetchall(f"SELECT * FROM {view.name} WHERE tenant_id = ?", (t,))
        assert rows, view.name
        assert list(rows[0].keys()) == column_names(view), view.name
        if not view.lines:  # one row per stored record (Journals: the first sync may not have read them all)
            [(held,)] = await fetch(database_url, "SELECT COUNT(*) FROM records WHERE tenant_id = ? AND entity = ?",
                                    (t, view.entity))
            assert len(rows) == held, view.name
    for sql in _examples("sqlite" if _sqlite(database_url) else "postgres"):
        assert await fetch(database_url, sql) or "2025-12-01" in sql, sql  # each example answers


def _examples(dialect: str) -> list[str]:
    """docs/DATA.md's example queries for one backend (its ```sql blocks marked `-- postgres|sqlite|both`)."""
    blocks = re.findall(r"```sql\n-- (postgres|sqlite|both)\n(.*?)```", DATA_MD.read_text(), re.S)
    return [sql for marked, sql in blocks if marked in (dialect, "both")]


def test_data_md_documents_every_column_of_every_view():
    assert docs.columns() in DATA_MD.read_text(), "run `python -m storage.typed docs`"
    assert len(_examples("postgres")) == len(_examples("sqlite")) >= 6


async def test_dates_in_both_of_xeros_forms_are_typed(daemon, emulator, database_url):
    await daemon.connect(emulator)
    await daemon.advance(0)
    t = emulator.state.tenants[0].tenant_id
    invoice = emulator.state.records(t, "Invoices")[0]["InvoiceID"]
    await daemon.clock.advance(60)
    changed = emulator.state.update_record(t, "Invoices", invoice, {
        "Date": "2024-03-01T00:00:00", "DueDate": "/Date(1514764800000+0000)/",
        "ExpectedPaymentDate": "2024-03-31T12:30:15.250Z", "PlannedPaymentDate": "not a date"})
    await daemon.advance(3600)
    [row] = await fetch(database_url, "SELECT date, due_date, expected_payment_date, planned_payment_date, updated_utc"
                                      " FROM invoices WHERE tenant_id = ? AND invoice_id = ?", (t, invoice))
    updated = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=parse_ms_date(changed["UpdatedDateUTC"]))
    if _sqlite(database_url):
        assert row == ("2024-03-01T00:00:00", "2018-01-01T00:00:00", "2024-03-31T12:30:15", None,
                       updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{updated.microsecond // 1000:03d}Z")
    else:
        assert row == (datetime(2024, 3, 1), datetime(2018, 1, 1), datetime(2024, 3, 31, 12, 30, 15, 250000), None,
                       updated)
    march = await fetch(database_url, "SELECT invoice_id FROM invoices WHERE tenant_id = ?"
                                      " AND date >= '2024-03-01' AND date < '2024-04-01'", (t,))
    assert march == [(invoice,)]  # the same query on both backends


async def test_voided_deleted_archived_and_vanished_records_show_it(daemon, emulator, database_url):
    await daemon.connect(emulator)
    await daemon.advance(0)
    t = emulator.state.tenants[0].tenant_id
    invoice = next(i for i in emulator.state.records(t, "Invoices") if i["Status"] == "AUTHORISED")["InvoiceID"]
    payment = next(p for p in emulator.state.records(t, "Payments") if p["Status"] == "AUTHORISED")["PaymentID"]
    contact = emulator.state.records(t, "Contacts")[3]["ContactID"]
    item, code = (emulator.state.records(t, "Items")[2][k] for k in ("ItemID", "Code"))
    await daemon.clock.advance(60)
    emulator.state.void(t, "Invoices", invoice)
    emulator.state.delete(t, "Payments", payment)
    emulator.state.archive(t, "Contacts", contact)
    emulator.state.hard_delete(t, "Items", item)
    await daemon.advance(3600)

    async def one(sql, *params):
        [row] = await fetch(database_url, sql, (t, *params))
        return tuple(bool(v) if isinstance(v, int) and i == 1 else v for i, v in enumerate(row))

    where = "WHERE tenant_id = ? AND {} = ?"
    assert await one("SELECT status, deleted, amount_due FROM invoices " + where.format("invoice_id"), invoice) == (
        "VOIDED", False, 0)
    assert await one("SELECT status, deleted FROM payments " + where.format("payment_id"), payment) == (
        "DELETED", True)
    assert await one("SELECT status, deleted FROM contacts " + where.format("contact_id"), contact) == (
        "ARCHIVED", False)
    assert await one("SELECT status, deleted, code FROM items " + where.format("item_id"), item) == (
        "DELETED", True, code)  # kept, as last seen
    live = await fetch(database_url, "SELECT COUNT(*) FROM items WHERE tenant_id = ? AND NOT deleted", (t,))
    assert live == [(len(emulator.state.records(t, "Items")),)]

"""How long the typed views take to answer over a large org: N invoices (the emulator's, cloned) stored through the
store's own upsert, then the queries docs/DATA.md shows, timed on SQLite (and PostgreSQL with --postgres URL).

    .venv/bin/python bench/typed_views.py [--invoices 100000] [--postgres postgresql://…/db?search_path=bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon.core.crypto import Secrets  # noqa: E402
from storage import Store  # noqa: E402
from storage.grants import TokenSet  # noqa: E402
from storage.records import Row  # noqa: E402
from tests.fakes.clock import FakeClock  # noqa: E402
from xero_emulator import EmulatorConfig  # noqa: E402
from xero_emulator.emulator import Emulator  # noqa: E402

QUERIES = {
    "records, count (baseline)": "SELECT COUNT(*) FROM records WHERE entity = 'Invoices'",
    "invoices, totals by status": "SELECT status, COUNT(*), SUM(total) FROM invoices GROUP BY status",
    "invoices, every column of every row": "SELECT * FROM invoices",
    "invoice_line_items, sum": "SELECT COUNT(*), SUM(line_amount) FROM invoice_line_items",
    "invoices, one by id": "SELECT * FROM invoices WHERE tenant_id = 't1' AND invoice_id = '{one}'",
}


async def run(url: str, n: int) -> None:
    store = await Store.open(url, Secrets(["bench"]))
    async with store.transaction() as tx:
        grant = await store.grants.save_new(tx, TokenSet("a", "r", 1.0, "s"), "u", 0.0)
        await store.orgs.connect(tx, "t1", "Bench", "c", grant, 0.0)
    run_id = await store.runs.start("t1", "manual", 1.0)
    org = Emulator(EmulatorConfig(orgs=1), FakeClock())
    docs = org.records(org.tenants[0].tenant_id, "Invoices")
    one = None
    for start in range(0, n, 1000):
        rows = []
        for i in range(start, min(n, start + 1000)):
            doc = dict(docs[i % len(docs)], InvoiceID=str(uuid.uuid4()))
            rows.append(Row(doc["InvoiceID"], doc["Status"], 1, json.dumps(doc)))
        one = one or rows[0].xero_id
        await store.records.store_page("t1", "Invoices", rows, run_id=run_id, now=1.0)
    print(f"{store.db.dialect}: {n} invoices")
    for name, sql in QUERIES.items():
        started = time.perf_counter()
        answer = await store.db.fetchall(sql.format(one=one))
        print(f"  {name:40s} {time.perf_counter() - started:7.2f} s  ({len(answer)} rows)")
    await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty schema: search_path=…)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(f"sqlite:///{folder}/bench.db", args.invoices))
    if args.postgres:
        asyncio.run(run(args.postgres, args.invoices))


if __name__ == "__main__":
    main()

"""Benchmark 2: incremental syncs of the large organisation: with 1% of its invoices changed, then with nothing changed.

    .venv/bin/python bench/incremental_sync.py [--invoices 100000 --contacts 20000 --payments 50000 --changed 0.01]
                                               [--database-url postgresql://postgres@127.0.0.1:5432/test]

Same set-up as benchmark 1 (emulator in its own process, the daemon here, a first sync from empty, minute budgets
lifted so the set-up does not wait two minutes on Xero's 60 calls a minute). Then 1% of the invoices are edited
through the emulator's control API (concurrent batches), a sync runs; then a sync runs with nothing changed.
Prints API calls and wall time of each; writes bench/results/incremental_sync.json.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import full_sync  # noqa: E402

from daemon.core.keys import SERVICE, SETTINGS, STORE  # noqa: E402


TARGET_DAEMON_MS = 100  # nothing changed: the daemon's time for the whole sync
OVERLAP = 5  # SYNC_OVERLAP for this benchmark (the default, a day, would read today's edits again every sync)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = h.arguments(__doc__)
    p.add_argument("--changed", type=float, default=0.01, help="share of invoices edited before the first incremental")
    p.add_argument("--batch", type=int, default=50, help="control-API edits in flight at once")
    p.add_argument("--limit", type=float, default=600)
    p.set_defaults(xero_pacing=False)
    return p.parse_args(argv)


async def invoice_ids(app, tenant: str, every: int) -> list[str]:
    """Every `every`-th stored invoice id (ids are random UUIDs, so this is spread over the whole history)."""
    ids = [r["xero_id"] async for r in app[STORE].records.stream(tenant, "Invoices", batch=5000)]
    return ids[::every]


async def edit(emu: h.Emulator, tenant: str, ids: list[str], batch: int) -> tuple[float, float]:
    """Edit each invoice's Reference through the control API, `batch` requests in flight: (seconds taken, the
    latest UpdatedDateUTC the edits were given, in seconds). The emulator gives each change of an entity a later
    millisecond than the last, as Xero's ordering by UpdatedDateUTC needs: thousands of edits in a few seconds
    are dated up to several seconds ahead of the clock."""
    began = time.perf_counter()
    gate = asyncio.Semaphore(batch)
    latest = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=batch)) as session:
        async def one(i: int, invoice: str) -> None:
            nonlocal latest
            async with gate, session.post(f"{emu.url}/_control/records/{tenant}/Invoices/{invoice}",
                                          json={"action": "update", "changes": {"Reference": f"bench edit {i}"}}) as r:
                if r.status != 200:
                    raise RuntimeError(f"control API refused an edit: {r.status} {await r.text()}")
                latest = max(latest, _ms((await r.json())["UpdatedDateUTC"]))
        await asyncio.gather(*(one(i, x) for i, x in enumerate(ids)))
    return time.perf_counter() - began, latest / 1000


def _ms(xero_date: str) -> int:
    """/Date(1700000000000+0000)/ -> 1700000000000"""
    return int(re.match(r"/Date\((-?\d+)", xero_date).group(1))


async def timed_sync(app, emu: h.Emulator, tenant: str) -> dict:
    emu.clear_calls()
    began, cpu0, emu_cpu0 = time.perf_counter(), full_sync._cpu(), emu.cpu_seconds()
    report = await app[SERVICE].sync(tenant, trigger="manual")
    wall = time.perf_counter() - began
    cpu, emu_cpu = full_sync._cpu() - cpu0, emu.cpu_seconds() - emu_cpu0
    calls = emu.api_calls()
    return {"outcome": report.run.outcome, "wall_seconds": round(wall, 3), "api_calls": len(calls),
            # the daemon's own time: CPU of this process (the store's SQLite thread included) during the sync;
            # the wall time also holds the emulator answering (its CPU alongside) and other processes' load
            "daemon_cpu_ms": round(cpu * 1000, 1), "emulator_cpu_ms": round(emu_cpu * 1000, 1),
            "api_calls_by_entity": h.calls_by_entity(calls), "changed": report.run.changed,
            "non_200": sum(1 for c in calls if c["status"] != 200)}


async def run(emu: h.Emulator, args: argparse.Namespace) -> dict:
    tenant = emu.tenants()[0]["tenant_id"]
    async with h.daemon(emu, pacer=h.unpaced_pacer(), database_url=args.database_url,
                        extra_env={"SYNC_OVERLAP": str(OVERLAP)}) as app:
        began = time.perf_counter()
        await h.connect(app)
        (first,) = await h.wait_for_runs(app, [tenant], limit=args.limit)
        setup = time.perf_counter() - began
        entities = app[SETTINGS].sync_entities
        ids = await invoice_ids(app, tenant, max(1, round(1 / args.changed)))
        edit_seconds, latest_edit = await edit(emu, tenant, ids, args.batch)
        some = await timed_sync(app, emu, tenant)
        # A sync reads from its predecessor's start minus SYNC_OVERLAP (OVERLAP here): edits dated within it are
        # read again by the next sync. Once it has passed since the latest edit's date, one more sync moves the
        # watermark past them all; the sync after that is the one with nothing changed.
        await asyncio.sleep(max(0.0, latest_edit + OVERLAP + 1 - time.time()))
        settle = await timed_sync(app, emu, tenant)
        none = await timed_sync(app, emu, tenant)
    # An incremental read asks from the watermark minus a 10 s overlap, so it may also re-read the record(s) dated
    # within it: 1,000 edited invoices come back as 1,000 or 1,001 records, i.e. one page or two.
    fewest = len(entities) - 1 + math.ceil(len(ids) / 1000)
    most = len(entities) - 1 + math.ceil((len(ids) + 1) / 1000)
    return {"benchmark": "incremental_sync", "machine": h.machine(), "backend": h.backend_of(args.database_url), "first_sync_outcome": first.outcome,
            "first_sync_seconds": round(setup, 2), "edited_invoices": len(ids),
            "edit_seconds": round(edit_seconds, 2), "entities": len(entities),
            "one_percent_changed": some, "expected_calls_one_percent": [fewest, most],
            "settling_sync": settle,
            "nothing_changed": none, "expected_calls_nothing_changed": len(entities),
            "pacing": "lifted (per-org and app minute budgets off), as in benchmark 1"}


def show(r: dict) -> None:
    some, none = r["one_percent_changed"], r["nothing_changed"]
    print(f"incremental sync of the large org (first sync {r['first_sync_seconds']:.1f} s, {r['first_sync_outcome']})")
    print(f"  {r['edited_invoices']:,} invoices edited through the control API in {r['edit_seconds']:.1f} s")
    expected = "-".join(str(n) for n in sorted(set(r["expected_calls_one_percent"])))
    print(f"  1% changed:      {some['wall_seconds'] * 1000:7.0f} ms  {some['api_calls']} API calls"
          f" (expected {expected}: one per entity, Invoices {some['api_calls_by_entity'].get('Invoices')} pages"
          f" for {r['edited_invoices']:,} edited and any record dated within the overlap)"
          f"  changed {_nonzero(some['changed'])}  {some['outcome']}")
    ok = none["api_calls"] == r["expected_calls_nothing_changed"] and all(
        n == 1 for n in none["api_calls_by_entity"].values())
    print(f"  nothing changed: {none['wall_seconds'] * 1000:7.0f} ms  {none['api_calls']} API calls"
          f" (target exactly one per entity = {r['expected_calls_nothing_changed']})  {h.verdict(ok)}"
          f"  changed {sum(none['changed'].values())}  {none['outcome']}")
    print(f"  nothing changed, the daemon's time: {none['daemon_cpu_ms']:.0f} ms of CPU (the emulator's"
          f" {none['emulator_cpu_ms']:.0f} ms)  target < {TARGET_DAEMON_MS} ms"
          f"  {h.verdict(none['daemon_cpu_ms'] < TARGET_DAEMON_MS)}")


def _nonzero(changed: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in changed.items() if v) or "nothing"


async def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    emu = full_sync.start_emulator(args)
    return await h.measured("incremental_sync", emu, run(emu, args), show, limit=args.limit + 300)


if __name__ == "__main__":
    asyncio.run(main())

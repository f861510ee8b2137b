"""Benchmark 5: the records API's read throughput: a full cursor walk of a large organisation's invoices.

    .venv/bin/python bench/api_read.py [--invoices 1000000 --contacts 2000 --payments 2000 --limit-per-page 1000]

Same set-up as benchmark 1 (the emulator in its own process, the daemon here over a temporary SQLite file, minute
budgets lifted), syncing Organisation, Contacts and Invoices. Then an API key is made and a client in a process of
its own (so parsing the answers is not counted as the daemon's work) walks GET /api/v1/orgs/{tenant}/Invoices from
no cursor to `has_more: false`, `--limit-per-page` records a request, over loopback HTTP, parsing every answer and
checking each invoice comes once. Prints records/s of the walk (and the first sync's time, for scale), requests and
their p50 / p99 latency; writes bench/results/api_read.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import full_sync  # noqa: E402

from daemon.core.keys import STORE  # noqa: E402


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = h.arguments(__doc__, invoices=1_000_000, contacts=2_000, payments=2_000)
    p.add_argument("--limit-per-page", type=int, default=1000, help="the walk's `limit` (the API allows 1 to 1000)")
    p.add_argument("--limit", type=float, default=3600, help="give up after this many seconds")
    p.set_defaults(xero_pacing=False)
    return p.parse_args(argv)


async def walk(base: str, key: str, tenant: str, limit: int) -> dict:
    """The client's side (run in its own process: `--walk BASE KEY TENANT LIMIT` prints this as JSON)."""
    latencies, records, requests, cursor, ids, parsing = [], 0, 0, None, set(), 0.0
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        began = time.perf_counter()
        while True:
            params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
            t0 = time.perf_counter()
            async with session.get(f"{base}/api/v1/orgs/{tenant}/Invoices", params=params) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}: {(await resp.text())[:300]}")
                body = await resp.read()
            latencies.append(time.perf_counter() - t0)  # the daemon's answer, whole (not the client's parsing)
            t1 = time.perf_counter()
            page = _loads(body)
            parsing += time.perf_counter() - t1
            requests += 1
            records += len(page["records"])
            ids.update(r["InvoiceID"] for r in page["records"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        wall = time.perf_counter() - began
    return {"records": records, "distinct": len(ids), "requests": requests, "seconds": round(wall, 3),
            "records_per_second": round(records / wall) if wall else 0, "client_parsing_seconds": round(parsing, 3),
            "records_per_second_answered": round(records / sum(latencies)) if latencies else 0,
            "request_ms_p50": round(h.percentile(latencies, 50) * 1000, 1),
            "request_ms_p99": round(h.percentile(latencies, 99) * 1000, 1)}


def _loads(text: bytes):
    import orjson

    return orjson.loads(text)


async def bench(emu: h.Emulator, args: argparse.Namespace) -> dict:
    tenant = emu.tenants()[0]
    entities = "Organisation,Contacts,Invoices"
    async with h.daemon(emu, pacer=h.unpaced_pacer(), extra_env={"SYNC_ENTITIES": entities,
                                                                 "API_RATE_LIMIT": "1000000"}) as app:
        began = time.perf_counter()
        await h.connect(app)
        (run,) = await h.wait_for_runs(app, [tenant["tenant_id"]], limit=args.limit)
        sync_seconds = time.perf_counter() - began
        stored = await app[STORE].records.counts(tenant["tenant_id"])
        key = await app[STORE].api_keys.create("bench", time.time())
        read = await _walk_elsewhere(app["bench_url"], key, tenant["tenant_id"], args.limit_per_page)
    return {"benchmark": "api_read", "machine": h.machine(), "sync_outcome": run.outcome,
            "invoices_stored": stored.get("Invoices", 0), "first_sync_seconds": round(sync_seconds, 1),
            "limit_per_page": args.limit_per_page, "walk": read,
            "complete": read["records"] == read["distinct"] == stored.get("Invoices", 0)}


async def _walk_elsewhere(base: str, key: str, tenant: str, limit: int) -> dict:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--walk", base, key, tenant, str(limit), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"the walking client failed (exit {proc.returncode})")
    return json.loads(out)


def show(r: dict) -> None:
    w = r["walk"]
    print(f"records API walk of {r['invoices_stored']:,} invoices ({r['limit_per_page']} a request): "
          f"{w['records']:,} records in {w['seconds']} s = {w['records_per_second']:,} records/s; "
          f"{w['requests']} requests answered in p50 {w['request_ms_p50']} ms, p99 {w['request_ms_p99']} ms "
          f"({w['records_per_second_answered']:,} records/s counting only the waits for answers; the client spent "
          f"{w['client_parsing_seconds']} s parsing); "
          f"every record once: {h.verdict(r['complete'])} (first sync took {r['first_sync_seconds']} s)")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--walk"]:  # the client, in its own process
        base, key, tenant, limit = argv[1:5]
        print(json.dumps(asyncio.run(walk(base, key, tenant, int(limit)))))
        return
    args = parse(argv)
    emu = full_sync.start_emulator(args)
    asyncio.run(h.measured("api_read", emu, bench(emu, args), show, limit=args.limit))


if __name__ == "__main__":
    main()

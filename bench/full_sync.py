"""Benchmark 1: the first sync of a large organisation, from an empty store.

    .venv/bin/python bench/full_sync.py [--invoices 100000 --contacts 20000 --payments 50000]
                                        [--database-url postgresql://postgres@127.0.0.1:5432/test]

The emulator runs in its own process, seeded with one org (invoices with line items, contacts, payments and the
reference data). The daemon (create_app over a temporary SQLite file) runs in this process, connects through the
OAuth flow with the emulator auto-approving, and syncs (`--database-url`: into a fresh schema on a PostgreSQL server
instead). Prints records stored per second, API calls made against
the minimum the paging allows, peak RSS of this (the daemon's) process and the longest event-loop block; writes
bench/results/full_sync.json.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path
from typing import Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

from daemon.core.keys import SETTINGS, STORE  # noqa: E402

TARGET_RATE, TARGET_RSS_MB, TARGET_BLOCK_MS = 25_000, 250, 50


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = h.arguments(__doc__)
    p.add_argument("--limit", type=float, default=600, help="give up after this many seconds of syncing")
    p.add_argument("--xero-pacing", action="store_true",
                   help="keep the daemon's pacing at Xero's 60 calls a minute per org (the sync then takes minutes:"
                        " the limit, not the daemon, sets its speed)")
    p.add_argument("--no-gzip", action="store_true",
                   help="the emulator answers uncompressed (Xero gzips when asked, and the daemon asks: the default)")
    p.add_argument("--result-name", default="full_sync", help="write bench/results/<name>.json (bench/scaling.py)")
    return p.parse_args(argv)


def start_emulator(args: argparse.Namespace) -> h.Emulator:
    # Without --xero-pacing the minute budgets are lifted on both sides: the emulator's "minute" is 1 ms, so the
    # X-MinLimit-Remaining it sends never reaches 0 (the daemon rightly stops when it does), and the daemon's
    # pacer has no minute budget. Its 5-calls-in-flight rule stays.
    minute = [] if args.xero_pacing else ["--minute-seconds", "0.001"]
    plain = ["--no-gzip"] if getattr(args, "no_gzip", False) else []
    return h.Emulator("--orgs", "1", "--invoices", str(args.invoices), "--contacts", str(args.contacts),
                      "--payments", str(args.payments), *minute, *plain)


async def first_sync(emu: h.Emulator, args: argparse.Namespace,
                     during: Callable[[object], Awaitable[dict]] | None = None) -> dict:
    """Connect and time the first sync; `during(app)` (benchmark 4) runs alongside it and its result is kept."""
    tenant = emu.tenants()[0]
    counts = tenant["counts"]
    emu.clear_calls()
    backlog = getattr(args, "backlog", h.BACKLOG)
    async with h.daemon(emu, pacer=None if args.xero_pacing else h.unpaced_pacer(), backlog=backlog,
                        database_url=args.database_url) as app:
        rss_idle = h.peak_rss_mb()
        cpu0, emu_cpu0 = _cpu(), emu.cpu_seconds()
        monitor = h.LoopMonitor().start()
        began = time.perf_counter()
        await h.connect(app)
        side = asyncio.create_task(during(app)) if during else None
        (run,) = await h.wait_for_runs(app, [tenant["tenant_id"]], limit=args.limit)
        wall = time.perf_counter() - began
        extra = await side if side else None
        await monitor.stop()
        cpu, emu_cpu = _cpu() - cpu0, emu.cpu_seconds() - emu_cpu0
        stored = await app[STORE].records.counts(tenant["tenant_id"])
        server_cpu = await h.postgres_cpu_seconds(app)
        entities = app[SETTINGS].sync_entities
    calls = emu.api_calls()
    wire = emu.control("/_control/wire")  # the answers' bodies: as JSON, and as they went (gzipped when asked)
    by_entity = h.calls_by_entity(calls)
    minimum = h.minimum_calls(counts, entities)
    duration = run.finished_at - run.started_at
    records = sum(stored.values())
    return {
        "benchmark": "full_sync", "machine": h.machine(), "backend": h.backend_of(args.database_url), "outcome": run.outcome, "error": run.error,
        "seeded": {k: v for k, v in counts.items() if k in entities}, "stored": stored, "records": records,
        "sync_seconds": round(duration, 3), "wall_seconds_incl_connect": round(wall, 3),
        "records_per_second": round(records / duration) if duration else 0,
        "api_calls": len(calls), "api_calls_run_counted": run.api_calls, "api_calls_minimum": sum(minimum.values()),
        "api_calls_by_entity": by_entity, "api_calls_minimum_by_entity": minimum,
        "non_200": sum(1 for c in calls if c["status"] != 200),
        "gzip": not getattr(args, "no_gzip", False), "bytes_json_mb": round(wire["json_bytes"] / 1e6, 1),
        "bytes_moved_mb": round(wire["sent_bytes"] / 1e6, 1),
        "peak_rss_mb": round(h.peak_rss_mb(), 1), "rss_before_sync_mb": round(rss_idle, 1),
        "decoder_peak_rss_mb": round(h.decoder_peak_rss_mb(), 1),
        "daemon_cpu_seconds": round(cpu, 2),
        "postgres_server_cpu_seconds": round(server_cpu, 2) if server_cpu is not None else None, "emulator_cpu_seconds": round(emu_cpu, 2), "emulator_start_seconds": round(emu.start_seconds, 1),
        "loop": monitor.report(), "during": extra,
        "pacing": "xero (60 calls/min per org)" if args.xero_pacing else "lifted (per-org and app minute budgets off)",
        "least_seconds_under_xero_limits": h.least_time_under_limits([len(calls)]),
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def show(r: dict) -> None:
    ok_rate = r["records_per_second"] >= TARGET_RATE
    ok_calls = r["api_calls"] == r["api_calls_minimum"]
    ok_rss = r["peak_rss_mb"] + r["decoder_peak_rss_mb"] < TARGET_RSS_MB  # the decoder process is the daemon's too
    ok_loop = r["loop"]["max_overshoot_ms"] <= TARGET_BLOCK_MS and r["loop"]["slowest_callback_ms"] <= TARGET_BLOCK_MS
    print(f"full sync from empty ({r['backend']}): {r['records']:,} records ({', '.join(f'{k} {v:,}' for k, v in r['stored'].items())})"
          f" outcome={r['outcome']}")
    print(f"  sync time          {r['sync_seconds']:.2f} s  (CPU: daemon {r['daemon_cpu_seconds']:.1f} s, emulator"
          f" {r['emulator_cpu_seconds']:.1f} s, on {r['machine']['cpus']} cores; pacing {r['pacing']})")
    print(f"  records/s          {r['records_per_second']:,}   target >= {TARGET_RATE:,}  {h.verdict(ok_rate)}")
    print(f"  API calls          {r['api_calls']}  minimum {r['api_calls_minimum']}  non-200 {r['non_200']}"
          f"  {h.verdict(ok_calls)}")
    print(f"  bytes moved        {r['bytes_moved_mb']:,.1f} MB of answers ({r['bytes_json_mb']:,.1f} MB as JSON;"
          f" {'gzipped, as Xero sends when asked' if r['gzip'] else 'uncompressed: --no-gzip'})")
    print(f"  peak RSS (daemon)  {r['peak_rss_mb']:.0f} MB + decoder process {r['decoder_peak_rss_mb']:.0f} MB"
          f"  (before the sync {r['rss_before_sync_mb']:.0f} MB)"
          f"  target < {TARGET_RSS_MB} MB  {h.verdict(ok_rss)}")
    loop = r["loop"]
    print(f"  event loop block   {loop['max_overshoot_ms']:.1f} ms (5 ms sleeper overshoot; of which"
          f" {loop['of_which_waiting_for_a_cpu_ms']:.1f} ms with no CPU free), slowest callback"
          f" {loop['slowest_callback_ms']:.1f} ms  target <= {TARGET_BLOCK_MS} ms  {h.verdict(ok_loop)}")
    for slow in loop["slowest_callbacks"][:3]:
        print(f"      {slow['ms']:6.1f} ms  {slow['what']}")
    least = r["least_seconds_under_xero_limits"]
    print(f"  note: under Xero's own limit (60 calls a minute per org) these {r['api_calls']} calls cannot take less"
          f" than {least:.0f} s, i.e. at most {r['records'] / max(least, 1e-9):,.0f} records/s for this org;"
          f" the figure above is the daemon's own speed, measured with the minute budgets lifted"
          if not r["pacing"].startswith("xero") else "")


async def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    emu = start_emulator(args)
    return await h.measured(args.result_name, emu, first_sync(emu, args), show, limit=args.limit + 120)


if __name__ == "__main__":
    asyncio.run(main())

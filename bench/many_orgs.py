"""Benchmark 3: one full cycle of 2,000 organisations (~2,000 records each) under Xero's limits on a compressed
clock; then the same orgs shared by replicas on PostgreSQL.

    .venv/bin/python bench/many_orgs.py [--orgs 2000 --concurrency 24 --factor 1.5 --scaled-app-limit 1000]
                                        [--database-url postgresql://...]
    .venv/bin/python bench/many_orgs.py --replicas 3 --database-url postgresql://postgres@127.0.0.1:5432/test

The emulator enforces the limits (`--limits`) on a ScaledClock (`--clock-factor F --clock-start T`); the daemon
gets a ScaledClock with the same factor, set to the emulator's time, and XERO_APP_MINUTE_LIMIT set to the app
limit of the phase. One consent connects every org, so all are due at once; SYNC_CONCURRENCY of them sync at a
time in each process. Two phases:

  xero       Xero's limits as they are: 60 calls a minute and 5 in flight per org, 10,000 a minute per app.
  app-bound  the app-wide budget scaled down (10,000 -> --scaled-app-limit) on both sides, so the same orgs
             meet the pressure a fleet 10,000 / limit times larger meets under Xero's real budget.

One process (the default; the store is a fresh SQLite file, or a fresh schema on the PostgreSQL server given with
--database-url): prints each cycle's time against the least time the limits allow (derived from the calls and the
limits), the 429s in the emulator's call log, peak RSS, whether the limits or the CPU set the pace, and then
`xero-syncd run` started over the store the cycle left, timed from start to ready (/readyz).

--replicas N (PostgreSQL): N `xero-syncd run` processes on one fresh schema share the orgs and the app budget;
prints the 429s, the cycle, and each replica's share of the orgs and of the API calls against 1/N.

Writes bench/results/many_orgs.json (many_orgs_replicas.json with --replicas).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import _processes as procs  # noqa: E402

from clock import ScaledClock  # noqa: E402
from daemon.core.crypto import Secrets  # noqa: E402
from storage import Store  # noqa: E402

XERO_PER_ORG, XERO_PER_APP, MINUTE = 60, 10_000, 60.0
TARGET_OVER = 0.05
TARGET_RSS_MB, TARGET_STARTUP_S, TARGET_SHARE = 300, 2.0, 0.20


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = h.arguments(__doc__, invoices=1200, contacts=400, payments=400)
    p.add_argument("--orgs", type=int, default=2000)
    p.add_argument("--concurrency", type=int, help="SYNC_CONCURRENCY per process (default: 24 in all, shared out)")
    p.add_argument("--factor", type=float, default=1.5, help="clock factor: a minute lasts 60/F real seconds")
    p.add_argument("--scaled-app-limit", type=int, default=1000)
    p.add_argument("--phases", default="app-bound", help="xero, app-bound, or both (comma-separated)")
    p.add_argument("--limit", type=float, default=1800, help="give up on a cycle after this many real seconds")
    p.add_argument("--replicas", type=int, default=1, help="daemon processes sharing the store (PostgreSQL)")
    p.add_argument("--startups", type=int, default=3, help="times `xero-syncd run` is started after the cycle")
    args = p.parse_args(argv)
    if args.replicas > 1 and not (args.database_url or "").startswith("postgres"):
        p.error("--replicas needs --database-url postgresql://...")
    args.concurrency = args.concurrency or max(1, 24 // args.replicas)
    return args


def emulator(args: argparse.Namespace, app_limit: int) -> tuple[h.Emulator, tuple[float, float, float]]:
    """The emulator with the orgs, rendering each record on read and keeping none (2,000 orgs), and its clock."""
    emu = h.Emulator("--orgs", str(args.orgs), "--invoices", str(args.invoices), "--contacts", str(args.contacts),
                     "--payments", str(args.payments), "--limits", "--clock-factor", str(args.factor),
                     "--clock-start", str(round(time.time())), "--app-minute-limit", str(app_limit),
                     "--no-prewarm", "--no-keep-rendered", start_limit=600)
    emu_now, read_at = emu.clock_now()
    return emu, (args.factor, emu_now, read_at)


def figures(args: argparse.Namespace, app_limit: int, calls: list[dict], runs: list, wall: float) -> dict:
    ok = [c for c in calls if c["status"] == 200]
    per_org = Counter(c["tenant_id"] for c in ok)
    least = h.least_time_under_limits(list(per_org.values()), per_org=XERO_PER_ORG, per_app=app_limit,
                                      minute=MINUTE)
    cycle_clock = max(r.finished_at for r in runs) - min(r.started_at for r in runs)
    return {
        "app_limit_per_minute": app_limit, "per_org_limit_per_minute": XERO_PER_ORG, "factor": args.factor,
        "orgs": args.orgs, "concurrency": args.concurrency,
        "records_per_org": args.invoices + args.contacts + args.payments + 45,
        "outcomes": dict(Counter(r.outcome for r in runs)),
        "api_calls": len(calls), "api_calls_ok": len(ok), "calls_per_org": dict(Counter(per_org.values())),
        "http_429": sum(1 for c in calls if c["status"] == 429), "http_429_by_limit": _refused_by(calls, app_limit),
        "other_non_200": sum(
            1 for c in calls if c["status"] not in (200, 429)),
        "least_clock_seconds": least, "cycle_clock_seconds": round(cycle_clock, 1),
        "cycle_wall_seconds": round(wall, 2), "calls_per_real_second": round(len(ok) / wall, 1),
        "over_least": round(cycle_clock / least - 1, 3) if least else None,
    }


def _refused_by(calls: list[dict], app_limit: int) -> dict[str, int]:
    """Which limit each 429 met, read from the calls the emulator counted in the minute before it."""
    counted = sorted((c["time"], c["tenant_id"]) for c in calls if c["status"] == 200)
    kinds: Counter = Counter()
    for refused in (c for c in calls if c["status"] == 429):
        minute = [tenant for t, tenant in counted if refused["time"] - MINUTE < t <= refused["time"]]
        kinds["app" if len(minute) >= app_limit else "org minute" if minute.count(refused["tenant_id"]) >= XERO_PER_ORG
              else "org in flight"] += 1
    return dict(kinds)


async def cycle(args: argparse.Namespace, app_limit: int) -> dict:
    """One process: the daemon in this one (create_app), on the store given or a fresh SQLite file."""
    emu, (factor, emu_now, read_at) = emulator(args, app_limit)
    try:
        with procs.fresh_database(args.database_url) as database_url:
            clock = ScaledClock(factor, emu_now + (time.time() - read_at) * factor)
            tenants = [t["tenant_id"] for t in emu.tenants()]
            emu.clear_calls()
            h.reset_peak_rss()
            extra = {"SYNC_CONCURRENCY": str(args.concurrency), "XERO_APP_MINUTE_LIMIT": str(app_limit),
                     "DATABASE_URL": database_url,
                     "SYNC_INTERVAL": str(10**8)}  # no org's next slot inside the measured cycle: one cycle only
            async with h.daemon(emu, clock=clock, extra_env=extra) as app:
                monitor = h.LoopMonitor().start()
                began = time.perf_counter()
                await h.connect(app)
                runs = await h.wait_for_runs(app, tenants, limit=args.limit, every=0.5)
                wall = time.perf_counter() - began
                await monitor.stop()
                extra_runs = await h.run_count(app) - len(runs)
            result = figures(args, app_limit, emu.api_calls(), runs, wall)
            result.update(runs_beyond_one_per_org=extra_runs, peak_rss_mb=round(h.peak_rss_mb(), 1),
                          decoder_peak_rss_mb=round(h.decoder_peak_rss_mb(), 1), loop=monitor.report(),
                          emulator_start_seconds=round(emu.start_seconds, 1),
                          backend=database_url.split(":", 1)[0])
            result["startup_to_ready_seconds"] = procs.startup_seconds(emu.url, database_url, args.startups)
    finally:
        emu.stop()
    return result


async def replicas_cycle(args: argparse.Namespace, app_limit: int) -> dict:
    """N processes on one fresh PostgreSQL schema, on the emulator's clock, sharing the orgs and the app budget."""
    emu, clock = emulator(args, app_limit)
    replicas: list[procs.Replica] = []
    try:
        with procs.fresh_database(args.database_url) as database_url:
            tenants = [t["tenant_id"] for t in emu.tenants()]
            extra = {"SYNC_CONCURRENCY": str(args.concurrency), "XERO_APP_MINUTE_LIMIT": str(app_limit),
                     "SYNC_INTERVAL": str(10**8)}
            replicas = [procs.Replica(emu.url, database_url, clock=clock, **extra) for _ in range(args.replicas)]
            ready = [round(r.wait_ready(), 2) for r in replicas]
            store = await Store.open(database_url, Secrets([h.SECRET]))
            try:
                emu.clear_calls()
                began = time.perf_counter()
                await asyncio.to_thread(replicas[0].connect)
                runs = await _wait_for_runs(store, len(tenants), args.limit)
                wall = time.perf_counter() - began
                owners = await store.db.fetchall("SELECT owner, COUNT(*) AS runs, SUM(api_calls) AS calls FROM runs"
                                                 " WHERE outcome != 'running' GROUP BY owner")
            finally:
                await store.close()
            rss = [round(r.peak_rss_mb(), 1) for r in replicas]
            calls = emu.api_calls()
    finally:
        for replica in replicas:
            replica.stop()
        emu.stop()
    result = figures(args, app_limit, calls, runs, wall)
    pids = {str(r.proc.pid): i for i, r in enumerate(replicas)}
    shares = []
    for row in owners:
        which = pids.get((row["owner"] or "::").split(":")[1], -1)
        shares.append({"replica": which + 1, "runs": row["runs"], "api_calls": int(row["calls"] or 0)})
    total_runs, total_calls = sum(x["runs"] for x in shares), sum(x["api_calls"] for x in shares)
    for x in shares:
        x["share_of_runs"] = round(x["runs"] / total_runs, 3)
        x["share_of_calls"] = round(x["api_calls"] / total_calls, 3) if total_calls else 0.0
    result.update(replicas=args.replicas, ready_seconds=ready, replica_peak_rss_mb=rss,
                  shares=sorted(shares, key=lambda x: x["replica"]), backend="postgresql")
    return result


async def _wait_for_runs(store: Store, orgs: int, limit: float) -> list:
    """Every org's first finished run, once every org has one."""
    deadline = time.monotonic() + limit
    sql = "SELECT COUNT(DISTINCT tenant_id) AS n FROM runs WHERE outcome != 'running'"
    while (await store.db.fetchone(sql))["n"] < orgs:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not every org finished syncing within {limit} s")
        await asyncio.sleep(0.5)
    firsts = await store.db.fetchall("SELECT MIN(id) AS id FROM runs WHERE outcome != 'running' GROUP BY tenant_id")
    return [await store.runs.get(row["id"]) for row in firsts]


def judge(r: dict, cpu_rate: float | None) -> str:
    """Which sets the pace: the limits (the least time they allow) or the CPU (how fast calls can be made)."""
    if not r["least_clock_seconds"]:
        return (f"the limits allow all {r['api_calls_ok']:,} calls at once (no org needs more than"
                f" {r['per_org_limit_per_minute']} a minute, the app needs fewer than {r['app_limit_per_minute']:,}),"
                f" so at any clock factor the CPU sets the pace: {r['calls_per_real_second']:.0f} calls/s"
                f" ({r['cycle_wall_seconds']:.1f} s real)")
    minute_real = MINUTE / r["factor"]
    rate = cpu_rate or r["calls_per_real_second"]
    busy = r["app_limit_per_minute"] / rate / minute_real
    pace = "the limits set the pace" if busy < 1 else "the CPU sets the pace: a lower --factor lets the limits"
    return (f"a minute lasts {minute_real:.1f} s real at factor {r['factor']:g}; the"
            f" {r['app_limit_per_minute']} calls it allows take ~{r['app_limit_per_minute'] / rate:.1f} s at the"
            f" {rate:.0f} calls/s made ({busy:.0%} of the minute), so {pace}")


def show(results: dict) -> None:
    cpu_rate = results.get("xero", {}).get("calls_per_real_second")
    for name, r in results.items():
        if not isinstance(r, dict) or "least_clock_seconds" not in r:
            continue
        processes = f"{r['replicas']} replicas" if r.get("replicas") else "one process"
        print(f"{name}: {r['orgs']:,} orgs x ~{r['records_per_org']:,} records, {processes} on {r['backend']},"
              f" per-org {r['per_org_limit_per_minute']}/min, app {r['app_limit_per_minute']:,}/min,"
              f" clock x{r['factor']:g}, SYNC_CONCURRENCY={r['concurrency']}")
        print(f"  runs {r['outcomes']}, API calls {r['api_calls_ok']:,} (per org: {r['calls_per_org']})")
        least, cyc = r["least_clock_seconds"], r["cycle_clock_seconds"]
        verdict = "n/a (no least time to be within of)" if not least else (
            f"{r['over_least']:+.1%} over  target <= +{TARGET_OVER:.0%}  {h.verdict(r['over_least'] <= TARGET_OVER)}")
        print(f"  cycle {cyc:,.1f} s clock ({r['cycle_wall_seconds']:.1f} s real); least the limits allow"
              f" {least:,.0f} s clock  {verdict}")
        print(f"  429s {r['http_429']} {r['http_429_by_limit'] or ''}  target 0  {h.verdict(r['http_429'] == 0)}")
        if r.get("replicas"):
            third = 1 / r["replicas"]
            for x in r["shares"]:
                off = x["share_of_runs"] / third - 1
                print(f"  replica {x['replica']}: {x['runs']:,} orgs ({x['share_of_runs']:.1%}), {x['api_calls']:,}"
                      f" API calls ({x['share_of_calls']:.1%}); {off:+.1%} from 1/{r['replicas']}  target within"
                      f" {TARGET_SHARE:.0%}  {h.verdict(abs(off) <= TARGET_SHARE)}")
            print(f"  ready after {r['ready_seconds']} s; peak RSS per replica (+ decoder) {r['replica_peak_rss_mb']} MB")
            continue
        rss = r["peak_rss_mb"] + r.get("decoder_peak_rss_mb", 0)
        loop = r["loop"]
        print(f"  peak RSS {r['peak_rss_mb']:.0f} MB + decoder process {r.get('decoder_peak_rss_mb', 0):.0f} MB"
              f"  target < {TARGET_RSS_MB} MB  {h.verdict(rss < TARGET_RSS_MB)}   longest event-loop block"
              f" {loop['max_overshoot_ms']:.0f} ms (of which {loop['of_which_waiting_for_a_cpu_ms']:.0f} ms with no"
              f" CPU free), slowest callback {loop['slowest_callback_ms']:.0f} ms")
        startups = r["startup_to_ready_seconds"]
        print(f"  `xero-syncd run` over the {r['orgs']:,} orgs' store, start to ready: {startups} s  target <"
              f" {TARGET_STARTUP_S:g} s  {h.verdict(max(startups) < TARGET_STARTUP_S)}")
        print(f"  bottleneck: {judge(r, cpu_rate)}")


async def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    phases = {"xero": XERO_PER_APP, "app-bound": args.scaled_app_limit}
    results: dict = {"benchmark": "many_orgs", "machine": h.machine(), "argv": sys.argv[1:]}
    run = replicas_cycle if args.replicas > 1 else cycle
    for name in args.phases.split(","):
        results[name] = await asyncio.wait_for(run(args, phases[name]), timeout=args.limit + 900)
    show(results)
    name = "many_orgs_replicas" if args.replicas > 1 else "many_orgs"
    print(f"  -> {h.write_result(name, results).relative_to(h.ROOT)}")
    return results


if __name__ == "__main__":
    asyncio.run(main())

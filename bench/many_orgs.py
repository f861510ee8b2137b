"""Benchmark 3: one full cycle of 200 organisations (~2,000 records each) under Xero's limits on a compressed clock.

    .venv/bin/python bench/many_orgs.py [--orgs 200 --concurrency 8 --factor 10 --scaled-app-limit 200]

The emulator enforces the limits (`--limits`) on a ScaledClock (`--clock-factor F --clock-start T`); the daemon
here gets a ScaledClock with the same factor, set to the emulator's time, and a Pacer on it. One consent connects
every org, so all are due at once; SYNC_CONCURRENCY of them sync at a time. Two runs:

  xero       Xero's limits as they are: 60 calls a minute and 5 in flight per org, 10,000 a minute per app.
  app-bound  the app-wide budget scaled down (10,000 -> --scaled-app-limit) on both sides, so the same 200 orgs
             meet the pressure a fleet 10,000 / limit times larger meets under Xero's real budget.

Prints each cycle's time against the least time the limits allow (derived from the calls and the limits), the 429s
in the emulator's call log, peak RSS, and whether the limits or the CPU set the pace; writes
bench/results/many_orgs.json.
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

from clock import ScaledClock  # noqa: E402
from daemon.xero.pacing import Pacer  # noqa: E402

XERO_PER_ORG, XERO_PER_APP, MINUTE = 60, 10_000, 60.0
TARGET_OVER = 0.10


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = h.arguments(__doc__, invoices=1200, contacts=400, payments=400)
    p.add_argument("--orgs", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=8, help="SYNC_CONCURRENCY")
    p.add_argument("--factor", type=float, default=10.0, help="clock factor: a minute lasts 60/F real seconds")
    p.add_argument("--scaled-app-limit", type=int, default=200)
    p.add_argument("--phases", default="xero,app-bound")
    p.add_argument("--limit", type=float, default=900, help="give up on a cycle after this many real seconds")
    return p.parse_args(argv)


async def cycle(args: argparse.Namespace, app_limit: int) -> dict:
    clock_start = round(time.time())
    emu = h.Emulator("--orgs", str(args.orgs), "--invoices", str(args.invoices), "--contacts", str(args.contacts),
                     "--payments", str(args.payments), "--limits", "--clock-factor", str(args.factor),
                     "--clock-start", str(clock_start), "--app-minute-limit", str(app_limit))
    try:
        emu_now, read_at = emu.clock_now()
        # ScaledClock(F, start) starts counting from `start` when it is built, so a clock built now with the
        # emulator's --clock-start lags the emulator's (built before seeding) by F x the seconds in between.
        naive_skew = emu_now + (time.time() - read_at) * args.factor - ScaledClock(args.factor, clock_start).time()
        clock = ScaledClock(args.factor, emu_now + (time.time() - read_at) * args.factor)
        pacer = Pacer(clock, per_minute=XERO_PER_ORG, app_per_minute=app_limit, minute=MINUTE)
        tenants = [t["tenant_id"] for t in emu.tenants()]
        emu.clear_calls()
        h.reset_peak_rss()
        extra = {"SYNC_CONCURRENCY": str(args.concurrency),
                 "SYNC_INTERVAL": str(10**8)}  # no org's next slot inside the measured cycle: one cycle only
        async with h.daemon(emu, clock=clock, pacer=pacer, extra_env=extra) as app:
            monitor = h.LoopMonitor().start()
            began = time.perf_counter()
            await h.connect(app)
            runs = await h.wait_for_runs(app, tenants, limit=args.limit)
            wall = time.perf_counter() - began
            await monitor.stop()
            all_runs = await h.run_count(app)
        calls = emu.api_calls()
    finally:
        emu.stop()
    ok = [c for c in calls if c["status"] == 200]
    per_org = Counter(c["tenant_id"] for c in ok)
    least = h.least_time_under_limits(list(per_org.values()), per_org=XERO_PER_ORG, per_app=app_limit,
                                      minute=MINUTE)
    first_start = min(r.started_at for r in runs)
    cycle_clock = max(r.finished_at for r in runs) - first_start
    span = max(c["time"] for c in ok) - min(c["time"] for c in ok)
    return {
        "app_limit_per_minute": app_limit, "per_org_limit_per_minute": XERO_PER_ORG, "factor": args.factor,
        "orgs": len(tenants), "concurrency": args.concurrency,
        "records_per_org": args.invoices + args.contacts + args.payments + 45,
        "outcomes": dict(Counter(r.outcome for r in runs)), "runs_beyond_one_per_org": all_runs - len(runs),
        "api_calls": len(calls), "api_calls_ok": len(ok), "calls_per_org": dict(Counter(per_org.values())),
        "http_429": sum(1 for c in calls if c["status"] == 429), "other_non_200": sum(
            1 for c in calls if c["status"] not in (200, 429)),
        "least_clock_seconds": least, "cycle_clock_seconds": round(cycle_clock, 1),
        "calls_span_clock_seconds": round(span, 1), "cycle_wall_seconds": round(wall, 2),
        "over_least": round(cycle_clock / least - 1, 3) if least else None,
        "peak_rss_mb": round(h.peak_rss_mb(), 1), "decoder_peak_rss_mb": round(h.decoder_peak_rss_mb(), 1),
        "loop": monitor.report(),
        "emulator_start_seconds": round(emu.start_seconds, 1),
        "calls_per_real_second": round(len(ok) / wall, 1),
        "clock_skew_if_started_from_same_clock_start_s": round(naive_skew, 1),
    }


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
    return (f"limits: a minute lasts {minute_real:.1f} s real at factor {r['factor']:g}; the"
            f" {r['app_limit_per_minute']} calls it allows take ~{r['app_limit_per_minute'] / rate:.1f} s at the"
            f" {rate:.0f} calls/s the CPU manages ({busy:.0%} of the minute), so the limits set the pace")


def show(results: dict) -> None:
    cpu_rate = results.get("xero", {}).get("calls_per_real_second")
    for name, r in results.items():
        if not isinstance(r, dict) or "least_clock_seconds" not in r:
            continue
        print(f"{name}: {r['orgs']} orgs x ~{r['records_per_org']:,} records, per-org {r['per_org_limit_per_minute']}/min,"
              f" app {r['app_limit_per_minute']:,}/min, clock x{r['factor']:g}, SYNC_CONCURRENCY={r['concurrency']}")
        print(f"  runs {r['outcomes']}, extra runs {r['runs_beyond_one_per_org']}, API calls {r['api_calls_ok']:,}"
              f" (per org: {r['calls_per_org']})")
        least, cyc = r["least_clock_seconds"], r["cycle_clock_seconds"]
        verdict = "n/a (no least time to be within 10% of)" if not least else (
            f"{r['over_least']:+.1%} over  target <= +{TARGET_OVER:.0%}  {h.verdict(r['over_least'] <= TARGET_OVER)}")
        print(f"  cycle {cyc:,.1f} s clock ({r['cycle_wall_seconds']:.1f} s real); least the limits allow"
              f" {least:,.0f} s clock  {verdict}")
        loop = r["loop"]
        print(f"  429s {r['http_429']}  target 0  {h.verdict(r['http_429'] == 0)}   peak RSS {r['peak_rss_mb']:.0f} MB"
              f" (+ decoder process {r.get('decoder_peak_rss_mb', 0):.0f} MB)"
              f"   longest event-loop block {loop['max_overshoot_ms']:.0f} ms (of which"
              f" {loop['of_which_waiting_for_a_cpu_ms']:.0f} ms with no CPU free), slowest callback"
              f" {loop['slowest_callback_ms']:.0f} ms")
        print(f"  bottleneck: {judge(r, cpu_rate)}")


async def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    phases = {"xero": XERO_PER_APP, "app-bound": args.scaled_app_limit}
    results: dict = {"benchmark": "many_orgs", "machine": h.machine()}
    for name in args.phases.split(","):
        results[name] = await asyncio.wait_for(cycle(args, phases[name]), timeout=args.limit + 300)
    show(results)
    print(f"  -> {h.write_result('many_orgs', results).relative_to(h.ROOT)}")
    return results


if __name__ == "__main__":
    asyncio.run(main())

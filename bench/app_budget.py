"""The cost of sharing the app's minute budget through the store (daemon/xero/pacing.py's SharedAppWindow).

    .venv/bin/python bench/app_budget.py [--database-url postgresql://...] [--callers 40] [--calls 5000]

`--callers` coroutines (the calls a process has waiting: SYNC_CONCURRENCY orgs x up to 5 in flight) each take a
place in the app's budget, "send" a call (a 2 ms sleep standing for the request) and take the next, until
`--calls` calls are made; the budget never binds (a limit of 10^6), so what is measured is the pacing itself.
The same run with the in-process window (what SQLite uses) is the baseline. Prints calls/s, the store's claims
per call, and one claim's latency (p50, p99), for one claim at a time and for three stores claiming at once.
Writes bench/results/app_budget.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import _processes as procs  # noqa: E402

from clock import SystemClock  # noqa: E402
from daemon.core.crypto import Secrets  # noqa: E402
from daemon.xero.pacing import AnsweredWindow, SharedAppWindow  # noqa: E402
from storage import Store  # noqa: E402

LIMIT = 10**6


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="a PostgreSQL server (a fresh schema is used); default a SQLite file")
    p.add_argument("--callers", type=int, default=40)
    p.add_argument("--calls", type=int, default=5000)
    return p.parse_args(argv)


async def drive(window, callers: int, calls: int) -> float:
    """Calls per second through `window`."""
    left = calls

    async def caller() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await window.take()
            await asyncio.sleep(0.002)
            window.answered()

    began = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return calls / (time.perf_counter() - began)


async def claim_latency(stores: list[Store], rounds: int = 300) -> dict:
    clock = SystemClock()
    alone, together = [], []
    for _ in range(rounds):
        began = time.perf_counter()
        await stores[0].app_budget.claim(clock.time(), 10, limit=LIMIT)
        alone.append(time.perf_counter() - began)
    for _ in range(rounds // 3):
        async def timed(store: Store) -> None:
            began = time.perf_counter()
            await store.app_budget.claim(clock.time(), 10, limit=LIMIT)
            together.append(time.perf_counter() - began)

        await asyncio.gather(*(timed(store) for store in stores))
    ms = lambda xs, p: round(h.percentile(xs, p) * 1000, 2)  # noqa: E731
    return {"one_at_a_time_ms": {"p50": ms(alone, 50), "p99": ms(alone, 99)},
            "three_stores_at_once_ms": {"p50": ms(together, 50), "p99": ms(together, 99)}}


async def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    clock = SystemClock()
    with procs.fresh_database(args.database_url) as url:
        stores = [await Store.open(url, Secrets([h.SECRET])) for _ in range(3)]
        try:
            local = await drive(AnsweredWindow(clock, LIMIT, 60.0), args.callers, args.calls)

            async def claim(now: float, want: int):
                return await stores[0].app_budget.claim(now, want, limit=LIMIT)

            shared = SharedAppWindow(clock, claim)
            rate = await drive(shared, args.callers, args.calls)
            latency = await claim_latency(stores)
        finally:
            for store in stores:
                await store.close()
    result = {"benchmark": "app_budget", "machine": h.machine(), "backend": url.split(":", 1)[0],
              "callers": args.callers, "calls": args.calls, "local_calls_per_s": round(local),
              "shared_calls_per_s": round(rate), "claims": shared.claims,
              "calls_per_claim": round(shared.sent / max(1, shared.claims), 1),
              "granted_not_sent": shared.granted - shared.sent, **latency}
    print(f"app budget on {result['backend']}: {args.callers} callers, {args.calls:,} calls (2 ms each)")
    print(f"  in-process window {result['local_calls_per_s']:,} calls/s; shared through the store"
          f" {result['shared_calls_per_s']:,} calls/s with {result['claims']:,} claims"
          f" ({result['calls_per_claim']} calls a claim, {result['granted_not_sent']} granted but not sent)")
    print(f"  one claim: p50 {latency['one_at_a_time_ms']['p50']} ms, p99 {latency['one_at_a_time_ms']['p99']} ms;"
          f" three stores at once: p50 {latency['three_stores_at_once_ms']['p50']} ms,"
          f" p99 {latency['three_stores_at_once_ms']['p99']} ms")
    print(f"  -> {h.write_result('app_budget', result).relative_to(h.ROOT)}")
    return result


if __name__ == "__main__":
    asyncio.run(main())

"""What every benchmark shares: the emulator in its own process, the daemon in this one (create_app on a real
loopback port), the consent flow, and the meters (peak RSS, the longest event-loop block).

Everything listens on and talks to 127.0.0.1 only. Nothing here is imported by the daemon or the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web

from daemon.app import create_app
from daemon.core import heap, logs
from daemon.core.entities import ENTITIES, PAGE_SIZE
from daemon.core.keys import SERVICE, STORE
from daemon.core.settings import Settings
from storage.urls import is_postgres
from xero_emulator.harness import API, EmulatorProcess, daemon_env, free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SECRET = "bench-secret-key"
SIGNING_SECRET = "bench-signing-secret"
BACKLOG = 1024  # the listen backlog `xero-syncd run` uses (daemon/ops/cli.py); aiohttp's own default is 128


class Emulator(EmulatorProcess):
    """`python -m xero_emulator` in its own process (xero_emulator/harness.py), so its cost is not ours and it has
    its own event loop; plus the meters the benchmarks read."""

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the emulator process has used."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        return _status_kb(self.proc.pid, "VmRSS") / 1024


def arguments(doc: str, *, invoices: int = 100_000, contacts: int = 20_000,
              payments: int = 50_000) -> argparse.ArgumentParser:
    """A benchmark's command line, starting with the size of the org the emulator seeds."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--invoices", type=int, default=invoices)
    p.add_argument("--contacts", type=int, default=contacts)
    p.add_argument("--payments", type=int, default=payments)
    p.add_argument("--database-url", metavar="URL", default=None,
                   help="the store: a postgresql://... server (the benchmark uses a fresh schema there and drops it"
                        " afterwards), or by default a fresh SQLite file in a temporary directory")
    return p


def backend_of(database_url: str | None) -> str:
    return "postgres" if database_url and is_postgres(database_url) else "sqlite"


@asynccontextmanager
async def fresh_database(database_url: str | None, data_dir: Path) -> AsyncIterator[str]:
    """A DATABASE_URL with nothing in it: a SQLite file in `data_dir`, or a new schema on the PostgreSQL server
    at `database_url` (its `search_path`), dropped afterwards."""
    if not database_url or not is_postgres(database_url):
        yield database_url or f"sqlite:///{data_dir}/xero-syncd.db"
        return
    import asyncpg

    schema = f"bench_{os.getpid()}_{int(time.time())}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    try:
        # application_name: the server's processes serving this benchmark can be found (postgres_cpu_seconds)
        yield f"{database_url}{'&' if '?' in database_url else '?'}search_path={schema}&application_name={schema}"
    finally:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        finally:
            await conn.close()


def settings_for(emulator_url: str, data_dir: Path, port: int, database_url: str | None = None,
                 **extra: str) -> Settings:
    return Settings.from_env({
        **daemon_env(emulator_url), "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SECRET_KEY": SECRET,
        "SLACK_RESPONSE_URL_PREFIXES": "http://127.0.0.1:",  # the load generator's reply servers, on any port
        "DATABASE_URL": database_url or f"sqlite:///{data_dir}/xero-syncd.db", "HOST": "127.0.0.1", "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}", "LOG_LEVEL": "warning", **extra,
    })


@asynccontextmanager
async def daemon(emulator: Emulator, **create_kwargs) -> AsyncIterator[web.Application]:
    """The daemon's app (`create_app`) served on a free loopback port, over a fresh store (`database_url`: a
    PostgreSQL server to make a schema on; by default a SQLite file), as `xero-syncd run` serves it; `extra_env`
    adds settings, `backlog` sets the listen backlog."""
    logs.configure("warning", json=True)
    extra = create_kwargs.pop("extra_env", {})
    backlog = create_kwargs.pop("backlog", BACKLOG)
    database_url = create_kwargs.pop("database_url", None)
    with tempfile.TemporaryDirectory(prefix="xero-syncd-bench-") as data:
        async with fresh_database(database_url, Path(data)) as url, _served(emulator, Path(data), url, extra,
                                                                             backlog, create_kwargs) as app:
            yield app


@asynccontextmanager
async def _served(emulator: Emulator, data: Path, url: str, extra: dict, backlog: int,
                  create_kwargs: dict) -> AsyncIterator[web.Application]:
    port = free_port()
    app = create_app(settings_for(emulator.url, data, port, url, **extra), **create_kwargs)
    app.on_startup.append(heap.settle)  # as `xero-syncd run` does
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=backlog).start()
    app["bench_url"] = f"http://127.0.0.1:{port}"
    try:
        yield app
    finally:
        await runner.cleanup()


async def connect(app: web.Application) -> str:
    """Follow a signed /xero auth link through the emulator's auto-approving consent back to our callback."""
    link = app[SERVICE].connect_link("U_BENCH")
    async with aiohttp.ClientSession() as session:
        async with session.get(link, timeout=aiohttp.ClientTimeout(total=120)) as resp:
            text = await resp.text()
            if resp.status != 200:
                raise RuntimeError(f"connect failed: HTTP {resp.status}: {text[:300]}")
            return text


async def wait_for_runs(app: web.Application, tenant_ids: list[str], *, limit: float, runs_before: int = 0,
                        every: float = 0.1) -> list:
    """Wait until every org has a finished run newer than run id `runs_before`; each org's first such run.

    Polls one COUNT query (not a query per org: with 200 orgs that would load the reader it measures)."""
    store = app[STORE]
    deadline = time.monotonic() + limit
    sql = ("SELECT COUNT(DISTINCT tenant_id) AS n FROM runs WHERE id > ? AND outcome != 'running'"
           f" AND tenant_id IN (SELECT value FROM {store.db.json_values})")
    wanted = json.dumps(tenant_ids)
    while (await store.db.fetchone(sql, (runs_before, wanted)))["n"] < len(tenant_ids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not every org finished syncing within {limit} s")
        await asyncio.sleep(every)
    firsts = await store.db.fetchall(
        "SELECT tenant_id, MIN(id) AS id FROM runs WHERE id > ? AND outcome != 'running' GROUP BY tenant_id",
        (runs_before,))
    by_tenant = {row["tenant_id"]: row["id"] for row in firsts}
    return [await store.runs.get(by_tenant[t]) for t in tenant_ids]


async def run_count(app: web.Application) -> int:
    return (await app[STORE].db.fetchone("SELECT COUNT(*) AS n FROM runs"))["n"]


def unpaced_pacer(clock=None):
    """A Pacer whose minute budgets never bind (the emulator runs without --limits): what the daemon itself can
    do, rather than what Xero's 60 calls a minute per org allow. Xero's 5 calls in flight per org stay."""
    from clock import SystemClock
    from daemon.xero.pacing import Pacer

    return Pacer(clock or SystemClock(), per_minute=10**9, app_per_minute=10**9)


def least_time_under_limits(calls_per_org: list[int], *, per_org: int = 60, per_app: int = 10_000,
                            minute: float = 60.0) -> float:
    """The least time (clock seconds from the first call to the last call's start) that rolling-window limits
    allow: with at most L calls in any window of `minute`, N calls need floor((N - 1) / L) full windows."""
    org_bound = max((max(0, n - 1) // per_org for n in calls_per_org), default=0) * minute
    app_bound = max(0, sum(calls_per_org) - 1) // per_app * minute
    return float(max(org_bound, app_bound))


def minimum_calls(counts: dict[str, int], entities: tuple[str, ...]) -> dict[str, int]:
    """The fewest API calls a sync from empty can make: ceil(records / pageSize) per paged entity (at least one:
    an empty entity is still asked), one per unpaged entity."""
    return {name: max(1, math.ceil(counts.get(name, 0) / PAGE_SIZE)) if ENTITIES[name].paged else 1
            for name in entities}


def calls_by_entity(calls: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for call in calls:
        name = call["path"][len(API):].split("/")[0]
        out[name] = out.get(name, 0) + 1
    return out


# -- meters ------------------------------------------------------------------------------------------------------
def _status_kb(pid: int | str, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_rss_mb() -> float:
    """This process's peak resident set since start or the last `reset_peak_rss()` (VmHWM; without /proc, the
    lifetime peak ru_maxrss)."""
    try:
        return _status_kb("self", "VmHWM") / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def postgres_cpu_seconds(app: web.Application) -> float | None:
    """CPU time used so far by the PostgreSQL server processes serving this daemon's connections (found by the
    application_name `fresh_database` gives them; the server must run on this machine); None on SQLite."""
    store = app[STORE]
    if store.db.dialect != "postgres":
        return None
    rows = await store.db.fetchall("SELECT pid FROM pg_stat_activity WHERE application_name = current_setting("
                                   "'application_name') AND application_name <> ''")
    total = 0.0
    for row in rows:
        try:
            with open(f"/proc/{row['pid']}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def decoder_peak_rss_mb() -> float:
    """Peak resident set of the daemon's page-decoder process (`daemon/xero/decoding.py`); 0 if none started."""
    from daemon.xero import decoding

    pool = decoding._pool
    total = 0.0
    for pid in (getattr(pool, "_processes", None) or {}) if pool is not None else {}:
        try:
            total += _status_kb(str(pid), "VmHWM") / 1024
        except OSError:
            pass
    return total


def reset_peak_rss() -> bool:
    """Start the VmHWM high-water mark afresh (Linux: write 5 to clear_refs); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class LoopMonitor:
    """The longest time the event loop was blocked, two ways (debug mode stays off):

    - a task that sleeps 5 ms in a loop and records the largest overshoot (what any coroutine waiting on the loop
      would have felt);
    - every callback the loop runs is timed (what asyncio's debug-mode `slow_callback_duration` reports, without
      debug mode's other costs), keeping the slowest with its name, so a block can be traced to its cause.
    """

    TICK = 0.005

    def __init__(self) -> None:
        self.max_overshoot = 0.0
        self.worst_cpu_wait = 0.0  # of the worst overshoot: time the loop's thread was runnable but had no CPU
        self.slowest: list[tuple[float, str]] = []
        self._task: asyncio.Task | None = None
        self._orig_run = None

    def start(self) -> "LoopMonitor":
        self._task = asyncio.create_task(self._tick(), name="bench-loop-monitor")
        self._patch()
        return self

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, waited = loop.time(), _run_delay()
            await asyncio.sleep(self.TICK)
            overshoot = loop.time() - before - self.TICK
            if overshoot > self.max_overshoot:
                self.max_overshoot = overshoot
                self.worst_cpu_wait = _run_delay() - waited

    def _patch(self) -> None:
        handle_cls = asyncio.events.Handle
        self._orig_run = orig = handle_cls._run
        monitor = self
        clock = time.perf_counter

        def timed_run(handle):
            began = clock()
            orig(handle)
            took = clock() - began
            if took > 0.010:
                monitor._note(took, handle)

        handle_cls._run = timed_run

    def _note(self, took: float, handle) -> None:
        self.slowest.append((took, _describe(handle)))
        self.slowest.sort(key=lambda x: -x[0])
        del self.slowest[5:]

    async def stop(self) -> None:
        if self._orig_run is not None:
            asyncio.events.Handle._run = self._orig_run
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def report(self) -> dict:
        return {"max_overshoot_ms": round(self.max_overshoot * 1000, 1),
                "of_which_waiting_for_a_cpu_ms": round(self.worst_cpu_wait * 1000, 1),
                "slowest_callback_ms": round(self.slowest[0][0] * 1000, 1) if self.slowest else 0.0,
                "slowest_callbacks": [{"ms": round(t * 1000, 1), "what": w} for t, w in self.slowest]}


def _run_delay() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat); 0 where unavailable."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _describe(handle) -> str:
    cb = getattr(handle, "_callback", None)
    owner = getattr(cb, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f"{frame.f_code.co_filename.rsplit('/', 2)[-2:]}:{frame.f_lineno}" if frame else ""
        return f"task {owner.get_name()} {getattr(coro, '__qualname__', coro)} {where}"
    return repr(cb)[:160]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


async def measured(name: str, emulator: Emulator, work: Awaitable[dict], show: Callable[[dict], None], *,
                   limit: float) -> dict:
    """Await a benchmark's `work` (at most `limit` real seconds), stop its emulator, print and save the figures."""
    try:
        result = await asyncio.wait_for(work, timeout=limit)
    finally:
        emulator.stop()
    show(result)
    print(f"  -> {write_result(name, result).relative_to(ROOT)}")
    return result


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    return path


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform}


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"

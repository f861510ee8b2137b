"""Three `xero-syncd run` processes on one PostgreSQL database, the emulator with 30 orgs in its own process: the
database is the only coordinator. One cycle in which every org falls due at once (the worst contention) is synced
exactly once per org, never twice at the same time, with one token refresh for the grant whose token Xero expired
and one alert per failing org. Then one process is SIGKILLed mid-cycle: its orgs are taken over by the others once
their leases run out, and nothing is lost or stored twice.

Real processes and real time: waits poll the database and the fake Slack for what must happen, bounded by limits.
"""

from __future__ import annotations

import asyncio
import signal
import time

import asyncpg
import pytest

from storage.runs import ORPHANED
from tests.fakes.slack import FakeSlack
from tests.processes import DaemonProcess, EmulatorProcess

pytestmark = pytest.mark.timeout(240)

ORGS = 30
LEASE = 5  # seconds: how soon the others take over the orgs of a killed process
CHANNEL = "C_ALERTS"


async def poll(check, *, what: str, limit: float = 60.0):
    """Await a real-world condition (other processes' work) until it holds; fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def cluster(postgres_url, tmp_path):
    emulator = EmulatorProcess("--orgs", str(ORGS), "--invoices", "30", "--contacts", "10", "--payments", "10")
    slack = await FakeSlack().start()
    # Slots a month apart: no org's own slot comes during the test, only the cycles the test makes due at once
    settings = {"DATABASE_URL": postgres_url, "SYNC_INTERVAL": str(30 * 86400), "SYNC_LEASE": str(LEASE),
                "SYNC_CONCURRENCY": "3", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url,
                "SLACK_ALERT_CHANNEL": CHANNEL, "LOG_LEVEL": "info"}
    daemons = [DaemonProcess(emulator, tmp_path, log=tmp_path / f"daemon{i}.log", **settings) for i in range(3)]
    db = await asyncpg.connect(postgres_url)
    try:
        for daemon in daemons:
            daemon.start(wait=False)
        for daemon in daemons:
            await asyncio.to_thread(_healthy, daemon)
        yield emulator, slack, daemons, db
    finally:
        for daemon in daemons:
            if daemon.proc and daemon.proc.poll() is None:
                daemon.kill(signal.SIGTERM)
        await db.close()
        await slack.close()
        emulator.stop()


def _healthy(daemon: DaemonProcess) -> None:
    from tests.processes import _get, until

    until(lambda: _get(daemon.url + "/healthz") == 200, what="daemon healthz", limit=60)


async def test_three_daemons_share_the_orgs_and_take_over_from_one_that_dies(cluster):
    emulator, slack, daemons, db = cluster
    tenants = [t["tenant_id"] for t in emulator.control("/_control/tenants")]
    await asyncio.to_thread(daemons[0].connect)  # one consent reaches all 30 orgs
    await poll(lambda: _count(db, "SELECT count(DISTINCT tenant_id) FROM runs WHERE outcome = 'success'", ORGS),
               what="every org's first sync")
    await poll(lambda: _idle(db), what="the first syncs to finish")

    # -- one cycle: every org due at once, the grant's access token expired by Xero, three orgs failing ---------
    failing = tenants[:3]
    for tenant in failing:
        emulator.control("/_control/faults", "POST", {"kind": "500", "tenant_id": tenant, "fraction": 1.0})
    emulator.control("/_control/grants/expire", "POST", {})
    # Xero answers the refresh slowly: every process meets the expired token meanwhile, and must wait for it
    emulator.control("/_control/faults", "POST", {"kind": "refresh_slow", "delay": 1.0, "count": 1})
    emulator.control("/_control/calls", "DELETE")
    posted_before = len(slack.posts)  # the "Xero connected" announcement
    cycle = await _make_all_due(db)
    await poll(lambda: _runs_since(db, cycle, ORGS), what="one run of every org", limit=120)
    await poll(lambda: _idle(db), what="the cycle to finish")
    await poll(lambda: _count(db, "SELECT count(*) FROM slack_outbox", 0, exact=True), what="alerts sent")

    by_org = _group(await _runs_since(db, cycle, 0))
    assert sorted(by_org) == sorted(tenants)
    twice = {t: [(r["id"], r["trigger"], r["started_at"], r["finished_at"], r["owner"]) for r in runs]
             for t, runs in by_org.items() if len(runs) != 1}
    assert not twice, f"synced more than once in one cycle (cycle at {cycle}): {twice}"
    assert {t for t, [r] in by_org.items() if r["outcome"] == "failed"} == set(failing)
    assert all(r["outcome"] == "success" for t, [r] in by_org.items() if t not in failing)
    assert not _overlaps(await _all_runs(db)), "an org synced by two processes at the same time"
    refreshes = [c for c in emulator.control("/_control/calls") if c["path"].endswith("/connect/token")]
    assert len(refreshes) == 1, f"{len(refreshes)} token refreshes for one grant"
    alerts = [p for p in slack.posts[posted_before:] if not p.body.get("thread_ts")]
    episodes = await db.fetch("SELECT tenant_id, message_ts FROM alert_episodes WHERE closed_at IS NULL")
    assert sorted(e["tenant_id"] for e in episodes) == sorted(failing)
    assert sorted(p.ts for p in alerts) == sorted(e["message_ts"] for e in episodes), "not one alert per failing org"
    owners = {r[0]["owner"] for r in by_org.values()}
    assert len(owners) >= 2, f"the work was not shared: {owners}"

    # -- the next cycle: a process is killed while it syncs; the others take its orgs over after the lease --------
    emulator.control("/_control/faults", "DELETE")
    emulator.control("/_control/faults", "POST", {"kind": "slow", "entity": "Invoices", "fraction": 1.0,
                                                 "delay": 1.5})
    second = await _make_all_due(db)
    victim = daemons[1]
    pid = f":{victim.proc.pid}:"
    await poll(lambda: _count(db, "SELECT count(*) FROM orgs o JOIN runs r USING (tenant_id) WHERE r.outcome ="
                              f" 'running' AND o.lease_owner LIKE '%{pid}%'", 1), what="the victim mid-sync")
    victim.kill(signal.SIGKILL)
    killed_at = time.time()
    taken = {r["tenant_id"] for r in await db.fetch(
        "SELECT tenant_id FROM orgs WHERE lease_owner LIKE $1", f"%{pid}%")}
    assert taken
    emulator.control("/_control/faults", "DELETE")
    await poll(lambda: _count(db, f"SELECT count(DISTINCT tenant_id) FROM runs WHERE started_at >= {second} AND"
                              " outcome = 'success'", ORGS), what="every org synced after the kill", limit=120)
    await poll(lambda: _idle(db), what="the second cycle to finish")

    by_org = _group(await _runs_since(db, second, 0))
    for tenant, runs in by_org.items():
        outcomes = [r["outcome"] for r in runs]
        if tenant in taken:  # the killed process's run, recorded as interrupted by the one that took over
            assert outcomes == ["interrupted", "success"], (tenant, outcomes)
            assert runs[0]["error"] == ORPHANED
            assert runs[1]["started_at"] >= killed_at + LEASE - 1, "taken over before the lease ran out"
        else:
            assert outcomes == ["success"], (tenant, outcomes)
    assert not _overlaps(await _all_runs(db)), "an org synced by two processes at the same time"
    held = {t["tenant_id"]: t["counts"] for t in emulator.control("/_control/tenants")}
    for tenant in tenants:
        stored = {r["entity"]: r["n"] for r in await db.fetch(
            "SELECT entity, count(*) AS n FROM records WHERE tenant_id = $1 GROUP BY entity", tenant)}
        assert stored["Invoices"] == held[tenant]["Invoices"] and stored["Contacts"] == held[tenant]["Contacts"]


# -- reading the shared database ---------------------------------------------------------------------------------
async def _count(db, sql: str, want: int, *, exact: bool = False) -> bool:
    n = await db.fetchval(sql)
    return n == want if exact else n >= want


async def _idle(db) -> bool:
    """No run in progress and no lease held: every process is waiting for the next slot."""
    return await db.fetchval("SELECT count(*) FROM runs WHERE outcome = 'running'") == 0 and \
        await db.fetchval("SELECT count(*) FROM orgs WHERE lease_owner IS NOT NULL") == 0


async def _make_all_due(db) -> float:
    """Every org's slot comes now (as at the top of an hour for orgs sharing a phase); the cycle's start."""
    now = time.time()
    await db.execute("UPDATE orgs SET next_sync_at = $1", now)
    return now


async def _runs_since(db, since: float, at_least: int) -> list | None:
    rows = await db.fetch("SELECT * FROM runs WHERE started_at >= $1 ORDER BY id", since)
    return rows if len({r["tenant_id"] for r in rows}) >= at_least else None


async def _all_runs(db) -> list:
    return await db.fetch("SELECT * FROM runs ORDER BY id")


def _group(runs) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for run in runs:
        grouped.setdefault(run["tenant_id"], []).append(run)
    return grouped


def _overlaps(runs) -> list:
    """Pairs of runs of one org whose [started, finished] intervals overlap."""
    found = []
    for tenant, each in _group(runs).items():
        spans = sorted((r["started_at"], r["finished_at"] or float("inf"), r["id"]) for r in each)
        found += [(tenant, a[2], b[2]) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    return found

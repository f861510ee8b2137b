"""Three `xero-syncd run` processes on one PostgreSQL database, the emulator with 30 orgs in its own process: the
database is the only coordinator. One cycle in which every org falls due at once (the worst contention) is synced
exactly once per org, never twice at the same time, with one token refresh for the grant whose token Xero expired
and one alert per failing org. Then one process is SIGKILLed mid-cycle: its orgs are taken over by the others once
their leases run out, and nothing is lost or stored twice.

Real processes and real time: waits poll the database and the fake Slack for what must happen, bounded by limits.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from contextlib import asynccontextmanager
from urllib.parse import urlencode, urlsplit

import aiohttp
import asyncpg
import pytest
from slack_sdk.signature import SignatureVerifier

from daemon.core.crypto import Secrets
from storage.runs import ORPHANED
from tests.fakes.slack import FakeSlack
from tests.processes import SECRET, DaemonProcess, start_all
from tests.test_webhooks import payload as webhook_payload
from tests.test_webhooks import sign as webhook_sign
from tests.waiting import eventually
from xero_emulator.harness import EmulatorProcess

WEBHOOK_KEY = "replica-webhook-key"

pytestmark = pytest.mark.timeout(240)

ORGS = 30
LEASE = 5  # seconds: how soon the others take over the orgs of a killed process
CHANNEL = "C_ALERTS"


@asynccontextmanager
async def replicas(postgres_url: str, tmp_path, n: int, orgs: int, **extra: str):
    """The emulator with `orgs` orgs, a fake Slack, and `n` daemons on one database behind one PUBLIC_URL (the
    first daemon's, as a load balancer would give them)."""
    emulator = EmulatorProcess("--strict-requests", "--orgs", str(orgs), "--invoices", "30", "--contacts", "10",
                               "--payments", "10")
    slack = await FakeSlack().start()
    # Slots a month apart: no org's own slot comes during the test, only the cycles the test makes due at once
    settings = {"DATABASE_URL": postgres_url, "SYNC_INTERVAL": str(30 * 86400), "SYNC_LEASE": str(LEASE),
                "SYNC_CONCURRENCY": "3", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url,
                "SLACK_RESPONSE_URL_PREFIXES": slack.response_prefix,
                "SLACK_ALERT_CHANNEL": CHANNEL, "LOG_LEVEL": "info", **extra}
    daemons = [DaemonProcess(emulator, tmp_path, log=tmp_path / f"daemon{i}.log", **settings) for i in range(n)]
    for daemon in daemons[1:]:
        daemon.env["PUBLIC_URL"] = daemons[0].url
    db = await asyncpg.connect(postgres_url)
    try:
        await start_all(daemons)
        yield emulator, slack, daemons, db
    finally:
        for daemon in daemons:
            if daemon.proc and daemon.proc.poll() is None:
                daemon.kill(signal.SIGTERM)
        await db.close()
        await slack.close()
        emulator.stop()


@pytest.fixture
async def cluster(postgres_url, tmp_path):
    async with replicas(postgres_url, tmp_path, 3, ORGS) as running:
        yield running


async def test_three_daemons_share_the_orgs_and_take_over_from_one_that_dies(cluster):
    emulator, slack, daemons, db = cluster
    tenants = [t["tenant_id"] for t in emulator.control("/_control/tenants")]
    await asyncio.to_thread(daemons[0].connect)  # one consent reaches all 30 orgs
    await eventually(lambda: _count(db, "SELECT count(DISTINCT tenant_id) FROM runs WHERE outcome = 'success'", ORGS),
                     "every org's first sync", timeout=60)
    await eventually(lambda: _idle(db), "the first syncs to finish", timeout=60)

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
    await eventually(lambda: _runs_since(db, cycle, ORGS), "one run of every org", timeout=120)
    await eventually(lambda: _idle(db), "the cycle to finish", timeout=60)
    await eventually(lambda: _count(db, "SELECT count(*) FROM outbox", 0, exact=True), "alerts sent", timeout=60)

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
    alerts = [p for p in slack.posts[posted_before:] if not p.body.get("thread_ts")
              and not p.text.startswith(":tada: First sync")]  # the first syncs' news may still be arriving
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
    await eventually(lambda: _count(db, "SELECT count(*) FROM orgs o JOIN runs r USING (tenant_id) WHERE r.outcome ="
                              f" 'running' AND o.lease_owner LIKE '%{pid}%'", 1), "the victim mid-sync", timeout=60)
    victim.kill(signal.SIGKILL)
    killed_at = time.time()
    leased = {r["tenant_id"] for r in await db.fetch(
        "SELECT tenant_id FROM orgs WHERE lease_owner LIKE $1", f"%{pid}%")}
    taken = {r["tenant_id"] for r in await db.fetch(  # leased and mid-run (an org just claimed has no run yet)
        "SELECT DISTINCT tenant_id FROM runs WHERE outcome = 'running' AND started_at >= $1 AND tenant_id = ANY($2)",
        second, list(leased))}
    assert taken
    emulator.control("/_control/faults", "DELETE")
    await eventually(lambda: _count(db, f"SELECT count(DISTINCT tenant_id) FROM runs WHERE started_at >= {second} AND"
                              " outcome = 'success'", ORGS), "every org synced after the kill", timeout=120)
    await eventually(lambda: _idle(db), "the second cycle to finish", timeout=60)

    by_org = _group(await _runs_since(db, second, 0))
    for tenant, runs in by_org.items():
        outcomes = [r["outcome"] for r in runs]
        if tenant in taken:  # the killed process's run, recorded as interrupted by the one that took over
            assert outcomes == ["interrupted", "success"], (tenant, outcomes)
            assert runs[0]["error"] == ORPHANED
            assert runs[1]["started_at"] >= killed_at + LEASE - 1, "taken over before the lease ran out"
        else:
            assert outcomes == ["success"], (tenant, outcomes)
            if tenant in leased:  # claimed by the killed process before its run began: taken over after the lease
                assert runs[0]["started_at"] >= killed_at + LEASE - 1, "taken over before the lease ran out"
    assert not _overlaps(await _all_runs(db)), "an org synced by two processes at the same time"
    held = {t["tenant_id"]: t["counts"] for t in emulator.control("/_control/tenants")}
    for tenant in tenants:
        stored = {r["entity"]: r["n"] for r in await db.fetch(
            "SELECT entity, count(*) AS n FROM records WHERE tenant_id = $1 GROUP BY entity", tenant)}
        assert stored["Invoices"] == held[tenant]["Invoices"] and stored["Contacts"] == held[tenant]["Contacts"]


async def test_any_replica_takes_any_request(postgres_url, tmp_path):
    """Consent started on one replica and answered on another; a webhook delivered to one and redelivered to the
    other; `/xero sync` asked of one replica while the other syncs that org."""
    async with replicas(postgres_url, tmp_path, 2, 2, XERO_WEBHOOK_KEY=WEBHOOK_KEY) as (emulator, slack, daemons, db):
        first, second = daemons
        async with aiohttp.ClientSession() as http:
            callback = await _consent_callback(http, first)
            async with http.get(f"{second.url}/oauth/callback?{callback}") as page:  # the state is in the database
                assert page.status == 200 and "Xero is connected" in await page.text()
            async with http.get(f"{first.url}/oauth/callback?{callback}") as replay:  # and single use everywhere
                assert replay.status == 400
            await eventually(lambda: _count(db, "SELECT count(*) FROM runs WHERE outcome = 'success'", 2),
                             "the first syncs", timeout=60)
            await eventually(lambda: _idle(db), "the first syncs to finish", timeout=60)
            tenant = (await db.fetch("SELECT tenant_id FROM orgs ORDER BY tenant_id"))[0]["tenant_id"]

            event = webhook_payload(tenant)
            for daemon in daemons:  # delivered, then redelivered to the other replica
                async with http.post(f"{daemon.url}/webhooks/xero", data=event,
                                     headers={"x-xero-signature": webhook_sign(event, WEBHOOK_KEY)}) as resp:
                    assert resp.status == 200
            await eventually(lambda: _count(db, "SELECT count(*) FROM runs WHERE trigger = 'webhook' AND outcome ="
                                      " 'success'", 1), "the webhook's sync", timeout=60)
            queued = [_logged(d, "webhook.received")[-1]["queued"] for d in daemons]
            assert sorted(queued) == [0, 1], queued  # one replica queued the event; the other knew it already
            # the run is recorded before its lease is given back (with the next slot): wait for that too
            await eventually(lambda: _idle(db), "the webhook's sync to give its lease back", timeout=60)

            emulator.control("/_control/faults", "POST", {"kind": "slow", "tenant_id": tenant, "entity": "Invoices",
                                                         "count": 1, "delay": 3})
            await db.execute("UPDATE orgs SET next_sync_at = $1 WHERE tenant_id = $2", time.time(), tenant)
            holder = await eventually(lambda: db.fetchval("SELECT lease_owner FROM orgs WHERE tenant_id = $1", tenant),
                                      "a replica to take the org's sync", timeout=60)
            other = next(d for d in daemons if f":{d.proc.pid}:" not in holder)
            response_url, tag = slack.response_url()
            body = urlencode({"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/xero",
                              "text": f"sync {tenant}", "response_url": response_url, "trigger_id": "1.2.3"})
            stamp = str(int(time.time()))
            signature = SignatureVerifier("s").generate_signature(timestamp=stamp, body=body)
            async with http.post(f"{other.url}/slack/events", data=body, headers={
                    "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded"}) as ack:
                assert ack.status == 200
            await eventually(lambda: bool(slack.responses(tag)), "the sync's answer", timeout=60)
        runs = await db.fetch("SELECT * FROM runs WHERE tenant_id = $1 AND trigger IN ('schedule', 'manual')"
                              " ORDER BY id", tenant)
        assert [(r["trigger"], r["outcome"]) for r in runs] == [("schedule", "success"), ("manual", "success")]
        assert runs[1]["started_at"] >= runs[0]["finished_at"]  # waited for the other replica's run to end
        assert runs[0]["owner"] == holder and runs[1]["owner"] != holder
        assert "synced" in slack.responses(tag)[-1].text.lower()


async def _consent_callback(http, daemon: DaemonProcess) -> str:
    """Start consent on `daemon` and pass the emulator's auto-approving consent: the callback's query string."""
    token = Secrets([SECRET]).sign_link({"kind": "connect", "user": "U1", "nonce": "n1"}, now=time.time())
    async with http.get(f"{daemon.url}/oauth/start?link={token}", allow_redirects=False) as start:
        assert start.status == 302
        authorize = start.headers["Location"]
    async with http.get(authorize, allow_redirects=False) as consent:
        assert consent.status == 302
        return urlsplit(consent.headers["Location"]).query


def _logged(daemon: DaemonProcess, event: str) -> list[dict]:
    lines = [line for line in daemon.log.read_text().splitlines() if line.startswith("{")]  # JSON log lines
    return [entry for entry in map(json.loads, lines) if entry.get("event") == event]


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

"""Three `xero-syncd run` processes on one PostgreSQL store share one app budget: the emulator's app-wide limit
scaled down (XERO_APP_MINUTE_LIMIT on both sides) so that the orgs' demand is several minutes of it, every process
on the emulator's compressed clock. Xero (the emulator's call log) sees no 429, every org is synced, and no rolling
minute held more than the limit, while the budget was used (the limit set the pace).

Real processes and real time: waits poll the database, bounded by limits.
"""

from __future__ import annotations

import asyncio
import signal

import asyncpg
import pytest

from tests.processes import DaemonProcess, emulator_clock, start_all
from tests.waiting import eventually
from xero_emulator.harness import EmulatorProcess

pytestmark = pytest.mark.timeout(240)

ORGS = 9
APP_LIMIT = 30  # calls a minute across the app (Xero's: 10,000)
FACTOR = 6.0  # a clock minute lasts 10 s real
MINUTE = 60.0


def busiest_minute(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for u in times if t - MINUTE < u <= t) for t in times), default=0)


async def test_three_replicas_share_the_app_budget_and_meet_no_429(postgres_url, tmp_path):
    emulator = EmulatorProcess("--strict-requests", "--orgs", str(ORGS), "--invoices", "30", "--contacts", "10",
                               "--payments", "10", "--limits", "--app-minute-limit", str(APP_LIMIT),
                               "--clock-factor", str(FACTOR))
    clock = emulator_clock(emulator, FACTOR)
    settings = {"DATABASE_URL": postgres_url, "XERO_APP_MINUTE_LIMIT": str(APP_LIMIT), "SYNC_CONCURRENCY": "3",
                "SYNC_INTERVAL": str(30 * 86400), "LOG_LEVEL": "info"}
    daemons = [DaemonProcess(emulator, tmp_path, log=tmp_path / f"daemon{i}.log", clock=clock, **settings)
               for i in range(3)]
    db = await asyncpg.connect(postgres_url)
    try:
        await start_all(daemons)
        emulator.clear_calls()
        await asyncio.to_thread(daemons[0].connect)  # one consent reaches every org; all are due at once
        await eventually(lambda: _synced(db), "every org's first sync", timeout=180, every=0.2)

        calls = emulator.api_calls()
        assert [c for c in calls if c["status"] == 429] == []
        ok = [c["time"] for c in calls if c["status"] == 200]
        assert len(ok) > 3 * APP_LIMIT  # the demand: more than three minutes of the app's budget
        assert busiest_minute(ok) <= APP_LIMIT
        assert busiest_minute(ok) >= APP_LIMIT * 0.8  # the budget was used: the limit, not the daemons, set the pace
        owners = {r["owner"] for r in await db.fetch("SELECT owner FROM runs WHERE outcome = 'success'")}
        assert len(owners) >= 2, f"the work was not shared: {owners}"
        assert await db.fetchval("SELECT sum(used) FROM app_budget") >= len(ok)  # every call was claimed
    finally:
        for daemon in daemons:
            if daemon.proc and daemon.proc.poll() is None:
                daemon.kill(signal.SIGTERM)
        await db.close()
        emulator.stop()


async def _synced(db) -> bool:
    return await db.fetchval("SELECT count(DISTINCT tenant_id) FROM runs WHERE outcome = 'success'") == ORGS and \
        await db.fetchval("SELECT count(*) FROM runs WHERE outcome = 'running'") == 0

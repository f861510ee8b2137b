"""Pacing: several orgs synced with the emulator enforcing Xero's limits see zero 429s, and no org goes over its
minute budget. The limits are scaled down (8 a minute per org, 20 across the app) so a few orgs of small data
reach them; the fake clock jumps over the waits."""

import pytest

from daemon.xero.pacing import Pacer
from xero_emulator import EmulatorConfig

PER_ORG, PER_APP, MINUTE = 8, 20, 60.0


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=3, auto_approve=True, limits_enabled=True, minute_limit=PER_ORG,
                          app_minute_limit=PER_APP, minute_seconds=MINUTE)


def busiest_window(times: list[float]) -> int:
    """The most calls in any rolling minute."""
    times = sorted(times)
    return max((sum(1 for u in times if t - MINUTE < u <= t) for t in times), default=0)


async def test_several_orgs_sync_under_the_limits_with_no_429(make_daemon, emulator, clock):
    daemon = await make_daemon(pacer=Pacer(clock, per_minute=PER_ORG, app_per_minute=PER_APP, minute=MINUTE))
    await daemon.connect(emulator)
    await daemon.advance(600)  # the pacing's waits

    calls = emulator.api_calls()
    assert [c for c in calls if c.status == 429] == []
    for tenant in emulator.state.tenants:
        mine = [c.time for c in emulator.api_calls(tenant.tenant_id)]
        assert len(mine) >= 11 and busiest_window(mine) <= PER_ORG
        assert (await daemon.store.runs.latest(tenant.tenant_id)).outcome == "success"
    assert busiest_window([c.time for c in calls]) <= PER_APP
    span = max(c.time for c in calls) - min(c.time for c in calls)
    assert span >= MINUTE  # 33 calls at 20 a minute cannot be done inside one minute: the pacing waited

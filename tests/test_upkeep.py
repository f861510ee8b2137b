"""The grants' upkeep: a grant whose orgs never sync (disabled) is kept alive past Xero's 60 days and checked once a
day (one /connections call per grant), and the keep-alive refreshes a grant not refreshed for GRANT_KEEPALIVE_DAYS
even while its access token is still good. The schedule never lets a grant go longer than that without a refresh."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.core.keys import UPKEEP
from daemon.sync.upkeep import CHECK_EVERY, DAY, keepalive_due, next_upkeep
from tests.support import days_later
from xero_emulator import EmulatorConfig


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True)


def token_calls(emulator) -> list:
    return [c for c in emulator.state.calls if c.path.endswith("/connect/token") and c.status == 200]


def connection_checks(emulator) -> list:
    return [c for c in emulator.state.calls if c.path.lower() == "/connections" and c.method == "GET"]


async def test_a_disabled_orgs_grant_is_alive_45_days_later_and_syncs_without_reauthorization(
        make_daemon, settings, emulator):
    # With PostgreSQL the scheduler looks for other processes' orgs every SYNC_LEASE: an hour keeps 45 days quick
    daemon = await make_daemon(settings_=replace(settings, sync_lease=3600))
    tenant = emulator.state.tenants[0].tenant_id
    await daemon.connect(emulator)
    # its first sync, to its end (the next deadline may be the lease keeper's, a third of SYNC_LEASE away)
    await daemon.finish(daemon.service.sync(tenant), horizon=3600)
    await daemon.service.set_enabled(tenant, False)
    connected_at = daemon.clock.time()
    emulator.state.clear_calls()

    await days_later(daemon, 45)

    assert emulator.api_calls(tenant) == []  # disabled: never synced meanwhile
    assert len(connection_checks(emulator)) == 45  # one light check a day for the one grant
    refreshes = token_calls(emulator)
    assert refreshes and max(c.time for c in refreshes) > connected_at + 44 * DAY  # the token endpoint saw them
    [grant] = emulator.state.grants.grants.values()  # Xero's side: its refresh token is a day old, not 45
    assert daemon.clock.time() - grant.refresh_issued <= DAY and not grant.revoked
    org = await daemon.store.orgs.get(tenant)
    assert not org.needs_reauth and org.last_error is None

    await daemon.service.set_enabled(tenant, True)  # the org is long due: it syncs at once
    for _ in range(10):  # minutes of clock time, for what waits on it (pacing, a refresh, a retry)
        await daemon.advance(60)
        run = await daemon.store.runs.latest(tenant)
        if run.outcome != "running":
            break
    assert run.started_at >= connected_at + 45 * DAY and run.trigger == "schedule"
    assert run.outcome == "success", run.error


async def test_the_keep_alive_refreshes_a_grant_not_refreshed_for_the_setting_even_with_a_live_token(
        daemon, emulator, log_lines):
    await daemon.connect(emulator)
    await daemon.finish(daemon.service.sync(emulator.state.tenants[0].tenant_id))
    [org] = await daemon.store.orgs.list()
    now = daemon.clock.time()
    await _age(daemon, org.grant_id, refreshed_days_ago=29)
    emulator.state.clear_calls()
    daemon.app[UPKEEP].wake()
    await daemon.settled()
    assert token_calls(emulator) == [] and len(connection_checks(emulator)) == 1  # the access token still serves

    await _age(daemon, org.grant_id, refreshed_days_ago=30)  # GRANT_KEEPALIVE_DAYS (30) without a refresh
    daemon.app[UPKEEP].wake()
    await daemon.settled()
    assert len(token_calls(emulator)) == 1 and len(connection_checks(emulator)) == 2
    life = await daemon.store.grants.life(org.grant_id)
    assert life.refreshed_at == now and life.checked_at == now and life.upkeep_at == now + CHECK_EVERY
    logged = log_lines()
    assert '"event": "upkeep.grant_kept_alive"' in logged and '"event": "upkeep.grant_checked"' in logged
    [grant] = emulator.state.grants.grants.values()
    stored = (await daemon.store.grants.get(org.grant_id)).tokens
    for secret in (grant.refresh_token, *grant.previous, stored.access_token, stored.refresh_token):
        assert secret not in logged  # tokens never reach a log line


async def _age(daemon, grant_id: int, *, refreshed_days_ago: float) -> None:
    """Make the grant's upkeep due now, its last refresh that long ago."""
    now = daemon.clock.time()
    async with daemon.store.transaction() as tx:
        await tx.execute("UPDATE grants SET refreshed_at = ?, upkeep_at = ? WHERE id = ?",
                         (now - refreshed_days_ago * DAY, now, grant_id))


@settings(max_examples=300, deadline=None)
@given(keepalive_days=st.integers(1, 59), start=st.floats(0, 10 * DAY),
       syncs=st.lists(st.floats(0, 200 * DAY), max_size=20), horizon=st.floats(DAY, 200 * DAY))
def test_the_schedule_never_lets_a_grant_go_unrefreshed_longer_than_the_keep_alive(keepalive_days, start, syncs,
                                                                                    horizon):
    """Upkeeps at the due times the schedule gives, syncs refreshing at arbitrary times between them: the longest
    gap between refreshes never exceeds GRANT_KEEPALIVE_DAYS (so never reaches Xero's 60), and each upkeep is due
    again within a day, never in the past."""
    keepalive = keepalive_days * DAY
    refreshes, refreshed, now = [start], start, start
    sync_times = sorted(t for t in syncs if start < t < start + horizon)
    while now < start + horizon:
        if keepalive_due(now, refreshed, keepalive):
            refreshed = now
            refreshes.append(now)
        due = next_upkeep(now, refreshed, keepalive)
        assert now < due <= now + CHECK_EVERY
        while sync_times and sync_times[0] <= due:  # syncs refresh the grant between upkeeps
            refreshed = sync_times.pop(0)
            refreshes.append(refreshed)
        now = due
    refreshes.sort()
    gaps = [b - a for a, b in zip(refreshes, refreshes[1:])]
    assert max(gaps, default=0) <= keepalive + 1e-6 * keepalive

"""The grants' upkeep with several processes on one PostgreSQL store: each grant's daily check (and keep-alive) is
done once across them, not once per process. Two daemons on one store and one fake clock (the fake clock wakes
them one after the other: the due time each grant keeps in the store is what stops the second); and the store's
claim raced by many connections at once (the conditional UPDATE is what lets one win)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from dataclasses import replace

import pytest

from daemon.core.crypto import Secrets
from daemon.sync.upkeep import DAY
from storage import Store
from storage.grants import TokenSet
from xero_emulator import EmulatorConfig


@pytest.fixture
def database_url(postgres_url) -> str:
    """PostgreSQL only: several processes share one store."""
    return postgres_url


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True)


async def test_two_daemons_on_one_store_check_each_grant_once_a_day(make_daemon, settings, emulator, clock):
    quick = replace(settings, sync_lease=3600)  # the schedulers look for each other's orgs hourly, not every 2 min
    first, second = await make_daemon(settings_=quick), await make_daemon(settings_=quick)
    tenant = emulator.state.tenants[0].tenant_id
    await first.connect(emulator)
    await first.finish(first.service.sync(tenant))
    await second.service.set_enabled(tenant, False)  # either process may be asked
    emulator.state.clear_calls()

    async def both_settled() -> None:
        await first.settled()
        await second.settled()

    for _ in range(3):  # a day at a time: a jump to its last minute, then the minute (the scheduler and the outbox
        # look for other processes' work every few seconds: stepping through three days of that takes minutes)
        clock.set(datetime.fromtimestamp(clock.time() + DAY - 60, UTC))
        await clock.advance(60, settled=both_settled)

    checks = [c for c in emulator.state.calls if c.path.lower() == "/connections"]
    refreshes = [c for c in emulator.state.calls if c.path.endswith("/connect/token") and c.status == 200]
    assert [c.time for c in checks] == [first.clock.time() - d * DAY for d in (2, 1, 0)]  # once a day, not twice
    assert len(refreshes) == 3
    assert not (await second.store.orgs.get(tenant)).needs_reauth


async def test_of_several_processes_claiming_at_once_one_wins_each_grant(postgres_url):
    stores = [await Store.open(postgres_url, Secrets(["k"])) for _ in range(4)]
    try:
        async with stores[0].transaction() as tx:
            ids = [await stores[0].grants.save_new(tx, TokenSet(f"a{i}", f"r{i}", 1800), "u", 0) for i in range(6)]
        now = DAY + 1
        claims = await asyncio.gather(*(s.grants.claim_upkeep(now, first_after=DAY, hold_until=now + 3600, limit=10)
                                        for s in stores for _ in range(3)))
        won = sorted(g.id for claimed in claims for g in claimed)
        assert won == sorted(ids)  # every grant claimed, none twice
        assert all(g.upkeep_at == now + 3600 for claimed in claims for g in claimed)
        again = await asyncio.gather(*(s.grants.claim_upkeep(now + 60, first_after=DAY, hold_until=now + 3660,
                                                             limit=10) for s in stores))
        assert again == [[], [], [], []]  # held until the upkeep ends, or an hour
        assert await stores[1].grants.next_upkeep_at(DAY) == now + 3600
    finally:
        for store in stores:
            await store.close()

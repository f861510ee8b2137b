"""Sync leases as one process sees them (several processes: tests/test_replicas.py). An org another process holds
is left to it; a run whose lease another process took stops, and says why."""

import asyncio

from daemon.sync.runs import LEASE_LOST
from tests.waiting import eventually


async def _hold(daemon, tenant: str, owner: str, until: float) -> None:
    """Another process takes the org's lease (as its claim would)."""
    async with daemon.store.transaction() as tx:
        await tx.execute("UPDATE orgs SET lease_owner = ?, lease_until = ? WHERE tenant_id = ?", (owner, until, tenant))


async def test_an_org_another_process_holds_is_not_synced_here_until_its_lease_runs_out(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    held, free = emulator.state.tenants
    await _hold(daemon, held.tenant_id, "elsewhere:1:abc", daemon.clock.time() + 7200)  # a long sync over there
    emulator.state.clear_calls()
    await daemon.advance(3600)  # both orgs' slots come
    assert emulator.api_calls(held.tenant_id) == [] and emulator.api_calls(free.tenant_id)
    [status] = await daemon.service.status(held.tenant_id)
    assert status.running  # `/xero status` shows the sync running in the other process
    await daemon.advance(3600 + 60)  # the other process died: its lease runs out and the org is due
    assert emulator.api_calls(held.tenant_id)
    run = await daemon.store.runs.latest(held.tenant_id)
    assert run.outcome == "success" and run.owner == daemon.store.owner


async def test_a_run_whose_lease_was_taken_stops_and_says_why(daemon, emulator):
    tenant = emulator.state.tenants[0].tenant_id
    await daemon.connect(emulator)
    await daemon.advance(0)
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Invoices", count=1, delay=600)
    emulator.state.clear_calls()
    sync = asyncio.create_task(daemon.service.sync(tenant))
    await eventually(lambda: [c for c in emulator.api_calls(tenant) if c.status == 429], "the sync to be held by a 429")
    await _hold(daemon, tenant, "elsewhere:2:def", daemon.clock.time() + 120)  # this process stalled; it was taken
    await daemon.advance(60)  # the next renewal (every 40 s with SYNC_LEASE=120) finds out
    report = await asyncio.wait_for(sync, 10)
    assert report.run.outcome == "interrupted" and report.run.error == LEASE_LOST
    org = await daemon.store.orgs.get(tenant)
    assert org.lease_owner == "elsewhere:2:def"  # not given back: it was never ours to give

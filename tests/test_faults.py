"""Each of Xero's faults, alone, leads to the right outcome: retried and succeeded, paused until Retry-After,
or an authorization failure; the store is correct or unchanged. Time is the fake clock's: backoffs and
Retry-After pass by jumping it, never by waiting."""

import pytest

from daemon.xero.client import RetryPolicy
from tests import stored
from xero_emulator import EmulatorConfig

ENTITY_COUNT = 11
QUICK = RetryPolicy(attempts=5, base=1.0, cap=30.0, timeout=0.5)  # a short timeout for the "slow" fault


@pytest.fixture
async def ready(make_daemon, emulator):
    """Both orgs connected and synced once, then taken off the schedule so only the test's syncs run."""
    daemon = await make_daemon(retry=QUICK)
    await daemon.connect(emulator)
    await daemon.advance(0)
    for tenant in emulator.state.tenants:
        await daemon.service.set_enabled(tenant.tenant_id, False)
    tenant = emulator.state.tenants[0].tenant_id
    invoice = emulator.state.records(tenant, "Invoices")[0]["InvoiceID"]
    await daemon.advance(30)
    emulator.state.update_record(tenant, "Invoices", invoice, {"Reference": "changed before the fault"})
    emulator.state.clear_calls()
    return daemon, tenant, invoice


async def sync(daemon, tenant):
    return (await daemon.finish(daemon.service.sync(tenant))).run


def token_calls(emulator):
    return [c for c in emulator.state.calls if c.path.endswith("/connect/token")]


@pytest.mark.parametrize("kind", ["500", "502", "503_text", "503_html", "offline", "drop", "truncated", "not_json", "slow"])
async def test_transient_faults_are_retried_and_the_sync_succeeds(ready, emulator, kind):
    daemon, tenant, invoice = ready
    emulator.state.inject_fault(kind, tenant_id=tenant, entity="Invoices", count=2,
                                delay=10_000 if kind == "slow" else None)
    run = await sync(daemon, tenant)
    assert run.outcome == "success", run.error
    statuses = [c.status for c in emulator.api_calls(tenant)]
    bad_200 = 2 if kind in ("truncated", "not_json") else 0  # a 200 whose body is broken is a fault too
    assert len(statuses) == ENTITY_COUNT + 2 and statuses.count(200) == ENTITY_COUNT + bad_200
    assert run.api_calls >= ENTITY_COUNT + 1  # aiohttp itself resends once on a dropped pooled connection
    record = await stored.record(daemon, tenant, "Invoices", invoice)
    assert record["data"]["Reference"] == "changed before the fault"


async def test_a_run_that_gives_up_is_failed_and_the_next_resumes_from_the_watermark(ready, emulator):
    daemon, tenant, invoice = ready
    marks = await daemon.store.records.watermarks(tenant)
    emulator.state.inject_fault("503_text", tenant_id=tenant, entity="Invoices", fraction=1.0)
    run = await sync(daemon, tenant)
    assert run.outcome == "failed" and "503" in run.error and run.api_calls == ENTITY_COUNT - 9 + QUICK.attempts
    assert (await daemon.store.records.watermarks(tenant))["Invoices"] == marks["Invoices"]
    emulator.state.clear_faults()
    assert (await sync(daemon, tenant)).outcome == "success"
    assert (await stored.record(daemon, tenant, "Invoices", invoice))["data"]["Reference"] == "changed before the fault"


async def test_token_expired_mid_sync_refreshes_once_and_retries(ready, emulator):
    daemon, tenant, invoice = ready
    emulator.state.inject_fault("token_expired", tenant_id=tenant, entity="Payments", count=1)
    run = await sync(daemon, tenant)
    assert run.outcome == "success" and run.api_calls == ENTITY_COUNT + 1
    assert len(token_calls(emulator)) == 1


async def test_a_refresh_whose_answer_is_lost_is_recovered_inside_the_grace_period(ready, emulator):
    daemon, tenant, invoice = ready
    await daemon.advance(31 * 60)  # the access token has expired on both sides
    emulator.state.inject_fault("refresh_lost", count=1)
    run = await sync(daemon, tenant)
    assert run.outcome == "success", run.error
    assert [c.status for c in token_calls(emulator)] == [0, 200]  # dropped, then the old token worked again
    grant = await daemon.store.grants.get((await daemon.store.orgs.get(tenant)).grant_id)
    assert grant.status == "active"


async def test_tenant_disconnected_is_an_authorization_failure(ready, emulator):
    daemon, tenant, invoice = ready
    emulator.state.inject_fault("disconnected", tenant_id=tenant, entity="Invoices", count=1)
    run = await sync(daemon, tenant)
    assert run.outcome == "auth_failed" and "disconnected" in run.error
    assert run.api_calls == 3  # Organisation, Contacts, then Invoices refused: no retry
    org = await daemon.store.orgs.get(tenant)
    assert org.state == "needs_reauth"
    record = await stored.record(daemon, tenant, "Invoices", invoice)
    assert record["data"].get("Reference") != "changed before the fault"  # unchanged


async def test_revoked_grant_is_an_authorization_failure_without_retries(ready, emulator):
    daemon, tenant, invoice = ready
    emulator.state.revoke_grant()
    run = await sync(daemon, tenant)
    assert run.outcome == "auth_failed" and "invalid_grant" in run.error
    assert len(token_calls(emulator)) == 1
    assert all(o.state == "needs_reauth" for o in await daemon.store.orgs.list())


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=2, auto_approve=True, limits_enabled=True)


async def test_a_429_is_waited_out_for_exactly_retry_after(ready, emulator):
    daemon, tenant, invoice = ready
    now = daemon.clock.time()
    for _ in range(60 - ENTITY_COUNT):  # another client spent what the first sync (30 s ago) left this minute
        emulator.state.limiter.acquire(tenant, now)
        emulator.state.limiter.release(tenant)
    run = await sync(daemon, tenant)
    calls = emulator.api_calls(tenant)
    assert run.outcome == "success" and calls[0].status == 429
    assert calls[1].time - calls[0].time == 30  # Retry-After: the first sync's calls leave the window in 30 s
    assert [c.status for c in calls[1:]] == [200] * ENTITY_COUNT


async def test_a_spent_daily_limit_pauses_the_org_until_it_resets(ready, emulator):
    daemon, tenant, invoice = ready
    first_sync = daemon.clock.time() - 30
    emulator.state.limiter.config.day_limit = ENTITY_COUNT + 3  # the first sync spent most of today's budget
    await daemon.service.set_enabled(tenant, True)
    run = await sync(daemon, tenant)
    assert run.outcome == "paused" and "daily API limit" in run.error
    assert [c.status for c in emulator.api_calls(tenant)] == [200, 200, 200, 429]  # no retries after the 429
    [status] = await daemon.service.status(tenant)
    resumes = first_sync + 86400  # Retry-After: when the first sync's calls leave the day's window
    assert status.org.paused_until == resumes and status.next_sync_at == resumes
    emulator.state.clear_calls()
    await daemon.advance(resumes - daemon.clock.time() - 60)
    assert emulator.api_calls(tenant) == []
    await daemon.advance(120)
    assert (await daemon.store.runs.latest(tenant)).outcome == "success"

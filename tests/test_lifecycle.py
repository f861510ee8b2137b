"""The process: health and readiness, and a shutdown in the middle of a sync."""

from daemon.core.keys import SECRETS, SETTINGS
from storage import Store
from tests.waiting import eventually


async def test_health_and_readiness(daemon):
    assert (await daemon.client.get("/healthz")).status == 200
    ready = await daemon.client.get("/readyz")
    assert ready.status == 200
    assert await ready.json() == {"status": "ok", "database": True, "scheduler": True}


async def test_readiness_fails_when_the_database_is_gone(daemon):
    await daemon.store.close()
    ready = await daemon.client.get("/readyz")
    assert ready.status == 503 and (await ready.json())["database"] is False


async def test_shutdown_mid_sync_records_an_interrupted_run_and_no_half_watermark(daemon, emulator):
    tenant = emulator.state.tenants[0].tenant_id
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Invoices", count=1, delay=30)
    await daemon.connect(emulator)
    await eventually(lambda: [c for c in emulator.api_calls(tenant) if c.status == 429], "the sync to be held by a 429")
    await daemon.client.close()  # the app's shutdown: cleanup contexts run in reverse
    store = await Store.open(daemon.app[SETTINGS].database_url, daemon.app[SECRETS])
    run = await store.runs.latest(tenant)
    marks = await store.records.watermarks(tenant)
    await store.close()
    assert run.outcome == "interrupted" and "stopped" in run.error
    assert "Contacts" in marks and "Invoices" not in marks


async def test_a_run_left_running_by_a_crash_is_marked_interrupted_at_start(make_daemon, emulator):
    first = await make_daemon()
    await first.connect(emulator)
    await first.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    left = await first.store.runs.start(tenant, "schedule", first.clock.time())  # as if the process died here
    await first.client.close()
    second = await make_daemon()
    run = await second.store.runs.get(left)  # that run: the org is due at once, so a new one may be running already
    assert run.outcome == "interrupted"

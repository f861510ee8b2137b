"""End to end with the emulator on a loopback port: consent over HTTP, a first full sync, incremental hourly
syncs that pick up edits, voids, archives and hard deletes, reset, and disable."""

from datetime import UTC, date, datetime

from daemon.core.entities import DEFAULT_ENTITIES, ENTITIES
from tests import stored

ALL = list(DEFAULT_ENTITIES)


async def stored_matches_truth(daemon, emulator, tenant_id):
    """Every record the emulator holds is stored, at its current version."""
    for name in ALL:
        entity = ENTITIES[name]
        truth = {str(r[entity.id_field]): r for r in emulator.state.records(tenant_id, name)}
        mine = {r["xero_id"]: r for r in await stored.records(daemon, tenant_id, name) if not r["deleted"]}
        assert mine.keys() == truth.keys(), name
        for xero_id, record in truth.items():
            assert mine[xero_id]["data"] == record, (name, xero_id)


async def test_connect_then_first_sync_stores_every_seeded_record(daemon, emulator):
    page = await daemon.connect(emulator)
    html = await page.text()
    assert page.status == 200
    for tenant in emulator.state.tenants:
        assert tenant.name.replace("(", "(") in html
    await daemon.advance(0)
    for tenant in emulator.state.tenants:
        await stored_matches_truth(daemon, emulator, tenant.tenant_id)
        run = await daemon.store.runs.latest(tenant.tenant_id)
        assert (run.outcome, run.trigger) == ("success", "connect")
        assert run.changed["Invoices"] == len(emulator.state.records(tenant.tenant_id, "Invoices"))


async def test_hourly_sync_picks_up_changes_with_one_call_per_entity(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    invoices = emulator.state.records(tenant, "Invoices")
    contact = emulator.state.records(tenant, "Contacts")[3]
    item = emulator.state.records(tenant, "Items")[2]
    await daemon.clock.advance(60)
    emulator.state.update_record(tenant, "Invoices", invoices[0]["InvoiceID"], {"Reference": "edited by a test"})
    emulator.state.void(tenant, "Invoices", invoices[1]["InvoiceID"])
    emulator.state.archive(tenant, "Contacts", contact["ContactID"])
    emulator.state.hard_delete(tenant, "Items", item["ItemID"])
    emulator.state.clear_calls()

    await daemon.advance(3600)

    edited = await stored.record(daemon, tenant, "Invoices", invoices[0]["InvoiceID"])
    voided = await stored.record(daemon, tenant, "Invoices", invoices[1]["InvoiceID"])
    archived = await stored.record(daemon, tenant, "Contacts", contact["ContactID"])
    deleted = await stored.record(daemon, tenant, "Items", item["ItemID"])
    assert edited["data"]["Reference"] == "edited by a test"
    assert voided["status"] == "VOIDED"
    assert archived["status"] == "ARCHIVED"
    assert deleted["deleted"] and deleted["status"] == "DELETED"
    await stored_matches_truth(daemon, emulator, tenant)
    calls = emulator.api_calls(tenant)
    assert sorted(_entity(c) for c in calls) == sorted(ALL)  # one call each: every change fits one page
    run = await daemon.store.runs.latest(tenant)
    assert (run.outcome, run.trigger, run.api_calls) == ("success", "schedule", len(ALL))
    assert run.changed["Invoices"] == 2 and run.changed["Contacts"] == 1 and run.changed["Items"] == 1


async def test_nothing_changed_means_one_call_per_entity_and_no_writes(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    emulator.state.clear_calls()
    await daemon.advance(3600)
    for tenant in emulator.state.tenants:
        assert sorted(_entity(c) for c in emulator.api_calls(tenant.tenant_id)) == sorted(ALL)
        run = await daemon.store.runs.latest(tenant.tenant_id)
        assert run.outcome == "success" and run.total_changed == 0


async def test_reset_rereads_from_that_date_and_keeps_what_is_stored(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0]
    before = await daemon.store.records.counts(tenant.tenant_id)
    await daemon.service.reset(tenant.name.lower()[:-1], date(2026, 6, 1))  # a name prefix, any case
    [status] = await daemon.service.status(tenant.tenant_id)
    assert status.sync_from == 1780272000.0  # 2026-06-01T00:00:00Z
    emulator.state.clear_calls()
    await daemon.service.sync(tenant.tenant_id)
    invoice_calls = [c for c in emulator.api_calls(tenant.tenant_id) if _entity(c) == "Invoices"]
    assert [_header(c, "If-Modified-Since") for c in invoice_calls] == ["2026-06-01T00:00:00Z"]  # what status said
    assert await daemon.store.records.counts(tenant.tenant_id) == before
    [status] = await daemon.service.status(tenant.tenant_id)  # after a success: its start, less the overlap
    assert status.sync_from == daemon.clock.time() - 86400
    emulator.state.clear_calls()
    await daemon.service.sync(tenant.tenant_id)
    asked = {_header(c, "If-Modified-Since") for c in emulator.api_calls(tenant.tenant_id) if _entity(c) == "Invoices"}
    assert asked == {datetime.fromtimestamp(status.sync_from, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    await daemon.service.reset(tenant.tenant_id, None)
    emulator.state.clear_calls()
    await daemon.service.sync(tenant.tenant_id)
    assert all(_header(c, "If-Modified-Since") is None for c in emulator.api_calls(tenant.tenant_id))


async def test_disable_stops_the_hourly_sync_of_one_org_only(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    off, on = emulator.state.tenants
    await daemon.service.set_enabled(off.tenant_id, False)
    emulator.state.clear_calls()
    await daemon.advance(3600)
    assert emulator.api_calls(off.tenant_id) == []
    assert len(emulator.api_calls(on.tenant_id)) == len(ALL)
    [status] = await daemon.service.status(off.tenant_id)
    assert status.org.connection == "disabled" and status.next_sync_at is None
    report = await daemon.service.sync(off.tenant_id)  # manual sync still works while disabled
    assert report.run.outcome == "success"
    await daemon.service.set_enabled(off.tenant_id, True)
    await daemon.advance(0)  # its hourly slot passed while it was disabled: it catches up at once
    assert (await daemon.store.runs.latest(off.tenant_id)).trigger == "schedule"
    emulator.state.clear_calls()
    await daemon.advance(3600)
    assert len(emulator.api_calls(off.tenant_id)) == len(ALL)


def _entity(call) -> str:
    path = call["path"] if isinstance(call, dict) else call.path
    return path.rsplit("/", 1)[-1]


def _header(call, name):
    headers = call.get("headers", {}) if isinstance(call, dict) else getattr(call, "headers", {})
    return headers.get(name)

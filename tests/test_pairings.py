"""A running sync meets another operation on the same org: what the person expects happens, on both backends.

- reset: the reset wins (the running sync finishes with what it read; the next reads from the reset date);
- delete: the sync stops, its caller hears the org was deleted while it synced, nothing is left, no traceback;
- consent (a new /xero auth or a re-authorization): the sync carries on with the new grant and succeeds;
- disable / enable: the sync finishes; the schedule follows the switch;
- test: answers at once while the sync runs (here: that Xero is rate limiting the org), and changes nothing.
Each sync is held mid-run by Xero's 429 (Retry-After 30 s) on Invoices, after Contacts is done."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from daemon.core.errors import CommandError
from tests import stored
from tests.support import held_sync, settings_for

PAGED = ["Contacts", "Invoices", "CreditNotes", "Payments", "Overpayments", "Prepayments"]


@pytest.fixture
async def synced(daemon, emulator):
    """Both orgs connected and synced once; the first org's tenant id."""
    await daemon.connect(emulator)
    await daemon.advance(0)
    return emulator.state.tenants[0].tenant_id


def _ms(day: date) -> int:
    """Midnight of `day` where the first org is (Auckland: a reset date means the org's own midnight)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Pacific/Auckland")).timestamp() * 1000)


@pytest.mark.parametrize("since", [date(2024, 7, 1), None], ids=["to a date", "to the whole history"])
async def test_a_reset_during_a_sync_wins(daemon, emulator, synced, since):
    sync = await held_sync(daemon, emulator, synced)
    report = await daemon.service.reset(synced, since)
    assert report.running  # the reply says it applies once the running sync ends
    await daemon.advance(30)
    assert (await sync).run.outcome == "success"  # the running sync finished with what it read...
    [status] = await daemon.service.status(synced)
    expected = _ms(since) if since else None
    assert status.sync_from == (expected / 1000 if since else None)  # ...and moved nothing
    marks = await daemon.store.records.watermarks(synced)
    assert {entity: marks[entity] for entity in PAGED} == dict.fromkeys(PAGED, expected)
    emulator.state.clear_calls()
    await daemon.service.sync(synced)
    asked = {c.path.rsplit("/", 1)[1]: c.headers.get("If-Modified-Since") for c in emulator.api_calls(synced)}
    assert asked["Contacts"] == asked["Invoices"] == ("2024-06-30T12:00:00Z" if since else None)


async def test_a_delete_during_a_sync_stops_it_and_its_caller_hears_why(daemon, emulator, synced, log_lines):
    sync = await held_sync(daemon, emulator, synced)
    org, problems = await daemon.service.delete(synced)
    assert problems == []
    with pytest.raises(CommandError, match="was deleted while it synced"):
        await sync
    assert await daemon.store.orgs.get(synced) is None and await stored.runs(daemon, synced) == []
    await daemon.advance(3600)  # nothing comes back for it
    assert await stored.runs(daemon, synced) == [] and "Traceback" not in log_lines()


async def test_a_delete_by_another_process_stops_the_sync_on_its_next_lease_renewal(postgres_url, make_daemon, emulator,
                                                                                    tmp_path, log_lines):
    # postgres_url first: its schema is dropped after both daemons have stopped (fixtures end in reverse order)
    settings = settings_for(emulator, tmp_path, DATABASE_URL=postgres_url)
    here, there = await make_daemon(settings_=settings), await make_daemon(settings_=settings)
    await here.connect(emulator)
    await here.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    sync = await held_sync(here, emulator, tenant)
    await there.service.delete(tenant)  # the other replica deletes it: the row goes, this process is not told
    await here.advance(60)  # the lease is renewed every 40 s: the renewal finds the org gone
    with pytest.raises(CommandError, match="was deleted while it synced"):
        await sync
    assert "Traceback" not in log_lines() and "assert" not in log_lines()


async def test_a_consent_during_a_sync_does_not_break_it(daemon, emulator, synced):
    sync = await held_sync(daemon, emulator, synced)
    grant_before = (await daemon.store.orgs.get(synced)).grant_id
    page = await daemon.connect(emulator)  # someone runs /xero auth again: a new grant for both orgs
    assert page.status == 200
    assert (await daemon.store.orgs.get(synced)).grant_id != grant_before
    await daemon.advance(30)
    report = await sync
    assert report.run.outcome == "success", report.run.error
    assert report.org.connection == "connected"
    runs = await stored.runs(daemon, synced)
    assert [r.outcome for r in runs if r.outcome != "success"] == []
    emulator.state.clear_calls()
    await daemon.advance(3600)  # still in the hourly schedule
    assert emulator.api_calls(synced)


async def test_a_successful_sync_clears_a_stale_needs_reauthorization(daemon, emulator, synced):
    await daemon.store.orgs.update(synced, daemon.clock.time(), state="needs_reauth", state_reason="revoked")
    report = await daemon.service.sync(synced)  # the grant is valid: the sync succeeds
    assert report.run.outcome == "success" and report.org.connection == "connected"
    emulator.state.clear_calls()
    await daemon.advance(3600)
    assert emulator.api_calls(synced)  # back in the hourly schedule


async def test_disable_during_a_sync_lets_it_finish_and_stops_the_schedule(daemon, emulator, synced):
    sync = await held_sync(daemon, emulator, synced)
    await daemon.service.set_enabled(synced, False)
    [status] = await daemon.service.status(synced)
    assert status.running and status.org.connection == "disabled"
    await daemon.advance(30)
    assert (await sync).run.outcome == "success"
    emulator.state.clear_calls()
    await daemon.advance(3600)
    assert emulator.api_calls(synced) == []  # no hourly sync while disabled


async def test_enable_during_a_sync_puts_the_org_back_on_the_schedule(daemon, emulator, synced):
    await daemon.service.set_enabled(synced, False)
    sync = await held_sync(daemon, emulator, synced)
    await daemon.service.set_enabled(synced, True)
    await daemon.advance(30)
    assert (await sync).run.outcome == "success"
    emulator.state.clear_calls()
    await daemon.advance(3600)
    assert emulator.api_calls(synced)


async def test_a_connection_test_during_a_sync_answers_and_changes_nothing(daemon, emulator, synced):
    sync = await held_sync(daemon, emulator, synced)
    before = await daemon.store.orgs.get(synced)
    [result] = await daemon.service.test(synced)  # at once, not queued behind the held sync
    assert not result.reachable and "rate limited by Xero" in result.reason and "it allows calls again in 30 s" in result.reason
    after = await daemon.store.orgs.get(synced)
    assert (after.state, after.enabled, after.sync_from, after.grant_id) == (
        before.state, before.enabled, before.sync_from, before.grant_id)
    await daemon.advance(30)
    assert (await sync).run.outcome == "success"


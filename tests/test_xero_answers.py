"""Xero's door: answers that are valid but odd never poison an org's sync. Dates beyond Xero's time, an answer
without its list or its pagination, Retry-After in every form (or none, or for ever), the app's own credentials
refused. Each is met by the emulator as Xero could send it; the outcome is what an operator sees: the store, the
run, the watermark, the grant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from daemon.core.keys import SETTINGS
from tests import stored
from tests.support import one_org_off_schedule
from daemon.xero.client import RetryPolicy
from xero_emulator import EmulatorConfig

FAR_FUTURE = "/Date(253402300799999+0000)/"  # 9999-12-31, as some imported data carries
NINETEEN_DIGITS = "/Date(9223372036854775807+0000)/"  # no date at all: larger than any a clock can give
# Retries waiting seconds on the fake clock; a real-time timeout generous enough that a 1,000-invoice page on a
# loaded machine is never taken for a lost answer (tests/test_faults.py's QUICK is for its "slow" fault)
RETRIES = RetryPolicy(attempts=5, base=1.0, cap=30.0, timeout=30.0)


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=1500, contacts=20, payments=20)


@pytest.fixture
async def ready(make_daemon, emulator):
    """The org connected and synced once, taken off the schedule so only the test's syncs run."""
    daemon, tenant = await one_org_off_schedule(make_daemon, emulator, retry=RETRIES)
    await daemon.advance(30)
    emulator.state.clear_calls()
    return daemon, tenant


def _day_before(ts: float) -> str:
    return datetime.fromtimestamp(ts - 86400, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _asked(emulator, tenant: str, entity: str) -> list:
    return [c.headers.get("If-Modified-Since") for c in emulator.api_calls(tenant) if c.path.endswith("/" + entity)]


async def test_records_dated_beyond_xeros_time_are_stored_as_given_and_poison_nothing(ready, emulator):
    daemon, tenant = ready
    future, huge, later = emulator.state.records(tenant, "Invoices")[:3]
    emulator.state.misdate(tenant, "Invoices", future["InvoiceID"], FAR_FUTURE)
    emulator.state.misdate(tenant, "Invoices", huge["InvoiceID"], NINETEEN_DIGITS)
    report = await daemon.finish(daemon.service.sync(tenant))
    assert report.run.outcome == "success"
    assert report.run.notes == ["Invoices: 2 records dated beyond Xero's own time (stored as Xero sent them; the date "
                                "is not trusted to order their versions)"]
    assert (await stored.record(daemon, tenant, "Invoices", future["InvoiceID"]))["data"]["UpdatedDateUTC"] == FAR_FUTURE
    assert (await stored.record(daemon, tenant, "Invoices", huge["InvoiceID"]))["data"]["UpdatedDateUTC"] == NINETEEN_DIGITS
    marks = await daemon.store.records.watermarks(tenant)
    assert marks["Invoices"] <= daemon.clock.time() * 1000  # never beyond the time it is
    await daemon.advance(3600)
    emulator.state.update_record(tenant, "Invoices", later["InvoiceID"], {"Reference": "edited an hour later"})
    emulator.state.update_record(tenant, "Invoices", future["InvoiceID"], {"Reference": "fixed in Xero"})
    emulator.state.clear_calls()
    assert (await daemon.finish(daemon.service.sync(tenant))).run.outcome == "success"
    assert _asked(emulator, tenant, "Invoices") == [_day_before(report.run.started_at)]  # that sync's start, less 24 h
    assert (await stored.record(daemon, tenant, "Invoices", later["InvoiceID"]))["data"]["Reference"] == \
        "edited an hour later"
    assert (await stored.record(daemon, tenant, "Invoices", future["InvoiceID"]))["data"]["Reference"] == "fixed in Xero"


async def test_a_watermark_left_in_the_future_is_repaired_at_start_up(make_daemon, ready, emulator):
    daemon, tenant = ready
    async with daemon.store.transaction() as tx:  # as an older version left it, from a record dated 9999
        await tx.execute("UPDATE watermarks SET updated_ms = ? WHERE tenant_id = ?", (253402300799999, tenant))
    await daemon.client.close()
    again = await make_daemon(retry=RETRIES)
    started = again.clock.time()  # the marks are repaired to start-up time less the overlap
    marks = await again.store.records.watermarks(tenant)
    assert max(m for m in marks.values() if m) <= (started - 86400) * 1000
    emulator.state.clear_calls()
    assert (await again.finish(again.service.sync(tenant))).run.outcome == "success"
    assert _asked(emulator, tenant, "Invoices") == [_day_before(started)]


async def test_an_answer_without_its_list_fails_that_entity_only_and_deletes_nothing(ready, emulator):
    daemon, tenant = ready
    items_before = await stored.records(daemon, tenant, "Items")
    emulator.state.inject_fault("no_list", tenant_id=tenant, entity="Items", count=1)
    report = await daemon.finish(daemon.service.sync(tenant))
    assert report.run.outcome == "failed"
    assert report.run.error == "Items: Xero's answer has no Items list (the other entities were synced)"
    assert await stored.records(daemon, tenant, "Items") == items_before  # nothing marked deleted
    assert "Accounts" in report.run.changed and "Items" not in report.run.changed
    emulator.state.inject_fault("no_list", tenant_id=tenant, entity="Invoices", count=1)
    report = await daemon.finish(daemon.service.sync(tenant))
    assert "Invoices: Xero's answer has no Invoices list" in report.run.error


async def test_a_full_page_without_pagination_is_followed_by_the_next(ready, emulator, database_url):
    daemon, tenant = ready
    await daemon.service.reset(tenant, None)  # re-read everything: 1,500 invoices are two pages
    emulator.state.inject_fault("no_pagination", tenant_id=tenant, entity="Invoices", count=1)
    assert (await daemon.finish(daemon.service.sync(tenant))).run.outcome == "success"
    pages = [c.query.get("page") for c in emulator.api_calls(tenant) if c.path.endswith("/Invoices")]
    assert pages == ["1", "2"]
    assert len(await stored.records(daemon, tenant, "Invoices")) == 1500


@pytest.mark.parametrize(("kind", "waited"), [("rate_limited_date", 45), ("rate_limited_bare", 60)])
async def test_retry_after_as_an_http_date_or_absent_is_waited_out(ready, emulator, kind, waited):
    daemon, tenant = ready
    emulator.state.inject_fault(kind, tenant_id=tenant, entity="Contacts", count=1, delay=45)
    assert (await daemon.finish(daemon.service.sync(tenant))).run.outcome == "success"
    contacts = [c for c in emulator.api_calls(tenant) if c.path.endswith("/Contacts")]
    assert [c.status for c in contacts] == [429, 200]
    assert contacts[1].time - contacts[0].time == waited  # the date's distance, or a minute when none was given


async def test_endless_429s_end_the_run_with_a_clear_reason(ready, emulator):
    daemon, tenant = ready
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Contacts", fraction=1.0, delay=5)
    report = await daemon.finish(daemon.service.sync(tenant))
    assert report.run.outcome == "failed"
    assert "10 times in a row" in report.run.error and "next scheduled sync" in report.run.error
    assert [c.status for c in emulator.api_calls(tenant) if c.path.endswith("/Contacts")] == [429] * 10


async def test_a_retry_after_too_long_to_wait_ends_the_run(ready, emulator):
    daemon, tenant = ready
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Contacts", count=1, delay=10**9)
    report = await daemon.finish(daemon.service.sync(tenant))
    assert report.run.outcome == "failed" and "asked to wait" in report.run.error


async def test_the_apps_credentials_refused_destroy_no_grant(ready, emulator):
    daemon, tenant = ready
    emulator.state.config.client_secret = "rotated-in-the-developer-portal"
    await daemon.advance(31 * 60)  # the access token expired: the next call refreshes, with the old secret
    report = await daemon.finish(daemon.service.sync(tenant))
    assert report.run.outcome == "failed" and "XERO_CLIENT_SECRET" in report.run.error
    org = await daemon.store.orgs.get(tenant)
    assert org.connection == "disabled" and not org.needs_reauth  # (disabled by the fixture), not needs re-auth
    assert (await daemon.store.grants.get(org.grant_id)).status == "active"
    emulator.state.config.client_secret = daemon.app[SETTINGS].xero_client_secret  # the secret is right again
    assert (await daemon.finish(daemon.service.sync(tenant))).run.outcome == "success"  # nobody re-consented


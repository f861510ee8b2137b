"""GET /metrics after real syncs against the emulator: what an operator's Prometheus would scrape."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from daemon.core.keys import METRICS
from daemon.core.metrics import Metrics
from tests.fakes.clock import FakeClock


async def scrape(daemon) -> dict[tuple[str, frozenset], float]:
    resp = await daemon.client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_metrics_after_syncs(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)  # the syncs a new connection starts
    tenants = {org.tenant_id: org.name for org in emulator.state.tenants}
    invoices = sum(len(emulator.state.records(t, "Invoices")) for t in tenants)

    await daemon.advance(600)
    samples = await scrape(daemon)
    assert value(samples, "xero_syncd_syncs_total", outcome="success", trigger="connect") == len(tenants)
    assert value(samples, "xero_syncd_records_synced_total", entity="Invoices") == invoices
    assert value(samples, "xero_syncd_xero_api_calls_total", status="200") == len(emulator.api_calls())
    assert value(samples, "xero_syncd_xero_rate_limited_total") == 0
    for tenant_id, name in tenants.items():
        assert value(samples, "xero_syncd_seconds_since_last_successful_sync", tenant_id=tenant_id, org=name) == 600
    assert value(samples, "xero_syncd_orgs", state="connected") == len(tenants)
    assert value(samples, "xero_syncd_sync_duration_seconds_count", outcome="success") == len(tenants)

    await daemon.advance(3600)  # the hourly syncs
    samples = await scrape(daemon)
    assert value(samples, "xero_syncd_syncs_total", outcome="success", trigger="schedule") == len(tenants)
    await daemon.advance(3600)  # the next ones: the first access token is well past its 30 minutes now
    samples = await scrape(daemon)
    assert value(samples, "xero_syncd_syncs_total", outcome="success", trigger="schedule") == 2 * len(tenants)
    assert value(samples, "xero_syncd_xero_token_refreshes_total") >= 1
    for tenant_id, name in tenants.items():
        age = value(samples, "xero_syncd_seconds_since_last_successful_sync", tenant_id=tenant_id, org=name)
        assert 0 <= age < 3600


async def test_a_disabled_org_and_a_deleted_one_change_the_gauges(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    first, second = emulator.state.tenants[:2]
    await daemon.service.set_enabled(first.tenant_id, False)
    await daemon.service.delete(second.tenant_id)
    samples = await scrape(daemon)
    assert value(samples, "xero_syncd_orgs", state="disabled") == 1
    assert value(samples, "xero_syncd_orgs", state="connected") == 0
    ages = [k for k in samples if k[0] == "xero_syncd_seconds_since_last_successful_sync"]
    assert [dict(labels)["tenant_id"] for _, labels in ages] == [first.tenant_id]


async def test_slack_commands_alerts_and_429s_are_counted(daemon):
    metrics = daemon.app[METRICS]
    metrics.slack_command("sync", "ok")
    metrics.slack_command("sync", "ok")
    metrics.slack_command("delete", "refused")
    metrics.alert_posted("failure")
    metrics.api_call(429)
    samples = await scrape(daemon)
    assert value(samples, "xero_syncd_slack_commands_total", command="sync", outcome="ok") == 2
    assert value(samples, "xero_syncd_slack_commands_total", command="delete", outcome="refused") == 1
    assert value(samples, "xero_syncd_alerts_posted_total", kind="failure") == 1
    assert value(samples, "xero_syncd_xero_api_calls_total", status="429") == 1
    assert value(samples, "xero_syncd_xero_rate_limited_total") == 1


async def test_openmetrics_when_the_scraper_asks_for_it(daemon):
    resp = await daemon.client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
    assert (await resp.text()).rstrip().endswith("# EOF")


def test_each_app_has_its_own_registry():
    one, two = Metrics(FakeClock()), Metrics(FakeClock())
    one.token_refreshed()
    assert b"xero_syncd_xero_token_refreshes_total 1.0" in one.render()[0]
    assert b"xero_syncd_xero_token_refreshes_total 0.0" in two.render()[0]

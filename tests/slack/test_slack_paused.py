"""A spent daily API limit is not an authorization failure: the alert says when syncing resumes, and the first
good sync after it says "recovered"."""

from __future__ import annotations

import pytest

from xero_emulator import EmulatorConfig

ENTITY_COUNT = 11


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True, limits_enabled=True)


async def test_a_spent_daily_limit_alert_says_when_syncing_resumes(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    await daemon.connect(emulator)
    await daemon.advance(0)
    first_sync = daemon.clock.time()
    await daemon.flush()
    slack.calls.clear()
    emulator.state.limiter.config.day_limit = ENTITY_COUNT + 3  # the first sync spent most of today's budget
    await daemon.advance(3600)
    await daemon.flush()
    [alert] = slack.posts
    assert alert.text.startswith(":hourglass: Xero sync paused: Demo Company (NZ). Xero's daily API limit for this organisation is spent.")
    # today's calls expire 24 hours after the first sync: a date token, the org's own time as its fallback
    assert alert.text.endswith(f"Syncing resumes <!date^{int(first_sync) + 86400}^{{date_short_pretty}} at {{time}} "
                               "({ago})|Wed 25 Nov 2026, 10:00 PM NZDT>.")
    assert alert.buttons() == []  # retrying now would only be refused again
    org = await daemon.store.orgs.get(tenant)
    assert org.paused_until == first_sync + 86400 and not org.needs_reauth

    for _ in range(23):
        await daemon.advance(3600)
    await daemon.flush()
    assert (await daemon.store.runs.latest(tenant)).outcome == "success"
    [recovered] = slack.thread(alert.ts)
    assert recovered.fallback.startswith(":white_check_mark: Recovered: Demo Company (NZ) synced successfully")

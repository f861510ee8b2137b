"""The grants' daily check in Slack: an org disconnected on Xero's side while disabled (no sync would notice) is
marked needs re-authorization within a day and alerted once, with the link, as a sync's auth failure is; the link
reconnects it. The other org of the grant is left alone. `/xero status` shows the grant's age and when it would
lapse, in the org's time zone."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from daemon.sync.upkeep import DAY
from tests.slack.support import ADMIN, CHANNEL, reply
from tests.slack.test_slack_home import open_home
from tests.support import days_later, follow_consent


@pytest.fixture
def settings(settings):
    """With PostgreSQL the scheduler looks for other processes' orgs every SYNC_LEASE: an hour keeps days quick."""
    return replace(settings, sync_lease=3600)


async def disconnect_in_xero(daemon, emulator, tenant: str) -> None:
    """The user disconnects the app from the org in Xero (the emulator's control API)."""
    async with daemon.client.session.post(f"{emulator.url}/_control/tenants/{tenant}/disconnect") as resp:
        assert resp.status == 200 and (await resp.json()) == {"disconnected": True}


async def disable_then_disconnect_in_xero(daemon, emulator, slack, tenant: str) -> None:
    """The org is disabled (no sync will notice anything), then disconnected in Xero; Slack's calls so far forgotten."""
    await daemon.service.set_enabled(tenant, False)
    await daemon.flush()
    slack.calls.clear()
    await disconnect_in_xero(daemon, emulator, tenant)


async def connected(daemon, emulator, slack) -> list[str]:
    await daemon.connect(emulator)
    tenants = [t.tenant_id for t in emulator.state.tenants]
    for tenant in tenants:
        await daemon.finish(daemon.service.sync(tenant))
    await daemon.flush()
    slack.calls.clear()
    return tenants


async def test_an_org_disconnected_in_xero_while_disabled_is_marked_and_alerted_once_within_a_day(
        daemon, emulator, slack):
    gone, kept = await connected(daemon, emulator, slack)
    await disable_then_disconnect_in_xero(daemon, emulator, slack, gone)

    await days_later(daemon, 1)
    await daemon.flush()
    org = await daemon.store.orgs.get(gone)
    assert org.needs_reauth and org.state_reason == "disconnected" and not org.enabled
    assert not (await daemon.store.orgs.get(kept)).needs_reauth  # still in /connections: left alone
    [alert] = [p for p in slack.posts if p.thread_ts is None]
    assert alert.fallback.startswith(":closed_lock_with_key: Xero needs re-authorization: Demo Company (NZ). "
                                     "authorization failed (disconnected): the organisation was disconnected from "
                                     "this app in Xero. Found ")
    assert "by the daily check of Xero's connections" in alert.fallback
    assert "Automatic syncing is stopped until someone re-authorizes Xero." in alert.fallback
    assert "Found by: the daily check of Xero's connections" in alert.shown
    [button] = alert.buttons()
    assert button["text"]["text"] == "Re-authorize Xero" and "/oauth/start?link=" in button["url"]
    assert "access_token" not in alert.everything() and "refresh_token" not in alert.everything()

    await days_later(daemon, 3)  # the next checks find it still gone: no second alert, nothing in the thread
    await daemon.flush()
    assert [p for p in slack.posts if p.thread_ts is None] == [alert] and slack.thread(alert.ts) == []

    page = await follow_consent(daemon, emulator, button["url"])  # the link reconnects it
    assert page.status == 200 and "(reconnected)" in await page.text()
    await daemon.flush()
    assert not (await daemon.store.orgs.get(gone)).needs_reauth
    [reconnected] = slack.thread(alert.ts)
    assert reconnected.fallback.startswith(":link: Reconnected: Xero was re-authorized for Demo Company (NZ)")


async def test_an_open_failure_alert_turns_into_a_reauthorization_alert_its_thread_told(daemon, emulator, slack):
    gone, _ = await connected(daemon, emulator, slack)
    emulator.state.inject_fault("503_text", tenant_id=gone, fraction=1.0)  # Xero down for it: a failure alert
    await daemon.advance(3600)
    await daemon.flush()
    [alert] = [p for p in slack.posts if p.thread_ts is None]
    assert "Xero sync failed" in alert.fallback
    await daemon.service.set_enabled(gone, False)
    emulator.state.clear_faults()
    await daemon.flush()
    slack.calls.clear()  # the audit trail's "disabled"
    await disconnect_in_xero(daemon, emulator, gone)

    await days_later(daemon, 1)
    await daemon.flush()
    assert [p for p in slack.posts if p.thread_ts is None] == []  # still one episode: no new alert
    [note] = [c for c in slack.thread(alert.ts) if "daily check" in c.fallback]
    assert "needs re-authorization" in note.fallback and note.buttons()[0]["text"]["text"] == "Re-authorize Xero"
    assert slack.updates[-1].body["ts"] == alert.ts
    assert slack.updates[-1].fallback.startswith(":closed_lock_with_key: Xero needs re-authorization")


async def test_the_checks_alert_reaches_each_channel_subscribed_to_auth_once(daemon, emulator, slack):
    gone, _ = await connected(daemon, emulator, slack)
    await reply(daemon, slack, "subscribe all auth", channel="C_AUTH")
    await reply(daemon, slack, "subscribe all failures", channel="C_FAIL")
    await disable_then_disconnect_in_xero(daemon, emulator, slack, gone)

    await days_later(daemon, 2)
    await daemon.flush()
    alerts = {p.body["channel"]: p for p in slack.posts if p.thread_ts is None}
    assert sorted(alerts) == sorted([CHANNEL, "C_AUTH"])  # failures only: not C_FAIL
    assert all("Found by: the daily check of Xero's connections" in a.shown for a in alerts.values())
    assert len([p for p in slack.posts if p.thread_ts is None]) == 2  # once each, the second day too


async def test_status_shows_the_grants_age_and_when_it_would_lapse_in_the_orgs_time_zone(daemon, emulator, slack):
    tenant, _ = await connected(daemon, emulator, slack)
    await daemon.service.set_enabled(tenant, False)
    await days_later(daemon, 10)
    await daemon.advance(3600)
    org = await daemon.store.orgs.get(tenant)
    grant = await daemon.store.grants.life(org.grant_id)
    status = await reply(daemon, slack, f"status {tenant}")
    assert org.timezone == "Pacific/Auckland"
    assert "Xero grant: 10 days old (consented Tue 24 Nov 2026, 10:00 PM NZDT" in status.shown
    assert f"last refreshed <!date^{int(grant.refreshed_at)}^" in status.text
    lapse = int(grant.refreshed_at + 60 * DAY)  # 60 days after the last refresh (a daily check's, 10 days in)
    assert f"it lapses <!date^{lapse}^" in status.text
    assert re.search(r"it lapses Tue 2 Feb 2027, \d+:\d\d PM NZDT if nothing refreshes it", status.shown)
    assert "this daemon refreshes every grant at least every 30 days" in status.shown
    tab = (await open_home(daemon, slack, ADMIN)).view  # the Home tab's card says the same
    assert "Xero grant: 10 days old (consented Tue 24 Nov 2026, 10:00 PM NZDT" in tab.shown
    assert f"it lapses <!date^{lapse}^" in tab.everything()


async def test_a_grant_revoked_while_its_orgs_are_disabled_alerts_each_org_once(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    for tenant in tenants:
        await daemon.service.set_enabled(tenant, False)
    await daemon.flush()
    slack.calls.clear()
    emulator.state.revoke_grant()  # Xero ends the grant: its refresh is refused (invalid_grant)

    await days_later(daemon, 2)
    await daemon.flush()
    for tenant in tenants:
        org = await daemon.store.orgs.get(tenant)
        assert org.needs_reauth and org.state_reason == "invalid_grant"
    alerts = [p for p in slack.posts if p.thread_ts is None]
    assert sorted(a.fallback.split(". ")[0] for a in alerts) == [
        ":closed_lock_with_key: Xero needs re-authorization: Demo Company (NZ)",
        ":closed_lock_with_key: Xero needs re-authorization: Demo Company (UK)"]
    assert all("authorization failed (invalid_grant)" in a.fallback and a.buttons() for a in alerts)
    assert all(slack.thread(a.ts) == [] for a in alerts)  # the second day's upkeep skipped the refused grant

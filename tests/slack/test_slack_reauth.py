"""A revoked grant: one re-authorization alert with a signed link; following it reconnects the org, the next
hourly sync succeeds and the thread hears "reconnected". Expired or tampered links change nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests import stored
from tests.support import follow_consent
from xero_emulator import EmulatorConfig


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True)


async def revoked(daemon, emulator, slack):
    """Connect, sync, then revoke the grant in Xero and let the next hourly sync meet it. The alert."""
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    slack.calls.clear()
    emulator.state.revoke_grant()
    await daemon.advance(3600)
    await daemon.flush()
    [alert] = [p for p in slack.posts if p.thread_ts is None]
    return alert


async def test_revoked_grant_alerts_once_and_the_link_reconnects(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    alert = await revoked(daemon, emulator, slack)
    assert "needs re-authorization: Demo Company (NZ)" in alert.fallback
    assert "Automatic syncing is stopped until someone re-authorizes Xero." in alert.fallback
    assert "The link works once, within 7 days." in alert.shown
    [button] = alert.buttons()
    assert button["text"]["text"] == "Re-authorize Xero" and "/oauth/start?link=" in button["url"]
    assert (await daemon.store.orgs.get(tenant)).needs_reauth

    await daemon.advance(3600)  # no automatic sync while it needs re-authorization, so no repeat
    await daemon.flush()
    assert len(slack.posts) == 1

    page = await follow_consent(daemon, emulator, button["url"])
    assert page.status == 200 and "Demo Company (NZ) (reconnected)" in await page.text()
    await daemon.advance(0)
    await daemon.advance(3600)
    await daemon.flush()
    runs = await stored.runs(daemon, tenant)
    assert runs[0].outcome == "success" and runs[0].trigger == "schedule"
    assert [p for p in slack.posts if p.thread_ts is None] == [alert]  # no "connected" announcement either
    [reconnected] = slack.thread(alert.ts)
    assert reconnected.fallback == (":link: Reconnected: Xero was re-authorized for Demo Company (NZ); automatic "
                                    "syncing resumes.")
    assert slack.updates[-1].body["ts"] == alert.ts and slack.updates[-1].buttons() == []
    assert slack.updates[-1].fallback.startswith(":white_check_mark: Resolved: Demo Company (NZ) was re-authorized ")
    [episode] = await stored.episodes(daemon, tenant)
    assert episode.kind == "reauth" and episode.close_reason == "reconnected"


async def test_an_expired_link_shows_a_clear_page_and_changes_nothing(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    alert = await revoked(daemon, emulator, slack)
    link = urlsplit(alert.buttons()[0]["url"])
    await daemon.clock.advance(7 * 86400 + 60)
    page = await daemon.client.get(f"{link.path}?{link.query}", allow_redirects=False)
    assert page.status == 400
    body = await page.text()
    assert "This link cannot be used" in body and "expired" in body
    assert (await daemon.store.orgs.get(tenant)).needs_reauth
    await daemon.flush()
    assert slack.thread(alert.ts) == []


async def test_a_tampered_link_shows_a_clear_page_and_changes_nothing(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    alert = await revoked(daemon, emulator, slack)
    link = urlsplit(alert.buttons()[0]["url"])
    token = link.query.removeprefix("link=")
    forged = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    page = await daemon.client.get(f"{link.path}?link={forged}", allow_redirects=False)
    assert page.status == 400 and "This link cannot be used" in await page.text()
    assert (await daemon.store.orgs.get(tenant)).needs_reauth
    await daemon.flush()
    assert slack.thread(alert.ts) == []

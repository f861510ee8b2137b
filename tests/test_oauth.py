"""The browser side of the consent flow: every way it can go wrong shows a clear page and changes nothing."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import follow_consent
from xero_emulator import EmulatorConfig


async def snapshot(daemon) -> tuple:
    """What a failed flow must not change: grants, orgs, runs."""
    rows = []
    for table in ("grants", "orgs", "runs"):
        rows.append(await daemon.store.db.fetchall(f"SELECT * FROM {table}"))
    return tuple(tuple(tuple(r) for r in t) for t in rows)


async def start(daemon, link: str):
    """Our /oauth/start: the redirect to Xero's authorize URL, and the state it carries."""
    parts = urlsplit(link)
    resp = await daemon.client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
    assert resp.status == 302
    location = resp.headers["Location"]
    return location, parse_qs(urlsplit(location).query)


async def consent(daemon, link: str) -> dict:
    """Start a flow and pass the emulator's (auto-approving) consent: the query Xero sends back to our callback."""
    location, _ = await start(daemon, link)
    async with daemon.client.session.get(location, allow_redirects=False) as answer:
        return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


async def test_start_redirects_to_the_authorize_url_with_state_and_pkce(daemon, settings):
    location, query = await start(daemon, daemon.service.connect_link("U1"))
    assert location.startswith(settings.xero_authorize_url)
    assert query["response_type"] == ["code"] and query["client_id"] == ["emulator-client"]
    assert query["redirect_uri"] == [settings.redirect_uri] and query["code_challenge_method"] == ["S256"]
    assert "offline_access" in query["scope"][0].split() and len(query["state"][0]) >= 32


async def test_a_connect_link_works_once(daemon, emulator):
    link = daemon.service.connect_link("U1")
    assert (await follow_consent(daemon, emulator, link)).status == 200
    parts = urlsplit(link)
    again = await daemon.client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
    assert again.status == 400 and "already been used" in await again.text()


async def test_a_connect_link_expires_after_ten_minutes(daemon, emulator):
    link = daemon.service.connect_link("U1")
    await daemon.clock.advance(601)
    parts = urlsplit(link)
    resp = await daemon.client.get(f"{parts.path}?{parts.query}")
    assert resp.status == 400 and "invalid or has expired" in await resp.text()


@pytest.mark.parametrize("query", [
    {},                                                   # no state at all
    {"state": "forged-state", "code": "whatever"},        # a state we never issued
])
async def test_a_missing_or_forged_state_changes_nothing(daemon, query):
    before = await snapshot(daemon)
    resp = await daemon.client.get("/oauth/callback", params=query)
    assert resp.status == 400 and "Xero was not connected" in await resp.text()
    assert await snapshot(daemon) == before


async def test_a_reused_state_changes_nothing(daemon, emulator):
    emulator.state.auto_approve = True
    back = await consent(daemon, daemon.service.connect_link("U1"))
    assert (await daemon.client.get("/oauth/callback", params=back)).status == 200
    await daemon.advance(0)  # the first syncs of the new connection
    before = await snapshot(daemon)
    replay = await daemon.client.get("/oauth/callback", params=back)
    assert replay.status == 400 and "already used" in await replay.text()
    assert await snapshot(daemon) == before


async def test_an_expired_state_changes_nothing(daemon, emulator):
    back = await consent(daemon, daemon.service.connect_link("U1"))
    await daemon.clock.advance(601)  # the user took more than ten minutes on Xero's screen
    before = await snapshot(daemon)
    resp = await daemon.client.get("/oauth/callback", params=back)
    assert resp.status == 400 and "expired" in await resp.text()
    assert await snapshot(daemon) == before


async def refused(daemon, **answer: str) -> str:
    """Start a flow, come back to our callback with Xero's `answer` (and the flow's state), see it refused with
    nothing changed; the page shown."""
    _, query = await start(daemon, daemon.service.connect_link("U1"))
    before = await snapshot(daemon)
    resp = await daemon.client.get("/oauth/callback", params={**answer, "state": query["state"][0]})
    assert resp.status == 400
    assert await snapshot(daemon) == before
    return await resp.text()


async def test_access_denied_shows_a_clear_page_and_changes_nothing(daemon, emulator):
    assert "you declined access" in await refused(daemon, error="access_denied")


async def test_a_failed_code_exchange_changes_nothing_and_leaks_no_secret(daemon, emulator):
    page = await refused(daemon, code="not-a-real-code")
    assert "Connecting to Xero failed" in page
    assert "emulator-secret" not in page and "not-a-real-code" not in page


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=3, auto_approve=True)


async def test_a_reauthorization_link_works_once(daemon, emulator):
    await daemon.connect(emulator)
    link = daemon.service.reauth_link(emulator.state.tenants[0].tenant_id)
    assert (await follow_consent(daemon, emulator, link)).status == 200
    parts = urlsplit(link)
    again = await daemon.client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
    assert again.status == 400 and "already been used" in await again.text()


async def test_a_reauthorization_link_reconnects_its_org_and_its_grants_and_nothing_else(daemon, emulator):
    """Xero's consent screen offers every org the user can reach, and the user may tick them all: the link
    connects back what it was made for, and a new org (here: one an admin just deleted) is ignored, visibly."""
    await daemon.connect(emulator)
    await daemon.advance(0)
    mine, sibling, deleted = emulator.state.tenants
    await daemon.service.delete(deleted.tenant_id)
    link = daemon.service.reauth_link(mine.tenant_id)
    page = await follow_consent(daemon, emulator, link)  # the emulator consents to all three
    text = await page.text()
    assert page.status == 200
    assert f"{mine.name} (reconnected)" in text and f"{sibling.name} (reconnected)" in text
    assert f"{deleted.name} (not connected" in text and "/xero auth" in text
    assert {o.tenant_id for o in await daemon.store.orgs.list()} == {mine.tenant_id, sibling.tenant_id}


async def test_a_reauthorization_link_for_an_org_deleted_since_changes_nothing(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    gone = emulator.state.tenants[2].tenant_id
    link = daemon.service.reauth_link(gone)
    await daemon.service.delete(gone)
    before = await snapshot(daemon)
    parts = urlsplit(link)
    resp = await daemon.client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
    assert resp.status == 400 and "no longer connected" in await resp.text()
    assert await snapshot(daemon) == before

"""More scopes than a grant holds: the org's consent in Xero left out the scope Journals needs. Journals is skipped
with a note in each run, the rest of the org syncs and the run succeeds; status and /xero test say which scope is
missing; one "Re-authorize to add access" alert is posted, however many runs skip it (and across a restart), until
a consent adds the scope: then Journals syncs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from daemon.core.entities import scopes_for
from tests import stored
from tests.slack.support import reply
from tests.support import follow_consent
from xero_emulator import EmulatorConfig

ENTITIES = ("Organisation", "Contacts", "Journals")
JOURNALS = "accounting.journals.read"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True)


@pytest.fixture
def settings(settings):
    return replace(settings, sync_entities=ENTITIES, xero_scopes=scopes_for(ENTITIES))


def access_alerts(slack) -> list:
    return [p for p in slack.posts if "Xero access missing" in p.fallback]


def entity_calls(emulator, tenant_id: str, name: str) -> list:
    return [c for c in emulator.api_calls(tenant_id) if c.path.endswith("/" + name)]


async def test_a_missing_scope_skips_its_entity_alerts_once_and_a_consent_adds_it(make_daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    emulator.state.withhold_scopes([JOURNALS])  # the consent grants less than the daemon asks for
    daemon = await make_daemon()
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()

    run = await daemon.store.runs.latest(tenant)
    assert run.outcome == "success"
    assert f"Journals was not synced: the grant lacks {JOURNALS} (re-authorize to add access)" in run.notes
    assert entity_calls(emulator, tenant, "Journals") == []
    contacts = await stored.records(daemon, tenant, "Contacts")
    assert len(contacts) == len(emulator.state.records(tenant, "Contacts"))  # the rest of the org synced
    [alert] = access_alerts(slack)
    assert "Missing access: `accounting.journals.read` (Journals is not synced)" in alert.text
    assert "The other entities keep syncing." in alert.fallback
    [button] = alert.buttons()
    assert button["text"]["text"] == "Re-authorize to add access" and "/oauth/start?link=" in button["url"]

    status = await reply(daemon, slack, "status")
    assert "Missing access" in status.shown and JOURNALS in status.shown
    test = await reply(daemon, slack, "test")
    assert "Missing access" in test.shown and JOURNALS in test.shown
    assert "Re-authorize to add access" in [b["text"]["text"] for b in test.buttons()]

    await daemon.advance(3600)  # the next hourly sync skips it again, and says nothing new
    await daemon.client.close()  # nor after a restart
    daemon = await make_daemon()
    await daemon.advance(3600)
    await daemon.flush()
    runs = await stored.runs(daemon, tenant)
    assert [r.outcome for r in runs[:3]] == ["success"] * 3
    assert access_alerts(slack) == [alert]
    assert (await daemon.store.runs.latest(tenant)).notes == run.notes

    emulator.state.withhold_scopes([])
    page = await follow_consent(daemon, emulator, button["url"])
    assert page.status == 200
    await daemon.flush()
    [granted] = [p for p in slack.posts if "has the Xero access it lacked" in p.fallback]
    assert f"(`{JOURNALS}`)" in granted.fallback
    emulator.state.clear_calls()
    await daemon.advance(3600)
    await daemon.flush()
    run = await daemon.store.runs.latest(tenant)
    assert (run.outcome, run.notes) == ("success", [])
    assert len(await stored.records(daemon, tenant, "Journals")) == len(emulator.state.records(tenant, "Journals"))
    assert access_alerts(slack) == [alert]
    status = await reply(daemon, slack, "status")
    assert "Missing access" not in status.shown

    emulator.state.withhold_scopes([JOURNALS])  # lost again (a later consent without it): told again, once
    await follow_consent(daemon, emulator, daemon.service.reauth_link(tenant))
    await daemon.advance(3600)
    await daemon.advance(3600)
    await daemon.flush()
    assert len(access_alerts(slack)) == 2

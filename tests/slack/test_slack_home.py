"""The app's Home tab: the integration page in Slack. Published when opened (admins get the buttons, everyone else
the page), its buttons and the Reset modal do what the commands do, and it is republished after a change; all
through signed Slack events and interactions, read as a person reads the view."""

from __future__ import annotations

import json

import pytest

from daemon.slack.wording.home import MAX_BLOCKS
from tests import stored
from tests.slack.support import (ADMIN, MEMBER, event_body, home_action_body, post_signed, reply,
                                 view_submission_body)
from xero_emulator import EmulatorConfig

NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"


async def connected(daemon, emulator, slack) -> list[str]:
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    return [t.tenant_id for t in emulator.state.tenants]


async def open_home(daemon, slack, user: str):
    before = len(slack.published(user))
    body = event_body({"type": "app_home_opened", "user": user, "channel": "D_" + user, "tab": "home",
                       "event_ts": "1700000000.2"})
    resp = await post_signed(daemon, body, content_type="application/json")
    assert resp.status == 200
    await daemon.settled()
    return (await slack.wait_for(lambda s: s.published(user)[before:], f"{user}'s Home tab"))[-1]


async def press(daemon, slack, action_id: str, value: str, *, user: str = ADMIN):
    """Press a Home button; the tab as it is once the work is done."""
    before = len(slack.published(user))
    resp = await post_signed(daemon, home_action_body(action_id, user=user, value=value))
    assert resp.status == 200
    await daemon.settled()
    done = await slack.wait_for(lambda s: [t for t in s.published(user)[before:] if " now…" not in t.view.shown],
                                "the tab redrawn with the outcome")  # not the "Syncing … now…" drawn meanwhile
    return done[-1]


def buttons(tab) -> list[str]:
    return [b["text"]["text"] for b in tab.view.buttons()]


async def test_an_admin_sees_every_org_with_its_buttons_and_a_member_sees_the_page(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    mine = await open_home(daemon, slack, ADMIN)
    assert mine.body["user_id"] == ADMIN and mine.view.body["type"] == "home"
    shown = mine.view.shown
    assert shown.startswith("Xero integration\n2 organisations: 2 connected.")
    for label in ("LAST ATTEMPTED SYNC: ", "LAST SUCCESSFUL SYNC: Tue 24 Nov 2026, 10:00 PM NZDT", "SYNC FROM DATE: ",
                  "Next sync: ", "Records: ", "Calls left today: ", "its time zone: Pacific/Auckland"):
        assert label in shown, label
    assert buttons(mine) == ["Connect another organisation"] + ["Sync now", "Test connection", "Reset…", "Disable",
                                                                 "Delete"] * 2
    delete = [b for b in mine.view.buttons() if b["text"]["text"] == "Delete"][0]
    assert delete["confirm"]["title"]["text"] == f"Delete {NZ}?" and delete["value"] == tenants[0]
    assert "/oauth/start?link=" in mine.view.buttons()[0]["url"]

    theirs = await open_home(daemon, slack, MEMBER)
    assert buttons(theirs) == [] and "Read-only: only admins" in theirs.view.shown
    assert NZ in theirs.view.shown and UK in theirs.view.shown
    assert sorted(await daemon.service.home_viewers()) == sorted([ADMIN, MEMBER])


async def test_each_button_does_what_its_command_does(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    await open_home(daemon, slack, ADMIN)
    slack.calls.clear()

    synced = await press(daemon, slack, "home_sync", tenants[0])
    assert synced.view.shown.splitlines()[1].startswith(f":white_check_mark: Synced {NZ} in ")
    assert (await daemon.store.runs.latest(tenants[0])).started_by == ADMIN

    tested = await press(daemon, slack, "home_test", tenants[1])
    assert tested.view.shown.splitlines()[1].startswith(f":white_check_mark: {UK} is reachable. Scopes: ")

    off = await press(daemon, slack, "home_disable", tenants[1])
    assert off.view.shown.splitlines()[1].startswith(f":double_vertical_bar: Automatic hourly sync of {UK} is disabled")
    assert not (await daemon.store.orgs.get(tenants[1])).enabled
    assert "Enable" in buttons(off)
    on = await press(daemon, slack, "home_enable", tenants[1])
    assert (await daemon.store.orgs.get(tenants[1])).enabled and "Automatic hourly sync" in on.view.shown

    gone = await press(daemon, slack, "home_delete", tenants[1])
    assert gone.view.shown.splitlines()[1] == f":wastebasket: Deleted {UK}: its connection and stored data are gone."
    assert await daemon.store.orgs.get(tenants[1]) is None and UK not in gone.view.shown.split("\n", 2)[2]
    stale = await press(daemon, slack, "home_sync", tenants[1])
    assert "This button is stale" in stale.view.shown
    await daemon.flush()
    assert [p.fallback.split(" ", 2)[1] for p in slack.posts if p.thread_ts is None] == [f"<@{ADMIN}>"] * 4  # audit


async def test_a_members_forged_press_changes_nothing(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    runs = len(await stored.runs(daemon, tenants[0]))
    refused = await press(daemon, slack, "home_disable", tenants[0], user=MEMBER)
    assert "Only admins can run `/xero disable`" in refused.view.shown
    assert (await daemon.store.orgs.get(tenants[0])).enabled and len(await stored.runs(daemon, tenants[0])) == runs


async def test_reset_opens_a_modal_naming_the_orgs_zone_and_its_submission_resets(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    await open_home(daemon, slack, ADMIN)
    resp = await post_signed(daemon, home_action_body("home_reset", user=ADMIN, value=tenants[0]))
    assert resp.status == 200
    await daemon.settled()
    [opened] = await slack.wait_for(lambda s: [c for c in s.calls if c.method == "views.open"], "the modal")
    modal = opened.view
    assert opened.body["trigger_id"] == "trigger.1" and modal.body["callback_id"] == "reset_modal"
    assert modal.body["private_metadata"] == tenants[0]
    assert "from midnight in Pacific/Auckland, the organisation's time zone" in modal.shown
    entities = [o["value"] for o in modal.body["blocks"][2]["element"]["options"]]
    assert "Invoices" in entities and "Contacts" in entities

    async def submit(day: str | None, chosen: list[str], user: str = ADMIN):
        values = {"since": {"day": {"type": "datepicker", "selected_date": day}},
                  "entities": {"chosen": {"type": "multi_static_select",
                                          "selected_options": [{"value": e} for e in chosen]}}}
        return await post_signed(daemon, view_submission_body("reset_modal", user=user, metadata=tenants[0],
                                                              values=values))

    marks = await daemon.store.records.watermarks(tenants[0])
    future = await submit("2026-12-25", [])
    assert future.status == 200
    body = json.loads(await future.text())
    assert body["response_action"] == "errors" and "is in the future" in body["errors"]["since"]
    assert await daemon.store.records.watermarks(tenants[0]) == marks  # nothing changed

    done = await submit("2024-07-01", ["Invoices"])
    assert done.status == 200 and (await done.text()) in ("", "{}")  # the modal closes
    await daemon.settled()
    after = await daemon.store.records.watermarks(tenants[0])
    assert after["Invoices"] == 1719748800000 and after["Contacts"] == marks["Contacts"]  # NZ midnight, one entity
    tab = (await slack.wait_for(lambda s: s.published(ADMIN)[1:], "the tab"))[-1]
    assert ":rewind: The next sync reads Invoices of Demo Company (NZ) from 2024-07-01, midnight Pacific/Auckland" \
        in tab.view.shown

    await submit(None, [])  # no date, no entity: the whole history, SYNC FROM DATE of the org
    org = await daemon.store.orgs.get(tenants[0])
    assert org.sync_from is None and set((await daemon.store.records.watermarks(tenants[0])).values()) == {None}


async def test_the_tab_is_republished_once_after_a_burst_of_changes(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    await open_home(daemon, slack, ADMIN)
    await open_home(daemon, slack, MEMBER)
    slack.calls.clear()
    await reply(daemon, slack, f"disable {UK}")  # by command: the tabs follow
    await reply(daemon, slack, f"reset {NZ} 2024-07-01")
    await daemon.advance(5)
    assert [c.body["user_id"] for c in slack.published()] in ([ADMIN, MEMBER], [MEMBER, ADMIN])
    for tab in slack.published():
        assert f"{UK}\nConnection: :white_circle: disabled" in tab.view.shown
        assert "SYNC FROM DATE: Mon 1 Jul 2024, 12:00 AM NZST" in tab.view.shown
    slack.calls.clear()
    await daemon.advance(3600)  # both orgs' hourly syncs end: one more redraw each
    await daemon.advance(5)
    assert len(slack.published(ADMIN)) == len(slack.published(MEMBER)) >= 1
    assert len(slack.published(ADMIN)) <= 2  # the two syncs' ends are 7 minutes apart in this hour's slots
    assert tenants


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(orgs=40, auto_approve=True, invoices=2, contacts=2,
                                                            payments=2)])
async def test_forty_orgs_fit_slacks_limit_of_a_hundred_blocks(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    emulator.state.disconnect_tenant(tenants[5])
    await daemon.finish(daemon.service.sync(tenants[5]))
    tab = await open_home(daemon, slack, ADMIN)
    blocks = tab.view.body["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    assert "1 needs re-authorization" in tab.view.shown and "Re-authorize Xero" in buttons(tab)
    assert all(t.name in tab.view.shown for t in emulator.state.tenants)  # a card or a line each


async def test_over_socket_mode_the_tab_and_its_buttons_work_the_same(make_daemon, settings, emulator, slack):
    from dataclasses import replace as replaced

    daemon = await make_daemon(settings_=replaced(settings, slack_signing_secret=None, slack_app_token="xapp-test"))
    tenants = await connected(daemon, emulator, slack)
    event = json.loads(event_body({"type": "app_home_opened", "user": ADMIN, "channel": "D1", "tab": "home"}))
    await slack.socket_send("events_api", event)
    await daemon.settled()
    [tab] = await slack.wait_for(lambda s: s.published(ADMIN), "the Home tab")
    assert "Sync now" in buttons(tab)
    pressed = _payload(home_action_body("home_sync", user=ADMIN, value=tenants[1]))
    await slack.socket_send("interactive", pressed)
    await daemon.settled()
    redrawn = await slack.wait_for(lambda s: [t for t in s.published(ADMIN) if "Synced" in t.view.shown], "redrawn")
    assert redrawn[-1].view.shown.splitlines()[1].startswith(f":white_check_mark: Synced {UK} in ")
    assert (await daemon.store.runs.latest(tenants[1])).started_by == ADMIN


def _payload(form: str) -> dict:
    from urllib.parse import parse_qs

    return json.loads(parse_qs(form)["payload"][0])

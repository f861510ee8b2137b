"""`/xero` through the HTTP endpoint, signed as Slack signs: every command's reply as a person reads it (the
fallback text and the Block Kit), admin refusals, refused signatures, and words read as what they are."""

from __future__ import annotations

import re
import time

from daemon.core.keys import SETTINGS
from tests import stored
from tests.slack.support import (
    ADMIN,
    MEMBER,
    SIGNING_SECRET,
    acked,
    click,
    command,
    command_body,
    post_signed,
    reply,
    reply_in_time,
    signed_headers,
)
from tests.support import follow_consent
from tests.waiting import eventually

NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"
# a time as the fallback shows it: the org's own zone, day before month ("Tue 24 Nov 2026, 10:00 PM NZDT")
LOCAL = re.compile(r"\w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d\d [AP]M [A-Z]{3,4}")
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d\d\b")


async def connected(daemon, emulator):
    await daemon.connect(emulator)
    await daemon.advance(0)
    return [t.tenant_id for t in emulator.state.tenants]


async def test_unsigned_wrongly_signed_and_stale_requests_get_401(daemon, slack):
    url, tag = slack.response_url()
    body = command_body("status", user=ADMIN, response_url=url)
    unsigned = await daemon.client.post("/slack/events", data=body.encode(),
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    wrong = await post_signed(daemon, body, secret="not-the-signing-secret")
    stale = await post_signed(daemon, body, timestamp=int(time.time()) - 600)
    forged = await daemon.client.post("/slack/events", data=body.replace("status", "delete").encode(),
                                      headers=signed_headers(body))  # a signature covers its own body only
    assert [unsigned.status, wrong.status, stale.status, forged.status] == [401, 401, 401, 401]


async def test_help_in_any_case_is_help_and_an_unknown_word_is_named_clipped(daemon, slack):
    for text in ("help", "HELP", "Help", "", "  help  "):
        answer = await acked(daemon, slack, text, user=MEMBER)
        assert "I don't know" not in answer.fallback, text
        for usage in ("/xero status [org]", "/xero sync [org|all] [entity]", "/xero reset [org] [entity] [YYYY-MM-DD]",
                      "/xero history [org] [N]"):
            assert usage in answer.fallback and usage in answer.shown, (text, usage)
    unknown = await acked(daemon, slack, "frobnicate now", user=MEMBER)
    assert unknown.fallback.startswith("I don't know `frobnicate`.") and "/xero status [org]" in unknown.shown
    huge = await acked(daemon, slack, "x" * 5000, user=MEMBER)
    assert "I don't know `" + "x" * 39 + "…`." in huge.fallback and "x" * 41 not in huge.everything()
    assert slack.responses() == []  # each was answered in its acknowledgement


async def test_mutating_commands_are_refused_to_non_admins_saying_who_may(daemon, emulator, slack):
    await connected(daemon, emulator)
    runs_before = len(await stored.runs(daemon, emulator.state.tenants[0].tenant_id))
    for text in ("auth", f"sync {NZ}", f"reset {NZ}", f"disable {NZ}", f"enable {NZ}", f"delete {NZ}"):
        answer = await acked(daemon, slack, text, user=MEMBER)
        assert f"Only admins can run `/xero {text.split()[0]}`. Admins: <@{ADMIN}>." in answer.fallback, text
    assert len(await stored.runs(daemon, emulator.state.tenants[0].tenant_id)) == runs_before
    assert all(o.enabled for o in await daemon.store.orgs.list())
    assert len(await daemon.store.orgs.list()) == 2 and slack.responses() == []


async def test_everyone_is_an_admin_when_the_list_is_empty(make_daemon, settings, emulator, slack):
    from dataclasses import replace

    daemon = await make_daemon(settings_=replace(settings, slack_admin_users=()))
    await connected(daemon, emulator)
    answer = await reply(daemon, slack, f"disable {UK}", user=MEMBER)
    assert f"Automatic hourly sync of {UK} is disabled." in answer.fallback


async def test_auth_replies_privately_with_a_connect_button_that_connects(daemon, emulator, slack):
    answer = await reply(daemon, slack, "auth")
    assert answer.body["response_type"] == "ephemeral"
    [button] = answer.buttons()
    assert button["text"]["text"] == "Connect Xero"
    assert button["url"].startswith(daemon.app[SETTINGS].public_url + "/oauth/start?link=")
    page = await follow_consent(daemon, emulator, button["url"])
    assert page.status == 200 and NZ in await page.text()
    await daemon.flush()
    announcement = slack.posts[0]
    assert announcement.fallback.startswith(f":link: <@{ADMIN}> connected Xero: {NZ}, {UK}.")
    ack = await click(daemon, slack, "connect_xero", url=button["url"])  # the link button's action is acked
    assert ack.response.status == 200


async def test_an_org_that_is_ambiguous_unknown_or_followed_by_nonsense_is_the_acknowledgement(
        daemon, emulator, slack):
    tenants = await connected(daemon, emulator)
    runs_before = {t: len(await stored.runs(daemon, t)) for t in tenants}
    cases = {
        "sync": f"Several organisations are connected; name one: {NZ} ({tenants[0]}), {UK} ({tenants[1]})",
        "sync demo": "'demo' matches several organisations; be more specific:",
        "sync Acme": f"No organisation matches 'Acme'. Connected: {NZ} ({tenants[0]})",
        f"sync {NZ} now please": "I don't understand `now`: after the organisation this command takes an entity "
                                 "(e.g. Invoices).",
        f"sync {NZ} Widgets": "I don't understand `Widgets`",
        f"reset {NZ} tomorrow": "`tomorrow` is not a date I can read: write it as YYYY-MM-DD, e.g. 2024-07-01.",
        f"reset {NZ} 01/07/2024": "`01/07/2024` is not a date I can read",
        f"reset {NZ} 2024-13-01": "`2024-13-01` is not a date I can read",
        f"disable {NZ} 2024-07-01": "I don't understand `2024-07-01`: after the organisation this command takes "
                                    "nothing.",
        f"history {NZ} 500": "I don't understand `500`: after the organisation this command takes a number up to 50.",
    }
    for text, words in cases.items():
        answer = await acked(daemon, slack, text)
        assert answer.fallback.startswith(":warning: ") and words in answer.fallback, (text, answer.fallback)
        assert "Syncing" not in answer.fallback and "Traceback" not in answer.everything()
    huge = await acked(daemon, slack, f"sync {NZ} " + "y" * 5000)
    assert "`" + "y" * 39 + "…`" in huge.fallback and "y" * 41 not in huge.everything()
    await daemon.settled()
    assert slack.responses() == []  # nothing acknowledged as started, nothing answered after
    assert {t: len(await stored.runs(daemon, t)) for t in tenants} == runs_before
    assert all(o.enabled for o in await daemon.store.orgs.list())


async def test_sync_acks_naming_the_org_then_says_what_changed_in_a_sentence(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator))[0]
    invoice = emulator.state.records(tenant, "Invoices")[0]
    await daemon.clock.advance(60)
    emulator.state.update_record(tenant, "Invoices", invoice["InvoiceID"], {"Reference": "changed in Xero"})
    sent = await command(daemon, slack, "sync demo company (nz)")
    assert (await sent.acked()).fallback == f":arrows_counterclockwise: Syncing {NZ} now; I'll reply here when " \
                                            "it finishes."
    answer = await slack.response(sent.tag)
    assert re.fullmatch(rf":white_check_mark: Synced {re.escape(NZ)} in [\d.]+ s: 1 record changed \(Invoices 1\); "
                        r"\d+ API calls\.", answer.fallback), answer.fallback
    again = await reply(daemon, slack, f"sync {NZ}")
    assert ": nothing changed;" in again.fallback
    emulator.state.clear_calls()
    one = await command(daemon, slack, f"sync {NZ} contacts")
    assert f"Syncing Contacts of {NZ} now" in (await one.acked()).fallback
    assert "Synced" in (await slack.response(one.tag)).fallback
    assert {c.path.rsplit("/", 1)[-1] for c in emulator.api_calls(tenant)} == {"Contacts"}


async def test_every_outcome_reads_as_a_sentence(daemon, emulator, slack):
    tenants = await connected(daemon, emulator)
    emulator.state.inject_fault("503_text", tenant_id=tenants[0], fraction=1.0)
    failed = await reply_in_time(daemon, slack, f"sync {NZ}")
    assert re.fullmatch(rf":x: The sync of {re.escape(NZ)} failed after [\d.]+ s: .*503.*\. The next scheduled sync "
                        r"will try again\.", failed.fallback), failed.fallback
    emulator.state.clear_faults()
    emulator.state.disconnect_tenant(tenants[1])
    refused = await reply_in_time(daemon, slack, f"sync {UK}")
    assert refused.fallback.startswith(f":closed_lock_with_key: The sync of {UK} stopped: Xero refused its "
                                       "authorization (")
    assert refused.fallback.endswith("Automatic syncing waits until someone re-authorizes Xero.")
    assert "[Re-authorize Xero]" in refused.shown
    assert "ended" not in failed.fallback + refused.fallback and "auth_failed" not in refused.everything()


async def test_disable_enable_and_manual_sync_while_disabled(daemon, emulator, slack):
    await connected(daemon, emulator)
    off = await reply(daemon, slack, f"disable {UK}")
    assert off.fallback == f":double_vertical_bar: Automatic hourly sync of {UK} is disabled. Manual `/xero sync` " \
                           "still works."
    synced = await reply(daemon, slack, f"sync {UK}")
    assert f"Synced {UK}" in synced.fallback and "manual sync still works" in synced.fallback
    on = await reply(daemon, slack, f"enable {UK}")
    assert on.fallback == f":arrow_forward: Automatic hourly sync of {UK} is enabled."
    assert all(o.enabled for o in await daemon.store.orgs.list())


async def test_a_sync_already_running_is_joined_and_says_so(daemon, emulator, slack):
    import asyncio

    tenant = (await connected(daemon, emulator))[0]
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Invoices", count=1, delay=30)
    first = asyncio.create_task(daemon.service.sync(tenant))
    await eventually(lambda: [c for c in emulator.api_calls(tenant) if c.status == 429], "the sync to be held by a 429")
    sent = await command(daemon, slack, f"sync {NZ}")
    await daemon.advance(31)
    answer = await slack.response(sent.tag)
    assert f"A sync of {NZ} was already running, so I joined it instead of starting another." in answer.fallback
    assert (await first).run.id == (await daemon.store.runs.latest(tenant)).id


async def test_delete_asks_first_then_deletes_on_confirm(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator))[1]
    ask = await reply(daemon, slack, f"delete {UK}")
    assert ask.fallback.startswith(f":warning: Delete {UK}? This removes its Xero connection")
    confirm, cancel = ask.buttons()
    assert (confirm["text"]["text"], confirm["value"], cancel["text"]["text"]) == ("Confirm delete", tenant, "Cancel")
    assert await daemon.store.orgs.get(tenant) is not None  # asking deleted nothing
    cancelled = await click(daemon, slack, cancel["action_id"], value=tenant)
    assert (await slack.response(cancelled.tag)).fallback == "Cancelled: nothing was deleted."
    refused = await click(daemon, slack, confirm["action_id"], value=tenant, user=MEMBER)
    assert "Only admins" in (await slack.response(refused.tag)).fallback
    assert await daemon.store.orgs.get(tenant) is not None
    done = await click(daemon, slack, confirm["action_id"], value=tenant)
    answer = await slack.response(done.tag)
    assert answer.fallback == f":wastebasket: Deleted {UK}: its connection and stored data are gone."
    assert answer.body["replace_original"] is True
    assert await daemon.store.orgs.get(tenant) is None
    assert not emulator.state.connections.is_connected(tenant)
    again = await click(daemon, slack, confirm["action_id"], value=tenant)  # the same button, pressed again
    assert (await slack.response(again.tag)).fallback.startswith(":hourglass: This button is stale: the "
                                                                 "organisation it was for is no longer connected")


async def test_something_unexpected_gets_an_apology_not_a_stack_trace(daemon, emulator, slack):
    await connected(daemon, emulator)
    await daemon.store.db.close()  # the database goes away under the command
    answer = await acked(daemon, slack, "status")
    assert "Sorry, something went wrong" in answer.fallback
    assert "Traceback" not in answer.everything() and "Error" not in answer.everything()


async def test_no_secret_reaches_a_reply(daemon, emulator, slack):
    await connected(daemon, emulator)
    for text in ("status", "test", f"sync {NZ}", "history demo company (nz)", "help"):
        await command(daemon, slack, text)
    await slack.wait_for(lambda s: len(s.responses()) >= 4, "four answers")
    await daemon.flush()
    seen = "\n".join(c.everything() for c in slack.calls)
    grant = await daemon.store.grants.get((await daemon.store.orgs.list())[0].grant_id)
    for secret in (SIGNING_SECRET, "xoxb-test-token", "emulator-secret", grant.tokens.refresh_token,
                   grant.tokens.access_token):
        assert secret not in seen
    assert not US_DATE.search(seen) and "just now" not in seen and " ago" not in seen.replace("{ago}", "")

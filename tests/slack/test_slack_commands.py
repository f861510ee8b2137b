"""`/xero` through the HTTP endpoint, signed as Slack signs: every command's reply, admin refusals, refused
signatures, and help for anything unknown."""

from __future__ import annotations

import re
import time

from daemon.core.keys import SETTINGS
from tests import stored
from tests.slack.support import (
    ADMIN,
    MEMBER,
    SIGNING_SECRET,
    click,
    command,
    command_body,
    post_signed,
    reply,
    signed_headers,
)
from tests.support import follow_consent
from tests.waiting import eventually

WHEN = re.compile(r"\d{1,2}/\d{1,2}/\d\d @ \d{1,2}:\d\d[AP]M UTC, (just now|\d+ (minute|hour|day)s? ago)")


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


async def test_help_for_help_empty_and_unknown_words(daemon, slack):
    for text, unknown in (("help", None), ("", None), ("frobnicate now", "frobnicate")):
        ack = await (await command(daemon, slack, text, user=MEMBER)).ack()
        assert "/xero status [org]" in ack["text"] and "/xero reset [org] [YYYY-MM-DD]" in ack["text"]
        assert ack["blocks"] and ("I don't know `frobnicate`" in ack["text"]) == bool(unknown)


async def test_mutating_commands_are_refused_to_non_admins_saying_who_may(daemon, emulator, slack):
    await connected(daemon, emulator)
    runs_before = len(await stored.runs(daemon, emulator.state.tenants[0].tenant_id))
    for text in ("auth", "sync Demo Company (NZ)", "reset Demo Company (NZ)", "disable Demo Company (NZ)",
                 "enable Demo Company (NZ)", "delete Demo Company (NZ)"):
        ack = await (await command(daemon, slack, text, user=MEMBER)).ack()
        assert "Only admins can run" in ack["text"] and f"<@{ADMIN}>" in ack["text"], text
    assert len(await stored.runs(daemon, emulator.state.tenants[0].tenant_id)) == runs_before
    assert all(o.enabled for o in await daemon.store.orgs.list())
    assert len(await daemon.store.orgs.list()) == 2 and slack.responses() == []


async def test_everyone_is_an_admin_when_the_list_is_empty(make_daemon, settings, emulator, slack):
    from dataclasses import replace

    daemon = await make_daemon(settings_=replace(settings, slack_admin_users=()))
    await connected(daemon, emulator)
    answer = await reply(daemon, slack, "disable Demo Company (UK)", user=MEMBER)
    assert "is disabled" in answer.text


async def test_auth_replies_privately_with_a_connect_button_that_connects(daemon, emulator, slack):
    answer = await reply(daemon, slack, "auth")
    assert answer.body["response_type"] == "ephemeral"
    [button] = answer.buttons()
    assert button["text"]["text"] == "Connect Xero"
    assert button["url"].startswith(daemon.app[SETTINGS].public_url + "/oauth/start?link=")
    page = await follow_consent(daemon, emulator, button["url"])
    assert page.status == 200 and "Demo Company (NZ)" in await page.text()
    await daemon.flush()
    [announcement] = slack.posts
    assert "Demo Company (NZ)" in announcement.text and "Demo Company (UK)" in announcement.text
    ack = await click(daemon, slack, "connect_xero", url=button["url"])  # the link button's action is acked
    assert ack.response.status == 200


async def test_status_reads_like_the_integration_page(daemon, emulator, slack):
    await connected(daemon, emulator)
    await daemon.clock.advance(2 * 3600 + 5)  # syncs due meanwhile are not waited for: status must still answer
    answer = await reply(daemon, slack, "status demo company (nz)", user=MEMBER)
    text = answer.text
    for label in ("connected", "LAST ATTEMPTED SYNC", "LAST SUCCESSFUL SYNC", "SYNC FROM DATE", "Next sync",
                  "Records", "Invoices 50"):
        assert label in text, label
    assert WHEN.search(text), text
    assert "Demo Company (UK)" not in text
    everything = await reply(daemon, slack, "status", user=MEMBER)
    assert "Demo Company (NZ)" in everything.text and "Demo Company (UK)" in everything.text
    assert any(b["type"] == "section" and "fields" in b for b in everything.blocks)


async def test_status_shows_the_last_error_and_reauthorization(daemon, emulator, slack):
    await connected(daemon, emulator)
    emulator.state.revoke_grant()  # one grant reaches both organisations
    await daemon.advance(3600)
    answer = await reply(daemon, slack, "status")
    assert answer.text.count("needs re-authorization") == 2
    assert answer.text.count("Next sync: after re-authorization") == 2
    assert "Last error: authorization failed" in answer.text


async def test_test_reports_reachability_scopes_and_budget(daemon, emulator, slack):
    await connected(daemon, emulator)
    sent = await command(daemon, slack, "test", user=MEMBER)
    assert "Testing" in (await sent.ack())["text"]
    answer = await slack.response(sent.tag)
    assert answer.text.count("reachable") == 2 and "accounting.invoices.read" in answer.text
    assert "calls left this minute" in answer.text
    emulator.state.disconnect_tenant(emulator.state.tenants[1].tenant_id)
    answer = await reply(daemon, slack, "test Demo Company (UK)")
    assert "not reachable" in answer.text and "disconnected" in answer.text


async def test_sync_acks_at_once_then_says_what_changed_and_how_long(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator))[0]
    invoice = emulator.state.records(tenant, "Invoices")[0]
    await daemon.clock.advance(60)
    emulator.state.update_record(tenant, "Invoices", invoice["InvoiceID"], {"Reference": "changed in Xero"})
    sent = await command(daemon, slack, "sync Demo Company (NZ)")
    assert "Sync started" in (await sent.ack())["text"]
    answer = await slack.response(sent.tag)
    assert "Synced Demo Company (NZ) in" in answer.text and "Invoices: 1 changed" in answer.text
    again = await reply(daemon, slack, "sync Demo Company (NZ)")
    assert "Nothing changed since the last sync." in again.text


async def test_disable_enable_and_manual_sync_while_disabled(daemon, emulator, slack):
    await connected(daemon, emulator)
    off = await reply(daemon, slack, "disable Demo Company (UK)")
    assert "disabled" in off.text and "Manual `/xero sync` still works" in off.text
    synced = await reply(daemon, slack, "sync Demo Company (UK)")
    assert "Synced Demo Company (UK)" in synced.text and "manual sync still works" in synced.text
    on = await reply(daemon, slack, "enable Demo Company (UK)")
    assert "enabled" in on.text
    assert all(o.enabled for o in await daemon.store.orgs.list())


async def test_a_sync_already_running_is_joined_and_says_so(daemon, emulator, slack):
    import asyncio

    tenant = (await connected(daemon, emulator))[0]
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Invoices", count=1, delay=30)
    first = asyncio.create_task(daemon.service.sync(tenant))
    await eventually(lambda: [c for c in emulator.api_calls(tenant) if c.status == 429], "the sync to be held by a 429")
    sent = await command(daemon, slack, "sync Demo Company (NZ)")
    await daemon.advance(31)
    answer = await slack.response(sent.tag)
    assert "already running" in answer.text and "joined" in answer.text
    assert (await first).run.id == (await daemon.store.runs.latest(tenant)).id


async def test_reset_takes_an_optional_date_and_explains_bad_ones(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator))[0]
    dated = await reply(daemon, slack, "reset Demo Company (NZ) 2024-07-01")
    assert "SYNC FROM DATE of Demo Company (NZ) is now 7/1/24 (2024-07-01)" in dated.text
    assert "nothing already stored is lost" in dated.text
    assert set((await daemon.store.records.watermarks(tenant)).values()) >= {1719792000000}
    whole = await reply(daemon, slack, "reset Demo Company (NZ)")
    assert "the whole history" in whole.text
    for bad, words in (("2024-13-01", "YYYY-MM-DD"), ("01/07/2024", "YYYY-MM-DD"), ("2099-01-01", "future")):
        answer = await reply(daemon, slack, f"reset Demo Company (NZ) {bad}")
        assert words in answer.text and "Traceback" not in answer.text, bad


async def test_unknown_and_ambiguous_orgs_list_the_candidates(daemon, emulator, slack):
    await connected(daemon, emulator)
    unknown = await reply(daemon, slack, "sync Acme")
    assert "No organisation matches 'Acme'" in unknown.text and "Demo Company (UK)" in unknown.text
    ambiguous = await reply(daemon, slack, "sync demo")
    assert "matches several" in ambiguous.text
    missing = await reply(daemon, slack, "disable")
    assert "Several organisations are connected" in missing.text


async def test_delete_asks_first_then_deletes_on_confirm(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator))[1]
    ask = await reply(daemon, slack, "delete Demo Company (UK)")
    assert "Delete Demo Company (UK)?" in ask.text
    confirm, cancel = ask.buttons()
    assert (confirm["text"]["text"], confirm["value"], cancel["text"]["text"]) == ("Confirm delete", tenant, "Cancel")
    assert await daemon.store.orgs.get(tenant) is not None  # asking deleted nothing
    cancelled = await click(daemon, slack, cancel["action_id"], value=tenant)
    assert "nothing was deleted" in (await slack.response(cancelled.tag)).text
    refused = await click(daemon, slack, confirm["action_id"], value=tenant, user=MEMBER)
    assert "Only admins" in (await slack.response(refused.tag)).text
    assert await daemon.store.orgs.get(tenant) is not None
    done = await click(daemon, slack, confirm["action_id"], value=tenant)
    answer = await slack.response(done.tag)
    assert "Deleted Demo Company (UK)" in answer.text and answer.body["replace_original"] is True
    assert await daemon.store.orgs.get(tenant) is None
    assert not emulator.state.connections.is_connected(tenant)


async def test_something_unexpected_gets_an_apology_not_a_stack_trace(daemon, emulator, slack):
    await connected(daemon, emulator)
    await daemon.store.db.close()  # the database goes away under the command
    answer = await reply(daemon, slack, "status")
    assert "Sorry, something went wrong" in answer.text
    assert "Traceback" not in answer.everything() and "Error" not in answer.everything()


async def test_no_secret_reaches_a_reply(daemon, emulator, slack):
    await connected(daemon, emulator)
    for text in ("status", "test", "sync Demo Company (NZ)", "help"):
        await command(daemon, slack, text)
    await slack.wait_for(lambda s: len(s.responses()) >= 3, "three answers")
    await daemon.flush()
    seen = "\n".join(c.everything() for c in slack.calls)
    grant = await daemon.store.grants.get((await daemon.store.orgs.list())[0].grant_id)
    for secret in (SIGNING_SECRET, "xoxb-test-token", "emulator-secret", grant.tokens.refresh_token,
                   grant.tokens.access_token):
        assert secret not in seen

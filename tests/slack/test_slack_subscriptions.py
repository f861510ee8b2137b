"""Alerts where the people are: `/xero subscribe [org|all] [kinds]` in a channel routes those alerts there,
`unsubscribe` stops them, `subscriptions` lists them; each alert reaches every channel that wants it exactly once;
the bot must be in a channel to subscribe it. (The daily digest: test_slack_digest.py.)"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.slack.support import ADMIN, CHANNEL, MEMBER, acked, command, reply
from tests.support import follow_consent

NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"


async def connected(daemon, emulator, slack) -> list[str]:
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    slack.calls.clear()  # the "Xero connected" announcement and the first syncs
    return [t.tenant_id for t in emulator.state.tenants]


def alerts_in(slack, channel: str) -> list:
    """The messages posted in a channel outside any thread."""
    return [p for p in slack.posts_in(channel) if p.thread_ts is None]


async def stored(daemon, channel: str) -> list[tuple[str, str]]:
    return [(s.scope, s.kind) for s in await daemon.store.subscriptions.of_channel(channel)]


async def test_subscribe_lists_and_unsubscribe_act_on_the_channel_they_are_typed_in(daemon, emulator, slack):
    nz, uk = await connected(daemon, emulator, slack)
    done = await reply(daemon, slack, f"subscribe {NZ} failures syncs", channel="C_NZ")
    assert done.fallback.splitlines() == [
        f":bell: This channel now receives failures and syncs alerts for {NZ}.", "This channel receives:",
        f"• {NZ}: failures and syncs"]
    assert "daily: a digest every day at 08:00 UTC" in done.shown
    assert await stored(daemon, "C_NZ") == [(nz, "failures"), (nz, "syncs")]

    plain = await reply(daemon, slack, "subscribe", channel="C_ALL")  # no org: every org; no kind: what needs a person
    assert plain.fallback.startswith(":bell: This channel now receives failures and auth alerts for every organisation.")
    assert await stored(daemon, "C_ALL") == [("*", "auth"), ("*", "failures")]
    again = await reply(daemon, slack, "subscribe all failures", channel="C_ALL")
    assert again.fallback.startswith(":bell: This channel already received failures alerts for every organisation.")

    listed = await reply(daemon, slack, "subscriptions", channel="C_NZ", user=MEMBER)  # anyone may look
    assert listed.fallback.splitlines() == ["This channel receives:", f"• {NZ}: failures and syncs"]
    refused = await acked(daemon, slack, "subscribe all", channel="C_NZ", user=MEMBER)
    assert refused.fallback.startswith(":no_entry: Only admins can run `/xero subscribe`")
    assert await stored(daemon, "C_NZ") == [(nz, "failures"), (nz, "syncs")]

    fewer = await reply(daemon, slack, f"unsubscribe {NZ} syncs", channel="C_NZ")
    assert fewer.fallback.splitlines()[0] == f":no_bell: This channel no longer receives syncs alerts for {NZ}."
    assert await stored(daemon, "C_NZ") == [(nz, "failures")]
    nothing = await reply(daemon, slack, "unsubscribe daily", channel="C_NZ")
    assert nothing.fallback.splitlines()[0] == ":no_bell: This channel had no daily subscription; nothing changed."
    await reply(daemon, slack, "unsubscribe", channel="C_NZ")  # no org, no kind: everything this channel had
    assert await stored(daemon, "C_NZ") == []
    empty = await reply(daemon, slack, "subscriptions", channel="C_NZ")
    assert empty.fallback == "This channel receives no Xero alerts. `/xero subscribe` routes them here."
    alert_channel = await reply(daemon, slack, "subscriptions", channel=CHANNEL)
    assert alert_channel.fallback.splitlines()[1] == (
        "• as the alert channel (SLACK_ALERT_CHANNEL): failures and auth of every organisation, connections, first "
        "syncs, the audit trail and the operator's alerts")
    assert await stored(daemon, "C_ALL") == [("*", "auth"), ("*", "failures")]  # other channels untouched


async def test_bad_words_are_named_and_store_nothing(daemon, emulator, slack):
    await connected(daemon, emulator, slack)
    said = await acked(daemon, slack, f"subscribe {NZ} failures sometimes", channel="C_X")
    assert said.fallback == (":warning: I don't understand `sometimes`: after the organisation (or `all`) I expect "
                             "kinds of alert: failures, auth, syncs, changes, daily (or `everything`).")
    unknown = await acked(daemon, slack, "subscribe acme daily", channel="C_X")
    assert unknown.fallback.startswith(":warning: No organisation matches 'acme'. Connected: ")
    ambiguous = await acked(daemon, slack, "unsubscribe demo failures", channel="C_X")
    assert "matches several organisations" in ambiguous.fallback
    assert await stored(daemon, "C_X") == []


async def test_a_channel_the_bot_is_not_in_is_told_how_to_invite_it_and_nothing_is_stored(daemon, emulator, slack):
    await connected(daemon, emulator, slack)
    slack.not_in("C_QUIET")  # conversations.info: is_member false
    slack.not_in("G_PRIVATE", error="channel_not_found")  # a private channel the bot cannot see
    slack.not_in("C_GONE", error="not_in_channel")
    for channel in ("C_QUIET", "G_PRIVATE", "C_GONE"):
        said = await reply(daemon, slack, "subscribe all everything", channel=channel)
        assert said.fallback == (":wave: I am not in this channel, so I could not post alerts here; nothing was "
                                 "subscribed. Invite me with `/invite @xero-syncd`, then run the command again.")
        assert await stored(daemon, channel) == []
    asked = [c.body["channel"] for c in slack.calls if c.method == "conversations.info"]
    assert asked == ["C_QUIET"] and [c.body["channel"] for c in slack.refused] == ["G_PRIVATE", "C_GONE"]
    direct = await reply(daemon, slack, "subscribe all daily", channel="D_WITH_THE_BOT")  # the app's own DM
    assert direct.fallback.startswith(":bell: This channel now receives daily alerts for every organisation.")


async def test_failures_reach_each_subscribed_channel_once_with_a_thread_of_its_own(daemon, emulator, slack):
    nz, uk = await connected(daemon, emulator, slack)
    for channel, words in ((CHANNEL, "all failures"), (CHANNEL, f"{NZ} failures"), ("C_NZ", f"{NZ} failures"),
                           ("C_ALL", "all"), ("C_SYNCS", "all syncs"), ("C_UK", f"{UK}")):
        await reply(daemon, slack, f"subscribe {words}", channel=channel)
    emulator.state.inject_fault("500", tenant_id=nz, fraction=1.0)

    await daemon.advance(3600)
    await daemon.flush()
    for channel in (CHANNEL, "C_NZ", "C_ALL"):  # the alert channel matches three ways: one alert all the same
        [alert] = alerts_in(slack, channel)
        assert alert.fallback.startswith(f":rotating_light: Xero sync failed: {NZ}."), channel
        assert [b["text"]["text"] for b in alert.buttons()] == ["Retry now"]
    assert alerts_in(slack, "C_UK") == []  # UK is fine
    lines = sorted(c.fallback for c in alerts_in(slack, "C_SYNCS"))  # a line per finished sync, no failure alert
    assert len(lines) == 2 and lines[0].startswith(f":white_check_mark: {UK} synced (hourly) in ")
    assert lines[1].startswith(f":x: The sync of {NZ} (hourly) failed after ") and "500" in lines[1]

    await daemon.advance(3600)
    emulator.state.clear_faults()
    await daemon.advance(3600)
    await daemon.flush()
    for channel in (CHANNEL, "C_NZ", "C_ALL"):
        [alert] = alerts_in(slack, channel)
        thread = [c.fallback for c in slack.thread(alert.ts) if c.body["channel"] == channel]
        assert len(slack.thread(alert.ts)) == 2 and thread[0].startswith(":x: Still failing (2 failed syncs in a row)")
        assert thread[1].startswith(f":white_check_mark: Recovered: {NZ} synced successfully")
        edits = [u for u in slack.updates if u.body["ts"] == alert.ts]
        assert edits[-1].fallback.startswith(f":white_check_mark: Resolved: {NZ} recovered") and all(
            u.body["channel"] == channel for u in edits)
    episodes = await daemon.store.db.fetchall("SELECT channel, closed_at FROM alert_episodes ORDER BY channel")
    assert [(e["channel"], e["closed_at"] is not None) for e in episodes] == [
        ("C_ALERTS", True), ("C_ALL", True), ("C_NZ", True)]


async def test_auth_alerts_go_where_auth_is_wanted_with_the_link(daemon, emulator, slack):
    nz, uk = await connected(daemon, emulator, slack)
    await reply(daemon, slack, "subscribe all auth", channel="C_AUTH")
    await reply(daemon, slack, "subscribe all failures", channel="C_FAIL")
    emulator.state.disconnect_tenant(uk)
    await daemon.advance(3600)
    await daemon.flush()
    [alert] = alerts_in(slack, "C_AUTH")
    assert alert.fallback.startswith(f":closed_lock_with_key: Xero needs re-authorization: {UK}.")
    [link] = alert.buttons()
    assert link["text"]["text"] == "Re-authorize Xero" and "/oauth/start?link=" in link["url"]
    assert len(alerts_in(slack, CHANNEL)) == 1  # the alert channel too (SLACK_ALERT_KINDS: failures,auth)
    assert alerts_in(slack, "C_FAIL") == []  # failures only: not this
    await follow_consent(daemon, emulator, link["url"])
    await daemon.advance(0)
    await daemon.flush()
    assert slack.thread(alert.ts)[-1].fallback.startswith(f":link: Reconnected: Xero was re-authorized for {UK}")


async def test_syncs_get_every_sync_and_changes_only_those_that_changed_records(daemon, emulator, slack):
    nz, uk = await connected(daemon, emulator, slack)
    await reply(daemon, slack, f"subscribe {NZ} syncs", channel="C_SYNCS")
    await reply(daemon, slack, f"subscribe {NZ} changes", channel="C_CHANGES")
    await reply(daemon, slack, f"subscribe {NZ} syncs changes", channel="C_BOTH")
    await daemon.advance(3600)
    await daemon.flush()
    [quiet] = alerts_in(slack, "C_SYNCS")
    assert re.fullmatch(rf":white_check_mark: {re.escape(NZ)} synced \(hourly\) in [\d.]+ s: nothing changed\.",
                        quiet.fallback), quiet.fallback
    assert alerts_in(slack, "C_CHANGES") == []
    invoice = emulator.state.records(nz, "Invoices")[0]
    emulator.state.update_record(nz, "Invoices", invoice["InvoiceID"], {"Reference": "changed in Xero"})
    await daemon.advance(3600)
    await daemon.flush()
    [changed] = alerts_in(slack, "C_CHANGES")
    assert re.fullmatch(rf":white_check_mark: {re.escape(NZ)} synced \(hourly\) in [\d.]+ s: 1 record changed "
                        r"\(Invoices 1\)\.", changed.fallback), changed.fallback
    assert len(alerts_in(slack, "C_SYNCS")) == 2
    assert len(alerts_in(slack, "C_BOTH")) == 2  # syncs and changes: still one line per sync
    assert not any(UK in c.text for c in slack.posts)  # nobody asked for UK's syncs
    assert alerts_in(slack, CHANNEL) == []  # the alert channel's kinds are failures and auth


async def test_unsubscribe_stops_the_alerts(daemon, emulator, slack):
    nz, uk = await connected(daemon, emulator, slack)
    await reply(daemon, slack, f"subscribe {NZ} failures syncs", channel="C_NZ")
    await reply(daemon, slack, f"unsubscribe {NZ}", channel="C_NZ")
    emulator.state.inject_fault("500", tenant_id=nz, fraction=1.0)
    await daemon.advance(3600)
    await daemon.flush()
    assert slack.posts_in("C_NZ") == []
    assert len(alerts_in(slack, CHANNEL)) == 1


async def test_a_deleted_org_takes_its_subscriptions_with_it(daemon, emulator, slack):
    nz, uk = await connected(daemon, emulator, slack)
    await reply(daemon, slack, f"subscribe {UK} failures", channel="C_UK")
    await reply(daemon, slack, "subscribe all daily", channel="C_UK")
    await daemon.service.delete(uk, user=ADMIN)
    assert await stored(daemon, "C_UK") == [("*", "daily")]


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
WORDS = st.sampled_from(["all", "ALL", "demo", "Demo Company (NZ)", "demo company (uk)", "failures", "failure",
                         "auth", "syncs", "changes", "daily", "Digest", "everything", "sometimes", "<!channel>",
                         "2024-07-01", "*", "`", "&lt;", "all all", "(NZ)", "\u00e9t\u00e9", ""])
TEXTS = st.lists(WORDS | st.text(max_size=12), max_size=6).map(" ".join)


@FUZZ
@given(verb=st.sampled_from(["subscribe", "unsubscribe", "SUBSCRIBE", "subscriptions"]), text=TEXTS)
async def test_subscription_words_never_break_and_bad_ones_store_nothing(daemon, emulator, slack, verb, text,
                                                                         log_lines):
    if not getattr(daemon, "connected", False):
        await connected(daemon, emulator, slack)
        daemon.connected = True
    await daemon.settled()
    before = await stored(daemon, "C_FUZZ")
    sent = await command(daemon, slack, f"{verb} {text}", channel="C_FUZZ")
    assert sent.response.status == 200
    ack = await sent.acked()
    assert "Traceback" not in ack.everything()
    if ack.text:  # the words were refused at once: said clearly, nothing stored
        assert ack.fallback.startswith(":warning: "), ack.fallback
        await daemon.settled()
        assert await stored(daemon, "C_FUZZ") == before
        return
    answer = await slack.response(sent.tag)
    assert "Sorry, something went wrong" not in answer.text and "Traceback" not in answer.everything()
    assert answer.fallback.startswith((":bell:", ":no_bell:", "This channel receives")), answer.fallback
    assert "Traceback" not in log_lines()

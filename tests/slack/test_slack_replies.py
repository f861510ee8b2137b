"""What a team sees in Slack beyond one command's answer: the audit trail, a new org's first sync, progress and
history, status at a glance with its buttons, SYNC FROM DATE as the integration page means it, and every date in
the organisation's own time. Each through signed requests, read as a person reads it (fallback and Block Kit)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests import stored
from tests.slack.support import ADMIN, MEMBER, acked, click, command, reply
from tests.support import follow_consent, held_sync
from xero_emulator import EmulatorConfig

NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"
WHEN = r"\w{3} \d{1,2} \w{3} \d{4}, \d{1,2}:\d\d [AP]M"  # a local time, day before month; its zone follows


async def connected(daemon, emulator, slack) -> list[str]:
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    return [t.tenant_id for t in emulator.state.tenants]


def top_level(slack) -> list[str]:
    return [p.fallback for p in slack.posts if p.thread_ts is None]


def field(call, label: str) -> str:
    """The value of a labelled field, as shown."""
    found = [line.split(": ", 1)[1] for line in call.shown.splitlines() if line.startswith(label + ": ")]
    assert found, (label, call.shown)
    return found[0]


async def test_connecting_is_announced_and_each_new_orgs_first_sync_reports_what_it_brought(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    posts = top_level(slack)
    assert posts[0] == (f":link: <@{ADMIN}> connected Xero: {NZ}, {UK}. They sync now, then every hour; I'll say "
                        "when each first sync is done.")
    first = sorted(posts[1:])
    assert len(first) == 2
    for line, tenant, name in zip(first, tenants, (NZ, UK)):
        counts = await daemon.store.records.counts(tenant)
        total = sum(counts.values())
        assert line.startswith(f":tada: First sync of {name} done in ") and f": {total:,} records (" in line, line
        assert f"Invoices {counts['Invoices']:,}" in line
    slack.calls.clear()
    await daemon.advance(3600)  # the hourly syncs that follow are not news
    await daemon.flush()
    assert slack.posts == []


async def test_every_change_someone_makes_is_one_line_on_the_audit_trail(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    slack.calls.clear()
    await reply(daemon, slack, f"reset {NZ} 2024-07-01")
    await reply(daemon, slack, f"reset {NZ} invoices")
    await reply(daemon, slack, f"disable {UK}")
    await reply(daemon, slack, f"enable {UK}")
    await reply(daemon, slack, f"sync {NZ} contacts")
    await acked(daemon, slack, f"disable {NZ}", user=MEMBER)  # refused: changes nothing, so says nothing
    done = await click(daemon, slack, "delete_confirm", value=tenants[1])
    await slack.response(done.tag)
    await daemon.flush()
    lines = top_level(slack)
    assert lines[:4] == [
        f":rewind: <@{ADMIN}> reset SYNC FROM DATE of {NZ} to 2024-07-01, midnight Pacific/Auckland time (Mon 1 Jul "
        "2024, 12:00 AM NZST).",
        f":rewind: <@{ADMIN}> reset Invoices of {NZ} to read from the whole history.",
        f":double_vertical_bar: <@{ADMIN}> disabled {UK} (automatic hourly sync).",
        f":arrow_forward: <@{ADMIN}> enabled {UK} (automatic hourly sync).",
    ]
    assert re.fullmatch(rf":arrows_counterclockwise: <@{ADMIN}> synced Contacts of {re.escape(NZ)}: nothing changed, "
                        r"in [\d.]+ s\.", lines[4]), lines[4]
    assert lines[5:] == [f":wastebasket: <@{ADMIN}> deleted {UK}."]


async def test_the_audit_trail_can_be_turned_off(make_daemon, settings, emulator, slack):
    daemon = await make_daemon(settings_=replace(settings, slack_audit=False))
    await connected(daemon, emulator, slack)
    slack.calls.clear()
    await reply(daemon, slack, f"disable {UK}")
    await reply(daemon, slack, f"reset {NZ}")
    await daemon.flush()
    assert slack.posts == []
    assert not (await daemon.store.orgs.get(emulator.state.tenants[1].tenant_id)).enabled


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(orgs=1, auto_approve=True, invoices=2500)])
async def test_status_during_a_long_sync_shows_the_entity_pages_and_records_so_far(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator, slack))[0]
    await reply(daemon, slack, "reset")  # the whole history again: Invoices is three pages of 1,000
    # Xero holds page 2 with a 429. Pages 2 and 3 are asked for together, and a 429 holds the org's next calls, so
    # page 3 may come or wait; either way it is written after page 2 (pages are stored in order): one page read.
    # (Holding page 3 instead raced: page 2 was held too whenever page 3's 429 came back before page 2 was sent.)
    held = await held_sync(daemon, emulator, tenant, page=2)
    status = await reply(daemon, slack, "status")
    run = await daemon.store.runs.latest(tenant)
    read = sum(p.records for p in run.progress.values())
    assert read > 1000 and run.progress["Invoices"].records == 1000
    assert f"Syncing now: Invoices, 1 of 3 pages read; {read:,} records read so far." in status.shown
    assert field(status, "Next sync") == "running now" and "[Sync now]" not in status.shown
    await daemon.advance(31)
    await held
    after = await reply(daemon, slack, "status")
    assert "Syncing now" not in after.shown and "[Sync now]" in after.shown


async def test_history_lists_the_last_runs_with_trigger_who_outcome_duration_calls_and_changes(
        daemon, emulator, slack):
    tenant = (await connected(daemon, emulator, slack))[0]
    await reply(daemon, slack, f"sync {NZ}")
    emulator.state.inject_fault("500", tenant_id=tenant, fraction=1.0)
    await daemon.advance(3600)
    emulator.state.clear_faults()
    answer = await reply(daemon, slack, "history demo company (nz) 3", user=MEMBER)
    lines = answer.shown.splitlines()
    assert lines[0] == f"Last 3 syncs of {NZ}"
    failed, manual, first = lines[1:3], lines[3], lines[4]
    assert re.fullmatch(rf":x: {WHEN} NZDT · hourly · failed after [\d.]+ s · \d+ API calls? · nothing changed",
                        failed[0]), failed
    assert failed[1].startswith("> ") and "500" in failed[1]
    assert re.fullmatch(rf":white_check_mark: {WHEN} NZDT · manual, by <@{ADMIN}> · succeeded in [\d.]+ s · \d+ API "
                        r"calls · nothing changed", manual), manual
    counts = await daemon.store.records.counts(tenant)
    assert re.fullmatch(rf":white_check_mark: {WHEN} NZDT · first sync · succeeded in [\d.]+ s · \d+ API calls · "
                        rf"{sum(counts.values()):,} records changed \(.*Invoices {counts['Invoices']}.*\)", first), first
    assert answer.fallback.startswith(f"Last 3 syncs of {NZ}\n")
    default = await reply(daemon, slack, f"history {NZ}")
    assert default.shown.splitlines()[0] == f"Last 3 syncs of {NZ}"  # up to 10; there are three
    several = await acked(daemon, slack, "history")
    assert "Several organisations are connected; name one" in several.fallback


async def test_status_reads_at_a_glance_unhealthy_first_with_each_orgs_buttons(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    await reply(daemon, slack, f"disable {NZ}")
    emulator.state.disconnect_tenant(tenants[1])
    await daemon.advance(3600)
    answer = await reply(daemon, slack, "status", user=MEMBER)
    lines = answer.shown.splitlines()
    assert lines[:3] == ["Xero sync status", "2 organisations: 1 needs re-authorization, 1 disabled.", UK]
    assert answer.blocks[0]["type"] == "header" and answer.blocks[3]["text"]["text"] == f"*{UK}*"
    uk, nz = answer.shown.split(f"\n{NZ}\n")
    assert field(answer, "Connection") == ":red_circle: needs re-authorization"
    assert "Next sync: after re-authorization" in uk and "[Re-authorize Xero]" in uk and "[Sync now]" not in uk
    assert "Connection: :white_circle: disabled" in nz and "Next sync: none: automatic sync is disabled" in nz
    assert nz.count("[Sync now]") == 1 and nz.count("[Enable]") == 1
    counts = await daemon.store.records.counts(tenants[0])
    assert re.search(rf"Records: {sum(counts.values()):,} \(Invoices {counts['Invoices']}, ", nz), nz
    reauth = [b for b in answer.buttons() if b["text"]["text"] == "Re-authorize Xero"][0]
    assert reauth["url"].startswith("http") and "/oauth/start?link=" in reauth["url"]

    sync_now = [b for b in answer.buttons() if b["action_id"] == "sync_now"][0]
    refused = await click(daemon, slack, "sync_now", value=sync_now["value"], user=MEMBER)
    assert "Only admins can run `/xero sync`" in (await slack.response(refused.tag)).fallback
    pressed = await click(daemon, slack, "sync_now", value=sync_now["value"])
    assert (await slack.response(pressed.tag)).fallback.startswith(f":arrows_counterclockwise: Syncing {NZ} now")
    synced = await slack.response(pressed.tag, 2)
    assert f"Synced {NZ}" in synced.fallback and "Automatic hourly sync of Demo Company (NZ) is disabled" in \
        synced.fallback
    assert (await daemon.store.runs.latest(tenants[0])).started_by == ADMIN
    enable = [b for b in answer.buttons() if b["action_id"] == "enable_sync"][0]
    enabled = await click(daemon, slack, "enable_sync", value=enable["value"])
    assert (await slack.response(enabled.tag)).fallback == f":arrow_forward: Automatic hourly sync of {NZ} is enabled."
    assert (await daemon.store.orgs.get(tenants[0])).enabled


async def test_a_button_for_an_org_deleted_since_says_it_is_stale_and_changes_nothing(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    answer = await reply(daemon, slack, f"status {UK}")
    buttons = {b["action_id"]: b for b in answer.buttons()}
    await daemon.service.delete(tenants[1])
    runs = len(await stored.runs(daemon, tenants[0]))
    for action in ("sync_now", "retry_sync"):
        sent = await click(daemon, slack, action, value=buttons["sync_now"]["value"])
        stale = await slack.response(sent.tag)
        assert stale.fallback == (":hourglass: This button is stale: the organisation it was for is no longer "
                                  "connected (it was deleted). `/xero status` shows what is.")
    assert len(await stored.runs(daemon, tenants[0])) == runs and await daemon.store.orgs.get(tenants[1]) is None


async def test_test_on_a_disconnected_org_offers_re_authorization_and_no_stale_figures(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    emulator.state.disconnect_tenant(tenants[1])
    sent = await command(daemon, slack, "test")
    assert (await sent.acked()).fallback == ":hourglass_flowing_sand: Testing the connection to 2 organisations…"
    answer = await slack.response(sent.tag)
    nz, uk = answer.fallback.split("\n")
    assert nz.startswith(f":white_check_mark: {NZ} is reachable. Scopes: ") and "calls left this minute" in nz
    assert uk.startswith(f":x: {UK} is not reachable: ") and "Scopes" not in uk and "calls left" not in uk
    assert [b["text"]["text"] for b in answer.buttons()] == ["Re-authorize Xero"]
    one = await reply(daemon, slack, "test demo company (nz)")
    assert one.buttons() == [] and "Scopes granted: " in one.shown


async def test_re_authorizing_one_broken_org_tells_only_its_alert(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)  # one grant reaches both orgs
    slack.calls.clear()
    emulator.state.disconnect_tenant(tenants[1])  # only the UK org is disconnected in Xero
    await daemon.advance(3600)
    await daemon.flush()
    [alert] = [p for p in slack.posts if p.thread_ts is None]
    assert alert.fallback.startswith(f":closed_lock_with_key: Xero needs re-authorization: {UK}.")
    page = await follow_consent(daemon, emulator, alert.buttons()[0]["url"])  # both orgs come back on the grant
    assert page.status == 200
    await daemon.advance(0)
    await daemon.flush()
    [reconnected] = slack.thread(alert.ts)
    assert reconnected.fallback == f":link: Reconnected: Xero was re-authorized for {UK}; automatic syncing resumes."
    assert [p for p in slack.posts if p.thread_ts is None] == [alert]  # nothing about NZ, which never failed
    assert NZ not in "\n".join(c.everything() for c in slack.calls)
    assert slack.updates[-1].fallback.startswith(f":white_check_mark: Resolved: {UK} was re-authorized ")


async def test_dates_are_slack_tokens_with_the_orgs_own_time_as_fallback(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    answer = await reply(daemon, slack, "status")
    nz, uk = answer.shown.split(f"\n{UK}\n")
    # the first sync finished at 09:00 UTC: 10 PM in Auckland (summer), 9 AM in London (winter)
    assert "LAST SUCCESSFUL SYNC: Tue 24 Nov 2026, 10:00 PM NZDT" in nz and "its time zone: Pacific/Auckland" in nz
    assert "LAST SUCCESSFUL SYNC: Tue 24 Nov 2026, 9:00 AM GMT" in uk and "its time zone: Europe/London" in uk
    token = "<!date^1795510800^{date_short_pretty} at {time} ({ago})|Tue 24 Nov 2026, 10:00 PM NZDT>"
    assert token in answer.text and token in answer.everything()
    assert (await daemon.store.orgs.get(tenants[0])).timezone == "Pacific/Auckland"


async def test_an_org_whose_zone_is_not_known_yet_reads_in_utc(make_daemon, settings, emulator, slack):
    daemon = await make_daemon(settings_=replace(settings, sync_entities=("Contacts",)))  # Organisation not read
    await connected(daemon, emulator, slack)
    answer = await reply(daemon, slack, f"status {NZ}")
    assert "LAST SUCCESSFUL SYNC: Tue 24 Nov 2026, 9:00 AM UTC" in answer.shown and "its time zone: not known yet (UTC)" in answer.shown


async def test_a_reset_date_is_midnight_where_the_org_is_and_today_is_its_today(daemon, emulator, slack):
    tenants = await connected(daemon, emulator, slack)
    await daemon.advance(3 * 3600)  # 12:00 UTC: already Wednesday in Auckland, still Tuesday in London; the hourly
    # syncs it makes due have finished (a sync begun after a reset writes its own watermarks when it ends)
    nz = await reply(daemon, slack, f"reset {NZ} 2026-11-25")
    assert nz.fallback.startswith(f":rewind: SYNC FROM DATE of {NZ} is now 2026-11-25, midnight Pacific/Auckland time "
                                  "(Wed 25 Nov 2026, 12:00 AM NZDT): ")
    uk = await reply(daemon, slack, f"reset {UK} 2026-11-25")
    assert uk.fallback == (f":warning: 2026-11-25 is in the future for {UK} (its today is 2026-11-24, in its time "
                           "zone Europe/London): SYNC FROM DATE must be today or earlier.")
    await reply(daemon, slack, f"reset {UK} 2024-07-01")
    marks = {t: set((await daemon.store.records.watermarks(t)).values()) for t in tenants}
    assert marks[tenants[0]] == {1795518000000}  # 2026-11-24T11:00Z, midnight in Auckland
    assert marks[tenants[1]] == {1719788400000}  # 2024-06-30T23:00Z, midnight in London (summer time)


async def test_sync_from_date_is_what_the_next_sync_asks_xero_for(daemon, emulator, slack):
    tenant = (await connected(daemon, emulator, slack))[0]
    status = await reply(daemon, slack, f"status {NZ}")
    # after the first sync (09:00 UTC): its start less the 24-hour overlap, as the integration page shows it
    assert field(status, "SYNC FROM DATE") == "Mon 23 Nov 2026, 10:00 PM NZDT"
    assert ("SYNC FROM DATE: the next sync asks Xero for everything changed since then (24 hours before the last "
            "successful sync began, to be safe)") in status.shown

    reset = await reply(daemon, slack, f"reset {NZ} 2024-07-01")
    assert reset.fallback == (f":rewind: SYNC FROM DATE of {NZ} is now 2024-07-01, midnight Pacific/Auckland time (Mon "
                              "1 Jul 2024, 12:00 AM NZST): the next sync "
                              "asks Xero for everything changed since then. Nothing already stored is lost.")
    status = await reply(daemon, slack, f"status {NZ}")
    assert field(status, "SYNC FROM DATE") == "Mon 1 Jul 2024, 12:00 AM NZST" and "(set by a reset)" in status.shown

    emulator.state.clear_calls()
    await daemon.clock.advance(600)
    await reply(daemon, slack, f"sync {NZ}")
    asked = {c.path.rsplit("/", 1)[-1]: c.headers.get("If-Modified-Since") for c in emulator.api_calls(tenant)}
    assert asked["Invoices"] == asked["Contacts"] == "2024-06-30T12:00:00Z"  # what the reset chose, asked of Xero
    status = await reply(daemon, slack, f"status {NZ}")
    assert field(status, "SYNC FROM DATE") == "Mon 23 Nov 2026, 10:10 PM NZDT"  # this sync's start, less 24 hours

    whole = await reply(daemon, slack, f"reset {NZ}")
    assert "SYNC FROM DATE of Demo Company (NZ) is now the whole history" in whole.fallback
    emulator.state.clear_calls()
    await reply(daemon, slack, f"sync {NZ}")
    assert all("If-Modified-Since" not in c.headers for c in emulator.api_calls(tenant))



@pytest.mark.parametrize("emulator_config", [EmulatorConfig(orgs=3, auto_approve=True)])
async def test_sync_all_runs_every_connected_org_within_the_concurrency_and_says_it_once(
        make_daemon, settings, emulator, slack):
    daemon = await make_daemon(settings_=replace(settings, sync_concurrency=1))
    tenants = await connected(daemon, emulator, slack)
    names = [emulator.state.org(t).name for t in tenants]
    emulator.state.disconnect_tenant(tenants[2])
    await daemon.finish(daemon.service.sync(tenants[2]))  # it needs re-authorizing now
    await daemon.flush()
    slack.calls.clear()
    emulator.state.clear_calls()
    sent = await command(daemon, slack, "sync all invoices")
    assert (await sent.acked()).fallback == (":arrows_counterclockwise: Syncing Invoices of all 2 organisations now; "
                                             "I'll reply here when every one has finished.")
    answer = await slack.response(sent.tag)
    assert answer.fallback.startswith(":arrows_counterclockwise: 2 organisations synced (2 succeeded): nothing "
                                      "changed; 1 left out: it needs re-authorizing.")
    assert f"• {names[2]} needs re-authorizing (`/xero status` has its button)" in answer.fallback
    calls = [(c.tenant_id, c.path.rsplit("/", 1)[-1]) for c in emulator.api_calls()]
    assert {entity for _, entity in calls} == {"Invoices"} and {t for t, _ in calls} == set(tenants[:2])
    order = [t for t, _ in calls]
    assert order == sorted(order, key=order.index)  # one org after the other: SYNC_CONCURRENCY is 1
    await daemon.flush()
    [audit] = [p.fallback for p in slack.posts if p.thread_ts is None]
    assert audit == (f":arrows_counterclockwise: <@{ADMIN}> synced Invoices of every organisation: 2 organisations "
                     "synced (2 succeeded): nothing changed; 1 left out: it needs re-authorizing.")
    refused = await acked(daemon, slack, "sync all", user=MEMBER)
    assert "Only admins can run `/xero sync`" in refused.fallback

"""Failure alerts in the alert channel: one message per episode, repeats in its thread, "recovered" once, and the
same across a restart. "Retry now" runs a sync; a Slack outage never breaks one."""

from __future__ import annotations

from daemon.core.keys import SLACK_OUTBOX
from tests import stored
from tests.slack.support import CHANNEL, MEMBER, click


async def connected(daemon, emulator, slack) -> str:
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    slack.calls.clear()  # the "Xero connected" announcement
    return emulator.state.tenants[0].tenant_id


def alerts(slack):
    return [p for p in slack.posts if p.thread_ts is None]


def field_texts(call) -> list[str]:
    return [f["text"] for b in call.blocks if "fields" in b for f in b["fields"]]


async def test_three_failing_hours_make_one_alert_repeats_in_its_thread_and_one_recovered(
        make_daemon, emulator, slack):
    daemon = await make_daemon()
    tenant = await connected(daemon, emulator, slack)
    emulator.state.inject_fault("503_text", tenant_id=tenant, fraction=1.0)  # Xero down for this org

    await daemon.advance(3600)
    await daemon.flush()
    [alert] = alerts(slack)
    assert alert.body["channel"] == CHANNEL
    assert "Xero sync failed: Demo Company (NZ)" in alert.text and "503" in alert.text
    assert "last successful sync: 11/24/26 @ 9:00AM UTC" in alert.text
    assert [b["text"]["text"] for b in alert.buttons()] == ["Retry now"]

    await daemon.advance(3600)
    await daemon.client.close()  # a restart in the middle of the episode
    daemon = await make_daemon()
    await daemon.advance(3600)
    await daemon.flush()
    assert alerts(slack) == [alert]  # the restart neither re-alerted ...
    thread = slack.thread(alert.ts)  # ... nor forgot the thread
    assert [c.text.split(":")[0] for c in thread] == ["Still failing (2 failed syncs in a row)",
                                                      "Still failing (3 failed syncs in a row)"]
    assert [u.body["ts"] for u in slack.updates] == [alert.ts, alert.ts]
    assert "*Failed syncs*\n1" in field_texts(alert) and "*Failed syncs*\n3" in field_texts(slack.updates[-1])

    emulator.state.clear_faults()
    await daemon.advance(3600)
    await daemon.advance(3600)  # a second good hour says nothing more
    await daemon.flush()
    assert alerts(slack) == [alert]
    thread = slack.thread(alert.ts)
    assert len(thread) == 3 and thread[-1].text.startswith(":white_check_mark: Recovered: Demo Company (NZ)")
    assert "after 3 failed syncs" in thread[-1].text
    assert sum("Recovered" in c.text for c in slack.posts) == 1
    [episode] = await stored.episodes(daemon, tenant)
    assert episode.closed_at is not None and episode.close_reason == "recovered" and episode.repeats == 2


async def test_a_new_failure_after_recovery_is_a_new_episode(daemon, emulator, slack):
    tenant = await connected(daemon, emulator, slack)
    for _ in range(2):
        emulator.state.inject_fault("500", tenant_id=tenant, fraction=1.0)
        await daemon.advance(3600)
        emulator.state.clear_faults()
        await daemon.advance(3600)
    await daemon.flush()
    first, second = alerts(slack)
    assert first.ts != second.ts
    assert len(slack.thread(first.ts)) == len(slack.thread(second.ts)) == 1


async def test_retry_now_runs_a_sync_and_its_success_closes_the_episode(daemon, emulator, slack):
    tenant = await connected(daemon, emulator, slack)
    emulator.state.inject_fault("offline", tenant_id=tenant, fraction=1.0)
    await daemon.advance(3600)
    await daemon.flush()
    [alert] = alerts(slack)
    [retry] = alert.buttons()
    refused = await click(daemon, slack, retry["action_id"], value=retry["value"], user=MEMBER)
    assert "Only admins can run `/xero sync`" in (await slack.response(refused.tag)).text
    emulator.state.clear_faults()
    sent = await click(daemon, slack, retry["action_id"], value=retry["value"])
    assert "Retrying now" in (await slack.response(sent.tag)).text
    result = await slack.response(sent.tag, 2)
    assert "Synced Demo Company (NZ)" in result.text and result.body["replace_original"] is False
    await daemon.flush()
    assert slack.thread(alert.ts)[-1].text.startswith(":white_check_mark: Recovered")


async def test_a_slack_outage_never_breaks_a_sync_and_loses_no_alert(daemon, emulator, slack):
    tenant = await connected(daemon, emulator, slack)
    slack.fail(10_000, status=200, error="internal_error")  # Slack refuses everything for a while
    emulator.state.inject_fault("502", tenant_id=tenant, fraction=1.0)
    await daemon.advance(3600)
    emulator.state.clear_faults()
    await daemon.advance(3600)
    runs = await stored.runs(daemon, tenant)
    assert [r.outcome for r in runs[:2]] == ["success", "failed"]  # both syncs ran and were recorded
    assert slack.posts == [] and slack.refused and await daemon.app[SLACK_OUTBOX].pending() == 3
    slack.failures.clear()
    await daemon.flush()  # Slack is back: the alert, then "recovered" in its thread
    [alert] = alerts(slack)
    assert "Xero sync failed" in alert.text
    assert slack.thread(alert.ts)[0].text.startswith(":white_check_mark: Recovered")


async def test_a_revoked_grant_alerts_every_org_it_reaches_once(daemon, emulator, slack):
    await connected(daemon, emulator, slack)
    emulator.state.revoke_grant()
    await daemon.advance(3600)
    await daemon.advance(3600)
    await daemon.flush()
    posted = alerts(slack)
    assert sorted(a.text.split(".")[0] for a in posted) == [
        ":closed_lock_with_key: Xero needs re-authorization: Demo Company (NZ)",
        ":closed_lock_with_key: Xero needs re-authorization: Demo Company (UK)"]
    assert all([b["text"]["text"] for b in a.buttons()] == ["Re-authorize Xero"] for a in posted)
    assert [p for p in slack.posts if p.thread_ts] == []


async def test_the_apps_credentials_refused_is_one_alert_for_the_operator_and_no_grant_is_lost(
        daemon, emulator, slack, settings):
    await connected(daemon, emulator, slack)
    emulator.state.config.client_secret = "rotated-in-the-developer-portal"  # and XERO_CLIENT_SECRET not updated
    for _ in range(3):  # both orgs fail at each hourly sync once their tokens need refreshing
        await daemon.advance(3600)
    await daemon.flush()
    [alert] = alerts(slack)
    assert alert.text.startswith(":no_entry: Xero refused this app's own credentials") and "XERO_CLIENT_SECRET" in alert.text
    assert "Re-authorize" not in alert.everything() and slack.thread(alert.ts) == []
    for org in await daemon.store.orgs.list():
        assert org.connection == "connected" and "XERO_CLIENT_SECRET" in org.last_error
        assert (await daemon.store.grants.get(org.grant_id)).status == "active"
    emulator.state.config.client_secret = settings.xero_client_secret  # the operator fixed it
    await daemon.advance(3600)
    await daemon.flush()
    assert [(await daemon.store.runs.latest(o.tenant_id)).outcome for o in await daemon.store.orgs.list()] == \
        ["success", "success"]
    assert alerts(slack)[-1].text == ":white_check_mark: Xero accepts this app's credentials again; syncing goes on."
    assert len(alerts(slack)) == 2

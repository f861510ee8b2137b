"""The daily digest: posted at DIGEST_HOUR (in DIGEST_ZONE) in each channel subscribed to `daily`, with every org's
state, its last successful sync, the records changed and the failed syncs of the last day; once a day per channel,
across restarts and replicas."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.slack.support import ADMIN, CHANNEL, reply
from tests.support import jump_to, settings_for

NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"
MONTH = str(30 * 86400)  # no hourly sync meanwhile: the day's runs are the ones the test makes


@pytest.fixture
def settings(emulator, tmp_path, slack, database_url):
    return settings_for(emulator, tmp_path, DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
                        SLACK_API_URL=slack.api_url, SLACK_RESPONSE_URL_PREFIXES=slack.response_prefix,
                        SLACK_ALERT_CHANNEL=CHANNEL, SLACK_ADMIN_USERS=ADMIN, SYNC_INTERVAL=MONTH)


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp()


def digests(slack, channel: str) -> list:
    return [p for p in slack.posts_in(channel) if "daily digest" in p.text]


async def test_the_digest_comes_at_its_hour_once_a_day_and_not_again_after_a_restart(make_daemon, emulator, slack):
    daemon = await make_daemon()
    await daemon.connect(emulator)  # 09:00 UTC on the 24th: the first syncs
    await daemon.advance(0)
    nz, uk = (t.tenant_id for t in emulator.state.tenants)
    await reply(daemon, slack, "subscribe all daily", channel="C_DAILY")
    await reply(daemon, slack, f"subscribe {UK} daily", channel="C_UK")
    emulator.state.inject_fault("500", tenant_id=nz, fraction=1.0)
    await daemon.finish(daemon.service.sync(nz))  # a failure of the day
    emulator.state.clear_faults()
    await daemon.flush()
    assert digests(slack, "C_DAILY") == []  # subscribed after today's hour: the first is tomorrow's

    await jump_to(daemon, at(25, 7, 59))
    await daemon.flush()
    assert digests(slack, "C_DAILY") == []
    await daemon.advance(60)  # 08:00 UTC
    await daemon.flush()
    [digest] = digests(slack, "C_DAILY")
    assert digest.at == at(25, 8)
    lines = digest.fallback.splitlines()
    assert re.fullmatch(r":newspaper: Xero daily digest, Wed 25 Nov 2026: 2 organisations, 1 needing attention; "
                        r"[\d,]+ records changed and 1 failed sync in the last 24 hours\.", lines[0]), lines[0]
    # the failing org first; its state, last successful sync (its own time), what changed, the failures
    assert re.fullmatch(rf":large_green_circle: {re.escape(NZ)}: connected · last successful sync Tue 24 Nov 2026, "
                        r"10:00 PM NZDT · [\d,]+ records changed \(.+\) · 1 failed sync, the last: .*500.*", lines[1]), \
        lines[1]
    assert re.fullmatch(rf":large_green_circle: {re.escape(UK)}: connected · last successful sync Tue 24 Nov 2026, "
                        r"9:00 AM GMT · [\d,]+ records changed \(.+\) · no failed syncs", lines[2]), lines[2]
    assert digest.blocks[0] == {"type": "header", "text": {"type": "plain_text",
                                                           "text": "Xero daily digest, Wed 25 Nov 2026"}}
    [uk_only] = digests(slack, "C_UK")  # its own org only
    assert UK in uk_only.text and NZ not in uk_only.text and "1 organisation, 0 needing attention" in uk_only.text
    assert digests(slack, CHANNEL) == []  # the alert channel's kinds are failures and auth

    await daemon.advance(3600)
    await daemon.client.close()  # a restart after the hour: the day's digest is not sent again
    daemon = await make_daemon()
    await daemon.advance(0)
    await daemon.flush()
    assert len(digests(slack, "C_DAILY")) == 1 and len(digests(slack, "C_UK")) == 1

    await reply(daemon, slack, "unsubscribe", channel="C_UK")
    await jump_to(daemon, at(26, 8))
    await daemon.flush()
    second = digests(slack, "C_DAILY")[1]
    assert second.at == at(26, 8) and "Thu 26 Nov 2026" in second.text
    assert "nothing changed · no failed syncs" in second.fallback  # the 24 hours before were quiet
    assert len(digests(slack, "C_UK")) == 1  # unsubscribed


async def test_a_daemon_that_was_down_at_the_hour_sends_the_days_digest_when_it_starts(make_daemon, emulator,
                                                                                       slack, clock):
    daemon = await make_daemon()
    await daemon.connect(emulator)
    await daemon.advance(0)
    await reply(daemon, slack, "subscribe all daily", channel="C_DAILY")
    await daemon.client.close()
    clock.set(datetime(2026, 11, 25, 10, 30, tzinfo=UTC))  # down from 09:00 on the 24th to 10:30 on the 25th
    daemon = await make_daemon()
    await daemon.advance(0)
    await daemon.flush()
    [digest] = digests(slack, "C_DAILY")
    assert "Wed 25 Nov 2026" in digest.text


async def test_the_hour_and_zone_are_settings(make_daemon, emulator, slack, tmp_path, database_url):
    settings = settings_for(emulator, tmp_path, DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
                            SLACK_API_URL=slack.api_url, SLACK_RESPONSE_URL_PREFIXES=slack.response_prefix,
                            SLACK_ALERT_CHANNEL=CHANNEL, SLACK_ADMIN_USERS=ADMIN, SYNC_INTERVAL=MONTH,
                            DIGEST_HOUR="7", DIGEST_ZONE="Pacific/Auckland", SLACK_ALERT_KINDS="failures,auth,daily")
    daemon = await make_daemon(settings_=settings)
    await daemon.connect(emulator)  # 09:00 UTC on the 24th is 22:00 in Auckland
    await daemon.advance(0)
    await daemon.flush()
    # 07:00 in Auckland on the 25th is 18:00 UTC on the 24th; the alert channel has daily in its kinds
    await jump_to(daemon, at(24, 18))
    await daemon.flush()
    [digest] = digests(slack, CHANNEL)
    assert digest.at == at(24, 18) and "Xero daily digest, Wed 25 Nov 2026" in digest.text
    assert "Counted over the 24 hours before Wed 25 Nov 2026, 7:00 AM NZDT." in digest.shown


async def test_replicas_on_one_store_post_one_digest(make_daemon, emulator, slack, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL store")
    first = await make_daemon()
    await first.connect(emulator)
    await first.advance(0)
    await reply(first, slack, "subscribe all daily", channel="C_DAILY")
    second = await make_daemon()  # another replica on the same store and the same clock
    await second.advance(0)
    await jump_to(first, at(25, 8))
    await first.flush()
    await second.flush()
    assert len(digests(slack, "C_DAILY")) == 1
    claims = await first.store.db.fetchall("SELECT channel, day FROM slack_digests")
    assert [(c["channel"], c["day"]) for c in claims] == [("C_DAILY", "2026-11-25")]

"""How Slack is mounted: the signing secret is required unless Socket Mode is used; Socket Mode connects at start
and closes at shutdown; without a bot token the daemon still answers commands and logs its alerts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from daemon.core.errors import SettingsError
from daemon.core.keys import NOTIFIER, SLACK_OUTBOX
from daemon.core.settings import Settings
from daemon.sync.notifier import LogNotifier
from tests.slack.support import MEMBER, command, reply

BASE = {"XERO_CLIENT_ID": "id", "XERO_CLIENT_SECRET": "secret"}


def test_the_signing_secret_is_required_unless_socket_mode_is_used():
    with pytest.raises(SettingsError) as err:
        Settings.from_env(BASE)
    assert err.value.variable == "SLACK_SIGNING_SECRET" and "SLACK_APP_TOKEN" in str(err.value)
    assert Settings.from_env({**BASE, "SLACK_APP_TOKEN": "xapp-1"}).slack_app_token == "xapp-1"
    assert Settings.from_env({**BASE, "SLACK_SIGNING_SECRET": "s"}).slack_signing_secret == "s"


async def test_without_a_bot_token_commands_work_and_alerts_are_logged(make_daemon, settings, emulator, slack):
    daemon = await make_daemon(settings_=replace(settings, slack_bot_token=None))
    assert [type(n) for n in daemon.app[NOTIFIER].members] == [LogNotifier]  # no Home tab either: no token
    await daemon.connect(emulator)
    await daemon.advance(0)
    answer = await reply(daemon, slack, "status", user=MEMBER)
    assert "LAST SUCCESSFUL SYNC" in answer.text
    assert slack.posts == [] and await daemon.app[SLACK_OUTBOX].pending() == 0


async def test_socket_mode_connects_at_start_and_closes_at_shutdown(make_daemon, settings, slack):
    daemon = await make_daemon(settings_=replace(settings, slack_signing_secret=None, slack_app_token="xapp-test"))
    await slack.wait_for(lambda s: [c for c in s.calls if c.method == "apps.connections.open"], "Socket Mode to connect")
    assert (await daemon.client.post("/slack/events", data=b"")).status == 404  # no public endpoint needed
    await daemon.client.close()  # the shutdown closes the handler (and its retrying connect) cleanly


async def test_a_command_is_acknowledged_before_the_slow_work(daemon, emulator, slack):
    await daemon.connect(emulator)
    await daemon.advance(0)
    sent = await command(daemon, slack, "sync Demo Company (NZ)")
    assert "Syncing Demo Company (NZ) now" in (await sent.acked()).fallback
    assert (await slack.response(sent.tag)).text.startswith(":white_check_mark: Synced")

"""Slack fixtures: a fake Slack on a loopback port, and settings that point the daemon at it."""

from __future__ import annotations

import pytest

from daemon.core.settings import Settings
from tests.fakes.slack import FakeSlack
from tests.slack.support import ADMIN, CHANNEL
from tests.support import settings_for


@pytest.fixture
async def slack(clock) -> FakeSlack:
    fake = await FakeSlack(clock).start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(emulator, tmp_path, slack, database_url) -> Settings:
    """The suite's settings plus a bot token, the fake Slack's URL, an alert channel and one admin."""
    return settings_for(emulator, tmp_path, DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
                        SLACK_API_URL=slack.api_url, SLACK_RESPONSE_URL_PREFIXES=slack.response_prefix,
                        SLACK_ALERT_CHANNEL=CHANNEL, SLACK_ADMIN_USERS=ADMIN)

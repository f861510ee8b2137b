"""`/xero status` with more organisations than one Slack message holds in full (Slack allows 50 blocks)."""

import json
import re

import pytest

from daemon.slack.wording.status import MAX_BLOCKS, status_reply
from tests.slack.support import MEMBER, reply
from tests.slack.test_slack_commands import connected
from xero_emulator import EmulatorConfig


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=40, auto_approve=True, invoices=2, contacts=2, payments=2)


async def test_status_of_forty_orgs_is_one_line_each_within_slacks_limits(daemon, emulator, slack):
    tenants = await connected(daemon, emulator)
    answer = await reply(daemon, slack, "status", user=MEMBER)
    assert len(answer.blocks) <= MAX_BLOCKS
    shown = json.dumps(answer.blocks)
    names = [t.name for t in emulator.state.tenants]
    assert all(f"*{name}*" in shown for name in names)  # every org, by name, in what Slack displays
    assert all(tenant in answer.text for tenant in tenants)  # and the plain-text fallback has their ids
    assert "40 organisations" in shown and "/xero status <org>" in shown
    one = await reply(daemon, slack, f"status {tenants[0]}", user=MEMBER)
    assert "LAST SUCCESSFUL SYNC" in one.text  # one org still in full


async def test_status_of_thousands_of_orgs_says_how_many_it_left_out(daemon, emulator):
    await connected(daemon, emulator)
    [status] = await daemon.service.status(emulator.state.tenants[0].tenant_id)
    reply_ = status_reply([status] * 3000, daemon.clock.time())
    assert len(reply_.blocks) == MAX_BLOCKS and reply_.blocks[-1]["type"] == "context"
    assert len(reply_.text) <= 40_000
    lines = sum(b["text"]["text"].count("\n") + 1 for b in reply_.blocks[1:] if b["type"] == "section")
    left_out = int(re.search(r"and (\d+) more", json.dumps(reply_.blocks[-1])).group(1))
    assert lines + left_out == 3000  # every org is either shown or counted
    assert all(len(b["text"]["text"]) <= 3000 for b in reply_.blocks if b["type"] == "section")

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


async def test_status_of_forty_orgs_is_the_summary_the_ones_needing_attention_and_a_line_for_each_other(
        daemon, emulator, slack):
    tenants = await connected(daemon, emulator)
    for broken in tenants[30:33]:
        emulator.state.disconnect_tenant(broken)
        await daemon.finish(daemon.service.sync(broken))
    emulator.state.inject_fault("500", tenant_id=tenants[35], fraction=1.0)
    await daemon.finish(daemon.service.sync(tenants[35]))
    answer = await reply(daemon, slack, "status", user=MEMBER)
    assert len(answer.blocks) <= MAX_BLOCKS
    lines = answer.shown.splitlines()
    assert lines[:2] == ["Xero sync status", "40 organisations: 37 connected, 3 need re-authorization, 1 whose last "
                                             "sync did not succeed."]
    cards = [line for line in lines if line in {t.name for t in emulator.state.tenants}]
    broken = [emulator.state.org(t).name for t in (*tenants[30:33], tenants[35])]
    assert sorted(cards) == sorted(broken) and set(cards[:3]) == set(broken[:3])  # needing a person comes first
    assert lines.count("[Re-authorize Xero]") == 3 and lines.count("[Sync now]") == 1
    others = [line for line in lines if line.startswith(":large_green_circle: ")]
    assert len(others) == 36 and all(": connected; last successful sync " in line for line in others)
    assert not any(t in answer.shown for t in tenants[:30])  # the list reads by name; a card's small print has the id
    assert lines[-1] == "`/xero status <org>` shows one organisation in full, with its buttons."
    one = await reply(daemon, slack, f"status {tenants[0]}", user=MEMBER)
    assert "LAST SUCCESSFUL SYNC" in one.shown and "[Sync now]" in one.shown  # one org still in full


async def test_status_of_thousands_of_orgs_says_how_many_it_left_out(daemon, emulator):
    await connected(daemon, emulator)
    [status] = await daemon.service.status(emulator.state.tenants[0].tenant_id)
    reply_ = status_reply([status] * 3000, daemon.clock.time())
    assert len(reply_.blocks) == MAX_BLOCKS and reply_.blocks[-2]["type"] == "context"
    assert len(reply_.text) <= 40_000
    lines = sum(b["text"]["text"].count("\n") + 1 for b in reply_.blocks[2:] if b["type"] == "section")
    left_out = int(re.search(r"and (\d+) more", json.dumps(reply_.blocks[-2])).group(1))
    assert lines + left_out == 3000  # every org is either shown or counted
    assert all(len(b["text"]["text"]) <= 3000 for b in reply_.blocks if b["type"] == "section")

"""Everything that reaches Slack is escaped, in the notification `text` as in the blocks, in replies and in channel
posts: an organisation named like a broadcast and a link pings nobody and links nowhere, whatever message it is in.
A message kind per step: the connected announcement, status, sync, test, reset, disable, enable, the failure alert
and its repeat, recovered, the re-authorization alert and reconnected, delete's question and its answer."""

from __future__ import annotations

import pytest

from tests.slack.support import click, reply
from tests.support import follow_consent
from xero_emulator import EmulatorConfig

EVIL = "<!channel> <https://evil.example|click> & co"
NAME = "Evil"  # how commands name it: a prefix of its name is not possible (it starts with "<"): its tenant id


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True, org_names=[EVIL])


def _unsafe(slack) -> list[str]:
    """Whatever Slack received that would ping, link or mis-render."""
    seen = [c.everything() for c in slack.calls]
    return [text for text in seen if "<!channel>" in text or "<https://evil" in text or "& co" in text]


async def test_an_org_named_like_a_broadcast_and_a_link_is_text_in_every_message(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    assert any("&lt;!channel&gt;" in p.text for p in slack.posts)  # the "Xero connected" announcement
    for words in ("status", "test", f"sync {tenant}", f"reset {tenant} 2024-07-01", f"disable {tenant}",
                  f"enable {tenant}"):
        answer = await reply(daemon, slack, words)
        assert "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co" in answer.everything(), words
    emulator.state.inject_fault("500", tenant_id=tenant, fraction=1.0)
    await daemon.advance(3600)  # the failure alert
    await daemon.advance(3600)  # its repeat in the thread
    emulator.state.clear_faults()
    await daemon.advance(3600)  # recovered
    emulator.state.revoke_grant()
    await daemon.advance(3600)  # the re-authorization alert, with its link
    await daemon.flush()
    [reauth] = [p for p in slack.posts if "re-authorization" in p.text]
    await follow_consent(daemon, emulator, reauth.buttons()[0]["url"])  # reconnected
    await daemon.flush()
    ask = await reply(daemon, slack, f"delete {tenant}")  # the question, then the answer
    confirm = ask.buttons()[0]
    done = await click(daemon, slack, confirm["action_id"], value=tenant)
    assert "Deleted" in (await slack.response(done.tag)).text
    await daemon.flush()
    kinds = {"Recovered", "Reconnected", "Still failing", "Xero sync failed", "needs re-authorization",
             "Delete ", "Deleted", "SYNC FROM DATE", "Synced", "reachable", "enabled", "disabled"}
    assert {k for k in kinds if any(k in c.everything() for c in slack.calls)} == kinds  # every kind was seen
    assert _unsafe(slack) == []

"""/metrics counts the Slack side too: commands by name and outcome, and the alert messages posted."""

from __future__ import annotations

from tests.slack.support import MEMBER, command, reply
from tests.test_metrics import scrape, value


async def test_commands_and_alerts_are_counted(daemon, emulator, slack):
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()  # the "Xero connected" announcement and each org's first sync: three posts
    await reply(daemon, slack, "status")
    await command(daemon, slack, "status Nowhere Ltd")  # answered in the acknowledgement
    await command(daemon, slack, "frobnicate")
    await command(daemon, slack, "disable", user=MEMBER)  # not an admin
    samples = await scrape(daemon)
    assert value(samples, "xero_syncd_slack_commands_total", command="status", outcome="ok") == 1
    assert value(samples, "xero_syncd_slack_commands_total", command="status", outcome="bad_input") == 1
    assert value(samples, "xero_syncd_slack_commands_total", command="help", outcome="unknown") == 1
    assert value(samples, "xero_syncd_slack_commands_total", command="disable", outcome="refused") == 1
    assert value(samples, "xero_syncd_alerts_posted_total", kind="post") == 3

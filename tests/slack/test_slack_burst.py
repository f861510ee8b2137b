"""A burst of 200 concurrent signed slash commands while a large sync is in progress: every one is acknowledged
and answered, and a burst after it shows what the sync stored (the status builds a burst shares are never kept).
(Ack latency is measured by bench/slack_load.py, never asserted here.)"""

from __future__ import annotations

import asyncio

import pytest

from tests.slack.support import MEMBER, command
from tests.waiting import eventually
from xero_emulator import EmulatorConfig

BURST = 200


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=3000, contacts=500, payments=1500)


async def test_200_concurrent_commands_during_a_large_sync_are_all_acknowledged(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    emulator.state.inject_fault("rate_limited", tenant_id=tenant, entity="Payments", count=1, delay=30)
    await daemon.connect(emulator)  # the sync starts, and is held by the 429 past its largest entity
    await eventually(lambda: [c for c in emulator.api_calls(tenant) if c.status == 429], "the sync to be held by a 429")

    sent = await asyncio.gather(*(command(daemon, slack, "status", user=MEMBER) for _ in range(BURST)))

    assert all(s.response.status == 200 for s in sent)
    assert (await daemon.store.runs.latest(tenant)).outcome == "running"  # the burst landed mid-sync
    answers = await asyncio.gather(*(slack.response(s.tag) for s in sent))
    assert all("Demo Company (NZ)" in a.text and "LAST ATTEMPTED SYNC" in a.text for a in answers)
    # the replies share the daemon's connections to Slack (slack-bolt's own respond() opens one per reply)
    assert len({a.peer for a in answers}) <= 100
    await daemon.advance(30)  # Xero answers the held page; the sync finishes
    assert (await daemon.store.runs.latest(tenant)).outcome == "success"
    again = await asyncio.gather(*(command(daemon, slack, "status", user=MEMBER) for _ in range(20)))
    answers = await asyncio.gather(*(slack.response(s.tag) for s in again))
    held = len(emulator.state.records(tenant, "Invoices"))
    assert all(f"Invoices {held:,}" in a.text for a in answers)

"""A burst of 200 concurrent signed slash commands while a large sync is in progress: every one is acknowledged
and answered. (Ack latency is measured by bench/slack_load.py, never asserted here.)"""

from __future__ import annotations

import asyncio

import pytest

from tests.slack.support import MEMBER, command
from xero_emulator import EmulatorConfig

BURST = 200


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=3000, contacts=500, payments=1500)


async def test_200_concurrent_commands_during_a_large_sync_are_all_acknowledged(daemon, emulator, slack):
    tenant = emulator.state.tenants[0].tenant_id
    emulator.state.inject_fault("slow", tenant_id=tenant, entity="Payments", count=1, delay=30)  # holds the sync
    await daemon.connect(emulator)
    while (await daemon.store.records.counts(tenant)).get("Invoices", 0) < 3000:
        await asyncio.sleep(0.005)  # the sync is under way (real I/O), past its largest entity

    sent = await asyncio.gather(*(command(daemon, slack, "status", user=MEMBER) for _ in range(BURST)))

    assert all(s.response.status == 200 for s in sent)
    assert (await daemon.store.runs.latest(tenant)).outcome == "running"  # the burst landed mid-sync
    answers = await asyncio.gather(*(slack.response(s.tag) for s in sent))
    assert all("Demo Company (NZ)" in a.text and "LAST ATTEMPTED SYNC" in a.text for a in answers)
    await daemon.advance(30)  # Xero answers the held page; the sync finishes
    assert (await daemon.store.runs.latest(tenant)).outcome == "success"

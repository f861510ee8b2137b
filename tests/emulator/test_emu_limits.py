"""Xero's API limits on the emulator's clock: per minute, per day, concurrent, per app."""

from __future__ import annotations

import asyncio

import pytest

from tests.waiting import eventually
from xero_emulator import EmulatorConfig


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(limits_enabled=True, minute_limit=3, day_limit=5, concurrent_limit=1,
                          app_minute_limit=100, minute_seconds=60.0)


async def _get(xero, session, tenant=0):
    return await xero.api("Currencies", session["access_token"], xero.tenant_ids[tenant])


async def test_minute_limit_then_recovery(xero, session, emulator, clock):
    remaining = []
    for _ in range(3):
        response = await _get(xero, session)
        assert response.status == 200
        remaining.append(response.headers["X-MinLimit-Remaining"])
        await clock.advance(10)
    assert remaining == ["2", "1", "0"]
    refused = await _get(xero, session)
    assert refused.status == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert refused.headers["Retry-After"] == "30"  # the first call leaves the window at t=60
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    assert emulator.calls[-1].status == 429
    assert (await _get(xero, session, tenant=1)).status == 200  # limits are per tenant
    await clock.advance(30)
    ok = await _get(xero, session)
    assert ok.status == 200 and ok.headers["X-DayLimit-Remaining"] == "1"


async def test_refused_calls_do_not_count(xero, session, clock):
    for _ in range(3):
        await _get(xero, session)
    for _ in range(5):
        assert (await _get(xero, session)).status == 429
    await clock.advance(60)
    assert (await _get(xero, session)).headers["X-MinLimit-Remaining"] == "2"


async def test_day_limit(xero, session, clock):
    for _ in range(5):
        assert (await _get(xero, session)).status == 200
        await clock.advance(61)
    refused = await _get(xero, session)
    assert refused.status == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
    assert int(refused.headers["Retry-After"]) == 1440 * 60 - 5 * 61
    assert refused.headers["X-DayLimit-Remaining"] == "0"


async def test_concurrent_limit(xero, session, emulator, clock):
    emulator.inject_fault("slow", delay=5)
    slow = asyncio.ensure_future(_get(xero, session))
    await eventually(clock.next_deadline, "the emulator to hold the answer on its clock")
    refused = await _get(xero, session)
    assert refused.status == 429 and refused.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert refused.headers["Retry-After"] == "1"
    await clock.advance(5)
    assert (await asyncio.wait_for(slow, 5)).status == 200
    assert (await _get(xero, session)).status == 200


async def test_app_minute_limit(xero, session, emulator, clock):
    emulator.config.app_minute_limit = 4
    for tenant in (0, 0, 1, 1):
        assert (await _get(xero, session, tenant)).status == 200
    refused = await _get(xero, session, 1)
    assert refused.status == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert refused.headers["X-AppMinLimit-Remaining"] == "0"


async def test_scaled_minute(xero, session, emulator, clock):
    emulator.config.minute_seconds = 2.0
    for _ in range(3):
        await _get(xero, session)
    refused = await _get(xero, session)
    assert refused.status == 429 and refused.headers["Retry-After"] == "2"
    await clock.advance(2)
    assert (await _get(xero, session)).status == 200


async def test_limits_off_still_report_remaining(xero, session, emulator):
    emulator.config.limits_enabled = False
    for _ in range(6):
        response = await _get(xero, session)
        assert response.status == 200
    assert response.headers["X-MinLimit-Remaining"] == "0"

"""`--no-keep-rendered` (EmulatorConfig.keep_rendered=False): for thousands of orgs, seeded records are rendered
on every read and none is kept; the answers are the same as when they are kept."""

from __future__ import annotations

import pytest

from xero_emulator import EmulatorConfig


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(invoices=30, contacts=10, payments=10, precise_items=3, keep_rendered=False)


async def test_records_rendered_on_every_read_are_served_alike_and_not_kept(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    first = await xero.api_json("Invoices", token, tenant, params={"page": "1", "unitdp": "4"})
    again = await xero.api_json("Invoices", token, tenant, params={"page": "1", "unitdp": "4"})
    rounded = await xero.api_json("Invoices", token, tenant, params={"page": "1"})
    assert first["Invoices"] == again["Invoices"] and len(first["Invoices"]) == 30
    assert first["Invoices"] != rounded["Invoices"]  # 4 decimals asked, 2 otherwise, rendered each time
    invoices = emulator.org(tenant).tables["Invoices"]
    assert invoices.keep_rendered is False and not invoices._json  # nothing rendered was kept

"""Large pages are decoded in the decoder process (daemon/xero/decoding.py): what comes back is what a small page
gives on the event loop, and a broken large body is a transient fault like any other."""

import json

import pytest

from daemon.xero.decoding import OFF_LOOP_BYTES
from tests import stored
from tests.test_faults import QUICK
from xero_emulator import EmulatorConfig


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=1200, contacts=5, payments=5)


async def test_a_large_page_decoded_in_the_worker_is_stored_whole(make_daemon, emulator):
    daemon = await make_daemon(retry=QUICK)
    [tenant] = [t.tenant_id for t in emulator.state.tenants]
    emulator.state.inject_fault("truncated", tenant_id=tenant, entity="Invoices", count=1)  # the first large body
    await daemon.connect(emulator)
    await daemon.advance(60)  # the retry's backoff
    run = await daemon.store.runs.latest(tenant)
    assert run.outcome == "success", run.error
    invoices = [c for c in emulator.api_calls(tenant) if c.path.endswith("/Invoices")]
    assert [c.status for c in invoices] == [200, 200, 200]  # page 1 cut short and fetched again, then page 2
    ours = await stored.records(daemon, tenant, "Invoices")
    held = emulator.state.records(tenant, "Invoices")
    assert len(json.dumps(held[:1000])) > OFF_LOOP_BYTES  # a full page goes through the decoder process
    assert len(ours) == 1200
    assert {r["xero_id"]: r["data"] for r in ours} == {i["InvoiceID"]: i for i in held}

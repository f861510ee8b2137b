"""Large pages are decoded in the decoder process (daemon/xero/decoding.py): what comes back is what a small page
gives on the event loop, and a broken large body is a transient fault like any other."""

import gzip
import json

import pytest
from hypothesis import given, strategies as st

from daemon.xero.decoding import OFF_LOOP_BYTES, BrokenBody, decode, inflate, inflated_size
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


def test_bodies_are_inflated_as_their_content_encoding_says_and_a_broken_one_is_named():
    body = json.dumps({"Invoices": [{"InvoiceID": "x"}] * 500}).encode()
    packed = gzip.compress(body)
    assert inflate(packed, "gzip") == body and inflate(body, "") == body and inflate(body, "identity") == body
    assert inflated_size(packed, "gzip") == len(body)  # read from the stream's end, not by inflating
    assert decode(packed, None, "gzip") == json.loads(body)
    with pytest.raises(BrokenBody, match="broken gzip"):
        inflate(packed[: len(packed) // 2], "gzip")  # cut off
    with pytest.raises(BrokenBody, match="not asked for"):
        inflate(body, "br")


@given(junk=st.binary(max_size=400), encoding=st.sampled_from(["gzip", "x-gzip", "br", "deflate", " GZIP "]))
def test_whatever_bytes_come_with_an_encoding_inflating_them_gives_the_body_or_broken_body(junk, encoding):
    """A Xero answer's body and Content-Encoding are Xero's to send: anything but a readable gzip stream is a
    BrokenBody (turned into a transient fault by the client), never another exception."""
    for body in (junk, gzip.compress(junk)[: len(junk) or 1]):
        try:
            assert isinstance(inflate(body, encoding), bytes)
        except BrokenBody:
            pass
        assert inflated_size(body, encoding) >= len(body)

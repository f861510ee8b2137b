"""Reading an entity's pages: once Xero has said how many there are, the next page is asked for while one is still
on its way (a page waiting out a retry does not hold up the one after it); without the count, one page at a time.
Either way no page is asked for twice except to retry a failed call (the paging minimum), and every record is
stored. What is observed is the order of the calls the emulator served."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from daemon.core.tasks import TaskGroup
from daemon.sync.engine import PAGES_IN_FLIGHT, SyncEngine
from daemon.xero.client import RetryPolicy
from daemon.xero.pages import Page
from tests import stored
from tests.support import one_org_off_schedule
from xero_emulator import EmulatorConfig

INVOICES = 2500  # three pages of 1,000: the last one short
RETRIES = RetryPolicy(attempts=5, base=1.0, cap=30.0, timeout=30.0)  # retries wait on the fake clock


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=INVOICES, contacts=20, payments=20)


@pytest.fixture
async def ready(make_daemon, emulator):
    """The org connected and synced once, off the schedule, then reset so the next sync reads every page again."""
    daemon, tenant = await one_org_off_schedule(make_daemon, emulator, retry=RETRIES)
    await daemon.service.reset(tenant, None)
    emulator.state.clear_calls()
    return daemon, tenant


def _invoice_pages(emulator, tenant) -> list[tuple[str, int]]:
    return [(c.query.get("page"), c.status) for c in emulator.api_calls(tenant) if c.path.endswith("/Invoices")]


async def test_with_a_page_count_the_next_page_is_asked_for_while_one_waits_out_a_retry(ready, emulator):
    daemon, tenant = ready
    emulator.state.inject_fault("500", tenant_id=tenant, entity="Invoices", count=1, after=1)  # page 2 or 3
    assert (await daemon.finish(daemon.service.sync(tenant))).run.outcome == "success"
    calls = _invoice_pages(emulator, tenant)
    assert calls[0] == ("1", 200) and len(calls) == 4
    (failed, status), between, retried = calls[1:]
    assert status == 500 and failed in ("2", "3")
    other = "3" if failed == "2" else "2"
    assert between == (other, 200) and retried == (failed, 200)  # the other page came while the failed one waited
    assert len(await stored.records(daemon, tenant, "Invoices")) == INVOICES


async def test_without_a_page_count_pages_are_read_one_at_a_time(ready, emulator):
    daemon, tenant = ready
    emulator.state.inject_fault("500", tenant_id=tenant, entity="Invoices", count=1, after=1)  # page 2
    emulator.state.inject_fault("no_pagination", tenant_id=tenant, entity="Invoices", fraction=1.0)
    assert (await daemon.finish(daemon.service.sync(tenant))).run.outcome == "success"
    assert _invoice_pages(emulator, tenant) == [("1", 200), ("2", 500), ("2", 200), ("3", 200)]
    assert len(await stored.records(daemon, tenant, "Invoices")) == INVOICES


# -- the reader alone, on answers of every shape ------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.one_of(st.none(), st.integers(0, 9)), min_size=9, max_size=9),
       real=st.integers(0, 8), delays=st.lists(st.integers(0, 3), min_size=9, max_size=9))
async def test_the_reader_asks_in_order_within_the_count_and_hands_over_every_page_up_to_the_last(counts, real,
                                                                                                  delays):
    """Xero's answers say any page count (or none) and hold full pages up to `real`, then a short or empty one;
    each page takes its own time. The reader hands over pages 1..L in order (L: the first that says it is the
    last, as `decode_page` decides), asks for each once, in order, with at most PAGES_IN_FLIGHT calls at a time,
    and never for a page past the count the answers so far gave."""
    asked: list[int] = []
    known = {"count": None, "in_flight": 0, "most": 0}
    beyond: list[int] = []

    async def page(org, entity, n, modified_since, stats) -> Page:
        asked.append(n)
        if n > 1 and known["count"] is not None and n > known["count"]:
            beyond.append(n)
        if n > 1 and known["count"] is None and known["in_flight"]:
            beyond.append(n)  # without a count, a second call while one is out
        known["in_flight"] += 1
        known["most"] = max(known["most"], known["in_flight"])
        for _ in range(delays[n - 1]):
            await asyncio.sleep(0)
        known["in_flight"] -= 1
        items = 1000 if n <= real else (500 if n == real + 1 else 0)
        count = counts[n - 1]
        last = (n >= count or not items) if count is not None else items < 1000
        return Page([], last or n == 9, 0, count)

    engine = SyncEngine(None, None, None, TaskGroup(), (), overlap=0)  # type: ignore[arg-type]
    engine._page = page  # type: ignore[method-assign]

    into: asyncio.Queue = asyncio.Queue()
    original_put = into.put

    async def put(answer) -> None:  # the count the reader goes by: the latest answer's (none: one at a time)
        known["count"] = answer.page_count
        await original_put(answer)

    into.put = put  # type: ignore[method-assign]
    org = SimpleNamespace(tenant_id="t")
    await engine._read(org, SimpleNamespace(name="Invoices"), None, None, into)  # type: ignore[arg-type]
    handed = [into.get_nowait() for _ in range(into.qsize())]
    last = next(i for i, answer in enumerate(handed, 1) if answer.last)
    assert len(handed) == last  # nothing after the last page
    assert sorted(asked) == asked == list(range(1, len(asked) + 1))  # in order, each once
    assert len(asked) - last < PAGES_IN_FLIGHT  # at most the calls in flight beside the last go unused
    assert known["most"] <= PAGES_IN_FLIGHT and not beyond

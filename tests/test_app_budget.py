"""The app's minute budget in the store (storage/app_budget.py): claims racing from many connections never grant
more than the limit in any of Xero's rolling minutes; the arithmetic holds for any sequence of claims."""

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.core.crypto import Secrets
from storage import Store
from storage.app_budget import ticks

LIMIT, MINUTE = 100, 60.0
START = 1_800_000_000.0


@pytest.fixture
async def stores(database_url):
    """Three stores on one database: three processes (PostgreSQL), or three handles on one SQLite file."""
    opened = [await Store.open(database_url, Secrets(["k"])) for _ in range(3)]
    yield opened
    for store in opened:
        await store.close()


def busiest_minute(granted: list[tuple[float, int]], minute: float = MINUTE) -> int:
    """The most calls Xero could count in one rolling minute, wherever in its tick each granted call is sent: a
    minute overlaps at most the minute's ticks plus one, so the most granted in that many consecutive ticks."""
    length, _ = ticks(minute)
    per_tick: dict[int, int] = {}
    for now, n in granted:
        tick = math.floor(now / length)
        per_tick[tick] = per_tick.get(tick, 0) + n
    overlapped = round(minute / length) + 1
    return max((sum(per_tick.get(t, 0) for t in range(first, first + overlapped)) for first in per_tick),
               default=0)


async def test_claims_racing_from_three_stores_never_exceed_the_limit(stores):
    """90 claims of 7 calls at once from three stores, in the same tick: the store grants exactly the limit."""
    got = await asyncio.gather(*(stores[i % 3].app_budget.claim(START, 7, limit=LIMIT) for i in range(90)))
    assert sum(c.granted for c in got) == LIMIT
    refused = [c for c in got if c.granted == 0]
    assert refused and all(c.retry_at is not None and c.retry_at > START for c in refused)
    assert await stores[0].app_budget.used(START - MINUTE, START) == LIMIT


async def test_the_budget_comes_back_a_minute_later_and_not_before(stores):
    first = await stores[0].app_budget.claim(START, LIMIT, limit=LIMIT)
    assert first.granted == LIMIT
    almost = await stores[1].app_budget.claim(START + 59, 10, limit=LIMIT)
    assert almost.granted == 0 and almost.retry_at >= START + MINUTE
    later = await stores[2].app_budget.claim(almost.retry_at, 10, limit=LIMIT)
    assert later.granted == 10


async def test_claims_racing_over_many_ticks_keep_every_minute_within_the_limit(stores):
    """Three stores claiming as fast as they can while the clock moves a tick or so at a time for three minutes."""
    granted: list[tuple[float, int]] = []

    async def claimer(store, offset):
        now = START + offset
        while now < START + 3 * MINUTE:
            claim = await store.app_budget.claim(now, 9, limit=LIMIT)
            if claim.granted:
                granted.append((now, claim.granted))
            now += 0.7
            await asyncio.sleep(0)

    await asyncio.gather(*(claimer(store, i * 0.3) for i, store in enumerate(stores)))
    assert busiest_minute(granted) <= LIMIT
    assert sum(n for _, n in granted) >= 2.5 * LIMIT  # and the budget was used, not refused throughout


claims = st.lists(st.tuples(st.floats(min_value=0, max_value=400, allow_nan=False), st.integers(0, 40)),
                  max_size=40)


@settings(max_examples=200, deadline=None)
@given(claims=claims, limit=st.integers(1, 120), minute=st.sampled_from([6.0, 60.0]))
def test_the_arithmetic_never_grants_more_than_the_limit_in_any_minute(claims, limit, minute):
    """Claims in any order of time (clocks of several processes disagree) and of any size."""
    from storage.app_budget import next_room, room

    length, span = ticks(minute)
    used: dict[int, int] = {}
    granted = []
    for offset, want in claims:
        now = START + offset
        at = math.floor(now / length)
        n = min(want, room(used, at, span, limit))
        assert n >= 0
        if n:
            used[at] = used.get(at, 0) + n
            granted.append((now, n))
        elif want:
            later = next_room(used, at, span, limit)
            assert later > at and room(used, later, span, limit) > 0 or later == at + span + 1
    assert busiest_minute(granted, minute) <= limit
    for start in range(min(used, default=0) - span, max(used, default=0) + 1):  # with a tick of travel to spare
        assert sum(used.get(t, 0) for t in range(start, start + span)) <= limit


@given(limit=st.integers(1, 500), want=st.integers(0, 1000))
def test_a_lone_claim_gets_what_it_asks_up_to_the_limit(limit, want):
    from storage.app_budget import room

    _, span = ticks(MINUTE)
    assert min(want, room({}, 10_000, span, limit)) == min(want, limit)


async def test_one_process_counts_a_call_until_a_minute_after_its_answer(clock):
    """However long a call queues on its way (Xero counts it on arrival), its place is free only a minute after its
    answer came back: two places, two calls answered late, the third waits for them."""
    from daemon.xero.pacing import AnsweredWindow

    window = AnsweredWindow(clock, 2, MINUTE)
    await window.take()
    await window.take()
    third = asyncio.ensure_future(window.take())
    await clock.advance(300)  # both calls still in flight: however long, nothing frees a place
    assert not third.done()
    window.answered()  # the first answer, at 300
    await clock.advance(59)
    assert not third.done()
    await clock.advance(1)
    await third
    assert window.delay() > 0  # the second call is still in flight and the third took the freed place


async def test_old_ticks_are_deleted_as_claims_go(stores, database_url):
    from tests.databases import fetch

    length, span = ticks(MINUTE)
    for minute in range(12):  # a claim every tick for twelve minutes
        for second in range(60):
            await stores[0].app_budget.claim(START + minute * MINUTE + second * length, 1, limit=LIMIT)
    [(kept,)] = await fetch(database_url, "SELECT count(*) FROM app_budget")
    assert kept <= 5 * span  # not the 720 ticks claimed

"""Work nobody is waiting on gives way to the Slack requests being answered (daemon/core/foreground.py): a command's
reply, a sync's page requests, decoding and writes, a write before one of its steps (on both backends), and
SQLite's checkpoint.
Each waits at most Foreground.QUIET_LIMIT, so a stream of requests slows it and never stops it."""

from __future__ import annotations

import asyncio
import threading

from daemon.core.foreground import Foreground
from daemon.core.keys import FOREGROUND
from storage.db import open_database
from tests.waiting import eventually


async def test_quiet_waits_for_the_requests_being_answered_and_no_longer_than_its_limit(monkeypatch):
    foreground = Foreground()
    await foreground.quiet()  # nothing arriving: at once
    with foreground.arriving():
        waiting = asyncio.ensure_future(foreground.quiet())
        with foreground.arriving():
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert not waiting.done() and foreground.waiting == 1  # one request is still being answered
    await asyncio.wait_for(waiting, 1)
    assert foreground.waiting == 0
    monkeypatch.setattr(Foreground, "QUIET_LIMIT", 0.01)
    with foreground.arriving():
        await asyncio.wait_for(foreground.quiet(), 1)  # gives up waiting: the work is not starved
        await asyncio.to_thread(foreground.quiet_blocking)  # and so does a thread


async def test_a_thread_waits_until_the_last_request_is_answered(monkeypatch):
    monkeypatch.setattr(Foreground, "QUIET_LIMIT", 30)
    foreground, order = Foreground(), []

    def thread_work() -> None:
        foreground.quiet_blocking()
        order.append("thread carried on")

    with foreground.arriving():
        thread = asyncio.ensure_future(asyncio.to_thread(thread_work))
        await asyncio.wait({thread}, timeout=0.05)  # time for the thread to run, were it not waiting
        order.append("request answered")
    await asyncio.wait_for(thread, 5)
    assert order == ["request answered", "thread carried on"]


async def test_a_sync_asks_xero_for_nothing_while_a_slack_request_is_answered(daemon, emulator, monkeypatch):
    monkeypatch.setattr(Foreground, "QUIET_LIMIT", 60)
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    foreground = daemon.app[FOREGROUND]
    emulator.state.clear_calls()
    with foreground.arriving():
        sync = asyncio.ensure_future(daemon.service.sync(tenant))
        await eventually(lambda: foreground.waiting, "the sync to wait for the request being answered")
        assert emulator.api_calls(tenant) == [] and not sync.done()
    assert (await asyncio.wait_for(sync, 30)).run.outcome == "success"  # then it runs, whole
    assert emulator.api_calls(tenant)


class HeldAtSecondStep:
    """A GiveWay (storage/db.py) that holds a write before its second step (the plan's own work up to its second
    statement, then that statement): SQLite's writer thread calls `quiet_blocking`, PostgreSQL's write `quiet` on
    the loop."""

    def __init__(self) -> None:
        self.writer: int | None = None  # the thread the plan runs in, as its first step tells
        self.entered, self.release = threading.Event(), threading.Event()
        self.calls: list[int] = []

    def _holds(self) -> bool:
        me = threading.get_ident()
        self.calls.append(me)
        return me == self.writer and self.calls.count(me) == 2 and not self.entered.is_set()

    def quiet_blocking(self) -> bool:  # SQLite's writer (and checkpointer: not held)
        if self._holds():
            self.entered.set()
            return self.release.wait(10)
        return False

    async def quiet(self) -> bool:  # PostgreSQL
        if self._holds():
            self.entered.set()
            return await asyncio.to_thread(self.release.wait, 10)
        return False


async def test_a_write_gives_way_between_two_of_its_steps(database_url):
    """A page's plan works out its keys before its first statement and between statements: the wait comes before
    that work as well as before the statement it leads to."""
    held = HeldAtSecondStep()
    db = open_database(database_url, give_way=held)
    await db.connect()
    try:
        second_step: list[bool] = []

        def create():
            yield "CREATE TABLE t (x INTEGER)", ()

        def insert_two():
            held.writer = threading.get_ident()
            yield "INSERT INTO t VALUES (?)", (1,)
            second_step.append(True)  # the plan's own work before its second statement
            yield "INSERT INTO t VALUES (?)", (2,)

        await db.write(create)
        writing = asyncio.ensure_future(db.write(insert_two, gives_way=True))
        assert await asyncio.to_thread(held.entered.wait, 10)  # before the second step
        assert not writing.done() and not second_step
        assert await db.fetchall("SELECT x FROM t") == []  # one row written, nothing committed: the write waits
        held.release.set()
        await asyncio.wait_for(writing, 10)
        assert [row["x"] for row in await db.fetchall("SELECT x FROM t ORDER BY x")] == [1, 2]
        assert held.calls.count(held.writer) == 2  # before each step until it has waited once
        if db.dialect == "sqlite":
            assert threading.get_ident() not in held.calls  # in SQLite's threads, not on the loop
    finally:
        held.release.set()
        await db.close()


class Counted:
    """The daemon's Foreground, counting the waits made in the thread the writes run in (not the checkpointer's)."""

    def __init__(self, foreground: Foreground) -> None:
        self.foreground, self.waits, self.writer = foreground, 0, None

    def _count(self, waited: bool) -> bool:
        self.waits += waited and threading.get_ident() == self.writer
        return waited

    async def quiet(self) -> bool:
        return self._count(await self.foreground.quiet())

    def quiet_blocking(self) -> bool:
        return self._count(self.foreground.quiet_blocking())


def _three_inserts(counted: Counted):
    def plan():
        counted.writer = threading.get_ident()
        for x in (1, 2, 3):
            yield "INSERT INTO t VALUES (?)", (x,)
    return plan


async def _table(database_url: str, give_way) -> object:
    db = open_database(database_url, give_way=give_way)
    await db.connect()

    def create():
        yield "CREATE TABLE t (x INTEGER)", ()

    await db.write(create)
    return db


async def test_a_write_gives_way_once_at_most_and_only_when_it_says_so(database_url, monkeypatch):
    """Only a sync's page (`gives_way=True`) waits, and once: the Reset window's write, made while its own request
    is being answered, does not wait for itself; a page's write holds its locks through one wait at most."""
    monkeypatch.setattr(Foreground, "QUIET_LIMIT", 60)
    foreground = Foreground()
    counted = Counted(foreground)
    db = await _table(database_url, counted)
    try:
        with foreground.arriving():
            await asyncio.wait_for(db.write(_three_inserts(counted)), 10)  # does not give way: at once
            assert counted.waits == 0
            monkeypatch.setattr(Foreground, "QUIET_LIMIT", 0.01)
            await asyncio.wait_for(db.write(_three_inserts(counted), gives_way=True), 10)
            assert counted.waits == 1  # three statements, one wait
        rows = await db.fetchall("SELECT x FROM t ORDER BY x")
        assert [row["x"] for row in rows] == [1, 1, 2, 2, 3, 3]
    finally:
        await db.close()

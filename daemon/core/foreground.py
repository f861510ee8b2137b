"""Requests a person is waiting on, and the work that gives way to them.

The Slack door marks each request it is answering (`arriving`); Slack gives an acknowledgement three seconds.
Work nobody is waiting on at that moment waits (`quiet`) until none is left, at most QUIET_LIMIT each time, so a
stream of requests slows it but never stops it:

- the work after a command's acknowledgement (a status to build and post): 200 commands arriving together are
  all acknowledged first, instead of the first ones' replies taking the loop from the later ones' acknowledgements;
- a sync: its next page request, the decoding of a large page, its next write; and a page's write, once, before
  one of its steps (the plan's own work up to a statement, such as sorting a page's keys, and that statement: on
  PostgreSQL on the loop; on SQLite in its writer thread, `quiet_blocking`, as its WAL checkpoint).

A large first sync keeps both of a small machine's cores busy (Xero's answers decoded, the store written), and a
burst of 200 `/xero status` shared them: acknowledged in 88-127 ms during a million-invoice first sync on SQLite
against 45-60 ms on an idle daemon. Giving way: p99 88-99 ms in four runs of five (113 in the fifth), most bursts
60-80 ms, the sync as fast as before (bench/slack_load.py; on a faster machine, with the write's wait before its
own work too: 60-79 ms on SQLite, 62-76 on PostgreSQL). A write gives way at most once (storage/db.GiveWay), so a
request that itself writes (the Home tab's Reset window) and meets a sync's write waiting here waits at most
QUIET_LIMIT more.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import Iterator


class Foreground:
    QUIET_LIMIT = 0.5  # seconds a piece of work waits at most, however busy the doors are

    def __init__(self) -> None:
        self._open = 0
        self.waiting = 0  # tasks waiting in `quiet` now
        self._quiet = asyncio.Event()  # for the loop's tasks
        self._quiet.set()
        self._quiet_threads = threading.Event()  # for the store's threads
        self._quiet_threads.set()

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """While a request is being answered (on the event loop)."""
        self._open += 1
        if self._open == 1:
            self._quiet.clear()
            self._quiet_threads.clear()
        try:
            yield
        finally:
            self._open -= 1
            if not self._open:
                self._quiet.set()
                self._quiet_threads.set()

    async def quiet(self) -> bool:
        """Until no request is being answered (at once if none is), or QUIET_LIMIT; whether it waited."""
        if self._quiet.is_set():
            return False
        self.waiting += 1
        try:
            async with asyncio.timeout(self.QUIET_LIMIT):
                await self._quiet.wait()
        except TimeoutError:
            pass
        finally:
            self.waiting -= 1
        return True

    def quiet_blocking(self) -> bool:
        """`quiet` for a thread other than the loop's (SQLite's writer and checkpointer)."""
        if self._quiet_threads.is_set():
            return False
        self._quiet_threads.wait(self.QUIET_LIMIT)
        return True

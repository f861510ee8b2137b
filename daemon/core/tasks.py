"""One owner for the app's background work: every long-running or fire-and-forget task is started here.

- `start()` runs a coroutine as a task the group tracks until it ends.
- `join()` awaits a task on behalf of a caller (by default without letting the caller's cancellation cancel it:
  several callers share one org's sync).
- `settled()` waits until the work started so far has finished, or waits only on what time brings (`waiting`
  says which tasks do: a test's fake clock knows its sleepers), or waits on such a task through `join()`. Tests
  move their fake clock with it; nothing in production waits on it.
- `close()` (at shutdown) cancels every task, newest first, and waits for each to end: a sync records itself
  interrupted on the way out. A task started while closing is cancelled at once.

Modelled on Home Assistant's tracked tasks and `async_block_till_done()`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Coroutine, TypeVar

import structlog

T = TypeVar("T")
log = structlog.get_logger(__name__)

SETTLE_LIMIT = 30.0  # real seconds `settled()` waits before it names what is still busy


class TaskGroup:
    def __init__(self) -> None:
        self._tasks: dict[asyncio.Task, None] = {}  # in the order started
        self._joins: dict[asyncio.Task, asyncio.Task] = {}  # a caller -> the task it is joined to
        self._closing = False

    def start(self, coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks[task] = None
        task.add_done_callback(self._forget)
        if self._closing:
            task.cancel()
        return task

    def _forget(self, task: asyncio.Task) -> None:
        """A task ended: forget it, and log its crash unless a caller is waiting to hear of it."""
        self._tasks.pop(task, None)
        if task.cancelled() or task.exception() is None or task in self._joins.values():
            return
        log.error("task.crashed", task=task.get_name(), exc_info=task.exception())

    def running(self, *prefixes: str) -> bool:
        """A task whose name starts with one of `prefixes` has not ended (the demo's console waits for quiet)."""
        return any(task.get_name().startswith(prefixes) for task in self._tasks if not task.done())

    async def join(self, task: asyncio.Task[T], *, shield: bool = True) -> T:
        """`task`'s result. Shielded (the default), cancelling the caller stops its wait, not the task; unshielded,
        it cancels the task too, as awaiting a task does."""
        return await self.waiting_on(task, asyncio.shield(task) if shield else task)

    async def waiting_on(self, task: asyncio.Task, awaitable: Awaitable[T]) -> T:
        """`awaitable`'s result, the caller meanwhile counted as joined to `task` (what it waits for is fed by
        `task`: a queue it fills), so `settled` sees the caller rest while `task` does."""
        caller = asyncio.current_task()
        if caller is not None:
            self._joins[caller] = task
        try:
            return await awaitable
        finally:
            if caller is not None:
                self._joins.pop(caller, None)

    async def settled(self, *, waiting: Callable[[asyncio.Task], bool], limit: float = SETTLE_LIMIT) -> None:
        """Return once no task started here is busy: each has ended, or `waiting(task)`, or is joined to a task
        that is. TimeoutError naming the busy tasks after `limit` real seconds."""
        deadline = time.monotonic() + limit
        while True:
            for _ in range(20):  # let ready callbacks run
                await asyncio.sleep(0)
            busy = [task for task in self._tasks if not self._resting(task, waiting)]
            if not busy:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("still busy: " + ", ".join(sorted(task.get_name() for task in busy)))
            await asyncio.wait(busy, timeout=0.005)  # real I/O: the database, HTTP, the decoder process

    def _resting(self, task: asyncio.Task, waiting: Callable[[asyncio.Task], bool]) -> bool:
        seen: set[asyncio.Task] = set()
        while not (task.done() or waiting(task)):
            seen.add(task)
            task = self._joins.get(task)
            if task is None or task in seen:
                return False
        return True

    async def close(self) -> None:
        self._closing = True
        while self._tasks:
            tasks = list(self._tasks)[::-1]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


class Loop:
    """A long-running loop started through the task group (the scheduler, the grants' upkeep): `start` it,
    `alive` says it still runs (readiness), `wake` makes it look now instead of at its next deadline."""

    name = "loop"

    def __init__(self, tasks: TaskGroup) -> None:
        self._tasks = tasks
        self._wake = asyncio.Event()
        self._loop: asyncio.Task | None = None

    def start(self) -> None:
        self._loop = self._tasks.start(self._run(), name=self.name)

    @property
    def alive(self) -> bool:
        return self._loop is not None and not self._loop.done()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        raise NotImplementedError

"""The one way a test waits for something to happen: `eventually(condition, what)` checks the condition until it
holds, and fails loudly, naming what it waited for, when it does not within `timeout` real seconds. For real I/O
(a database, a socket, another process), never for time: in-process tests move their fake clock instead.
`eventually_sync` is the same for code that is not async (starting and stopping real processes)."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Awaitable, Callable


class _Patience:
    def __init__(self, what: str, timeout: float) -> None:
        self.what, self.timeout = what, timeout
        self.deadline = time.monotonic() + timeout

    def done(self, value: Any) -> bool:
        if value:
            return True
        if time.monotonic() > self.deadline:
            raise AssertionError(f"timed out after {self.timeout} s waiting for {self.what}")
        return False


async def eventually(condition: Callable[[], Any | Awaitable[Any]], what: str, *, timeout: float = 10.0,
                     every: float = 0.005) -> Any:
    """The condition's first truthy value (the condition may be a coroutine function)."""
    patience = _Patience(what, timeout)
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if patience.done(value):
            return value
        await asyncio.sleep(every)


def eventually_sync(condition: Callable[[], Any], what: str, *, timeout: float = 60.0, every: float = 0.02) -> Any:
    patience = _Patience(what, timeout)
    while not patience.done(value := condition()):
        time.sleep(every)
    return value

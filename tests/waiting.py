"""The one way a test waits for something to happen: `eventually(condition, what)` checks the condition until it
holds, and fails loudly, naming what it waited for, when it does not within `timeout` real seconds. For real I/O
(a database, a socket, another process), never for time: tests move their fake clock instead."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Awaitable, Callable

Condition = Callable[[], Any | Awaitable[Any]]


async def eventually(condition: Condition, what: str, *, timeout: float = 10.0, every: float = 0.005) -> Any:
    """The condition's first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)


def eventually_sync(condition: Callable[[], Any], what: str, *, timeout: float = 60.0, every: float = 0.02) -> Any:
    """`eventually` for code that is not async (starting and stopping real processes)."""
    return asyncio.run(eventually(condition, what, timeout=timeout, every=every))

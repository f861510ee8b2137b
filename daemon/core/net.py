"""The one boundary between the network and the error tree: every outbound call (Xero's API and identity
service, Slack, `check`'s probes) runs inside `outbound(what)`, which turns aiohttp's and the operating system's
errors into our own (XeroTransientError unless told otherwise), worded by `describe`."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Iterator

import aiohttp

from daemon.core.errors import XeroSyncdError, XeroTransientError

NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def describe(err: BaseException) -> str:
    """What went wrong on the wire, in a few words (never a URL's query or a header: they may hold secrets)."""
    if isinstance(err, asyncio.TimeoutError):
        return "no answer in time"
    detail = str(err).strip().split("?", 1)[0]
    return f"{type(err).__name__}: {detail[:160]}" if detail else type(err).__name__


@contextmanager
def outbound(what: str, into: type[XeroSyncdError] = XeroTransientError) -> Iterator[None]:
    """Network failures inside the block become `into(f"{what}: {describe(err)}")`."""
    try:
        yield
    except NETWORK_ERRORS as err:
        raise into(f"{what}: {describe(err)}") from err

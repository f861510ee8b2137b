"""Decoding large Xero pages in a separate process.

A 1,000-invoice page is ~1.5 MB of JSON: parsing it and encoding its rows for the store is ~20-40 ms of CPU that
holds Python's GIL in long C calls. In a thread it still starves the event loop (Slack's acknowledgements waited for
the GIL: bench/slack_load.py); in one worker process it runs beside the loop on the second core, and only the
finished rows come back. The body goes there as Xero sent it, gzipped: inflating it is the worker's work too, and the
pipe carries a fifth of the bytes (a first sync of a million invoices: 0.4 GB instead of 2.2 GB, and the loop no
longer inflates 2.2 GB). One worker: pages are decoded one at a time across all syncs, as before.

The pool is created on first use and re-created if its process dies (the page is then retried as any transient
failure). Like the default executor it is module-level: it serves any event loop, and an idle worker costs
nothing but its memory.
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import sys
import threading
import time
import zlib
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

import orjson

from daemon.core.errors import XeroTransientError

OFF_LOOP_BYTES = 256 * 1024  # smaller bodies (inflated) are decoded on the event loop: sending them costs more than
# it saves

_pool: ProcessPoolExecutor | None = None
_starting = threading.Lock()


class BrokenBody(ValueError):
    """A body that cannot be inflated: a cut-off or corrupt gzip stream, or an encoding not asked for."""


def inflate(body: bytes, encoding: str) -> bytes:
    """The body as sent before its Content-Encoding (gzip: the one the client asks for; none)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
            raise BrokenBody(f"a broken gzip stream: {type(err).__name__}") from None
    raise BrokenBody(f"an encoding not asked for: {encoding[:40]!r}")


def inflated_size(body: bytes, encoding: str) -> int:
    """How large the body is once inflated: a gzip stream ends with its size (mod 4 GiB; one member is what
    servers send), which is read here without inflating."""
    if encoding.strip().lower() in ("gzip", "x-gzip") and len(body) >= 18:
        return max(len(body), int.from_bytes(body[-4:], "little"))
    return len(body)


def decode(body: bytes, then: Callable[[Any], Any] | None, encoding: str = "") -> Any:
    """Inflate and parse a JSON body and apply `then` to it (in the worker, or here for a small body)."""
    payload = orjson.loads(inflate(body, encoding))
    return then(payload) if then is not None else payload


def _exit_with(daemon_pid: int) -> None:
    """In the worker: exit once the daemon is gone. A SIGKILLed daemon stops nobody, and the worker (a child of
    multiprocessing's forkserver, not of the daemon) would otherwise wait for pages forever, keeping the
    forkserver and its resource tracker alive too."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(daemon_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid was reused by another user's process: ours is gone
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-daemon", daemon=True).start()


def _start() -> ProcessPoolExecutor:
    """The pool, started once (syncs that need it together wait for the first to start it)."""
    global _pool
    with _starting:
        if _pool is None:
            # forkserver: the worker is not forked from this process's threads (the store's, the loop's)
            pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                                       initializer=_exit_with, initargs=(os.getpid(),))
            with _main_not_imported():
                pool.submit(int).result()  # the worker is up before the first page is sent to it
            _pool = pool
        return _pool


@contextmanager
def _main_not_imported():
    """Start the worker without importing this process's `__main__` in it (multiprocessing re-imports a main
    script by path in a forkserver child): `xero-syncd`'s script, or a benchmark's, imports the whole daemon, which
    was ~50 MB of the worker's 75 MB peak. The worker needs only `decode` and what a page's `then` names
    (daemon/xero/pages.py), which it imports by name."""
    main = sys.modules["__main__"]
    missing = object()
    saved = {name: getattr(main, name, missing) for name in ("__file__", "__spec__")}
    main.__spec__ = None
    if saved["__file__"] is not missing:
        del main.__file__
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is not missing:
                setattr(main, name, value)


async def decode_off_loop(body: bytes, then: Callable[[Any], Any] | None, encoding: str = "") -> Any:
    """`decode` in the worker process (`then` must be a module-level function or a partial of one)."""
    global _pool
    # Starting the worker (and the forkserver) blocks for tens of milliseconds: not on the event loop
    pool = _pool or await asyncio.to_thread(_start)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, decode, body, then, encoding)
    except BrokenProcessPool:
        _pool = None
        raise XeroTransientError("the page decoder process stopped; the page will be fetched again") from None

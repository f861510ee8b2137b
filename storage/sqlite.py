"""The SQLite backend: one writer behind a lock, one reader that sees only committed data (WAL). The embedded
default, for one daemon process."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, TypeVar

import aiosqlite
import structlog

from storage.db import GiveWay, Plan, run_plan
from storage.files import private_file

T = TypeVar("T")
log = structlog.get_logger(__name__)

# page_size only takes effect on a new database file (before WAL is switched on): 16 KB pages hold a 1-2 KB record
# JSON several to a page (4 KB and 64 KB pages were measured too: no faster). cache_size: 16 MB per connection
# instead of 2 MB (the writer's too: WRITER).
PRAGMAS = ("PRAGMA page_size=16384", "PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL",
           "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-16384")
# The writer's page cache is the 16 MB every connection has. It was 48 MB, to keep the key index of a
# million-invoice org (~40 MB: storage/records.py) cached for a page's thousand random UUIDs; since a write's rows
# go in key order, a 1M first sync runs as fast with 16 MB as with 48 (bench/full_sync.py: 38,369 records/s against
# 38,239-38,819, the same 36 s of CPU) and peaks 35 MB lower (116 + 45 MB against 150 + 46). The writer does
# not checkpoint the WAL into the database itself (the checkpointer does: `_checkpoint`) unless the WAL passes
# 8,192 pages (128 MB) meanwhile: a page's random keys dirty hundreds of index pages, so with SQLite's 1,000 it
# checkpointed (and synced) after nearly every page, writing the same index pages again each time.
WRITER = ("PRAGMA wal_autocheckpoint=8192",)
# A third connection copies the WAL into the database (PASSIVE: beside the writer, never blocking it) after each
# write of records (`write`) that finds it idle, so the copying runs on another core instead of inside the
# writer's commits: in a first sync of a million invoices it was a fifth of the writer's time (bench/full_sync.py
# under py-spy). The small transactions between syncs (leases, runs, replies) leave their frames for the next
# one, or for the writer's fallback. The WAL file is cut back to 64 MB after it grew past.
CHECKPOINTER = ("PRAGMA wal_autocheckpoint=0", "PRAGMA cache_size=-1024")
WAL_SIZE_LIMIT = "PRAGMA journal_size_limit=67108864"


class SqliteDatabase:
    dialect = "sqlite"
    shared = False  # one daemon process
    json_values = "json_each(?)"
    skip_locked = ""  # BEGIN IMMEDIATE already makes every write transaction exclusive
    greatest = "MAX"  # the largest of several values
    lock_row = ""

    def __init__(self, path: Path, *, give_way: GiveWay | None = None) -> None:
        self.path = path
        # in the writer's thread for a write that gives way, in the checkpointer's before a checkpoint
        self._give_way = give_way.quiet_blocking if give_way is not None else _carry_on
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpointing: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        # SQLite creates the -wal and -shm files with the database file's permissions: 0600 from the start
        private_file(self.path)
        self._writer = await self._open(*WRITER, WAL_SIZE_LIMIT)
        self._reader = await self._open()
        self._checkpointer = await self._open(*CHECKPOINTER)

    async def _open(self, *more: str) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in (*PRAGMAS, *more):
            await conn.execute(pragma)
        await conn.create_function("xero_uuid", 1, xero_uuid, deterministic=True)  # migration 0020
        return conn

    async def close(self) -> None:
        if self._checkpointing is not None:
            await asyncio.gather(self._checkpointing, return_exceptions=True)
        for conn in (self._checkpointer, self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._checkpointer = self._reader = self._writer = None

    def _checkpoint(self) -> None:
        """After a write of records: copy the WAL into the database on the checkpointer, unless it is at it."""
        if self._checkpointer is None or (self._checkpointing is not None and not self._checkpointing.done()):
            return
        self._checkpointing = asyncio.get_running_loop().create_task(self._copy_wal(self._checkpointer))

    async def _copy_wal(self, conn: aiosqlite.Connection) -> None:
        give_way, raw = self._give_way, conn._conn  # run in the checkpointer's thread, as aiosqlite runs a call
        try:
            await conn._execute(lambda: (give_way(), raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()))
        except sqlite3.Error as err:  # the writer's own checkpoint (past 8,192 pages) is the fallback
            log.warning("storage.checkpoint_failed", error=str(err))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator["Tx"]:
        """One write transaction; writes that belong together go in one of these. Rolled back on any error."""
        assert self._writer is not None, "database is not connected"
        writer = self._writer
        async with self._lock:
            try:
                await writer.execute("BEGIN IMMEDIATE")
                yield Tx(writer)
            except BaseException:
                # Even when cancelled mid-BEGIN the statement runs on aiosqlite's thread; requests there run in
                # order, so this ROLLBACK always follows it and the connection is never left inside a transaction.
                await asyncio.shield(_rollback(writer))
                raise
            try:
                await asyncio.shield(writer.execute("COMMIT"))
            except sqlite3.Error:
                await asyncio.shield(_rollback(writer))
                raise

    async def write(self, plan: Plan[T], *, gives_way: bool = False) -> T:
        """Run a write plan on the writer's thread inside one write transaction (rolled back if it raises);
        `gives_way`: see `storage.db.Database.write`.

        For hot paths that write several statements at once (a page of records): one hop to the writer's thread
        instead of one per statement. Each hop waits for the GIL, which the next page's decoding holds; a page
        written as four hops took twice as long (bench/full_sync.py). The transaction commits or rolls back on the
        writer's thread as a whole, even if the caller is cancelled meanwhile."""
        assert self._writer is not None, "database is not connected"
        writer = self._writer
        async with self._lock:
            # aiosqlite runs every call as a function on its thread; `_execute` queues one (as its own methods do).
            result = await writer._execute(_in_transaction, writer._conn, plan,
                                           self._give_way if gives_way else None)
        self._checkpoint()
        return result

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        assert self._reader is not None, "database is not connected"
        return list(await self._reader.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def migrating(self) -> AsyncIterator[None]:
        yield  # one process: nothing to wait for

    async def apply(self, script: str) -> None:
        await self.script(f"BEGIN IMMEDIATE;\n{script.rstrip().rstrip(';')};\nCOMMIT;")

    async def script(self, sql: str) -> None:
        """Run a whole script on the writer (a script with BEGIN/COMMIT is one transaction)."""
        assert self._writer is not None
        async with self._lock:
            try:
                await self._writer.executescript(sql)
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def xero_uuid(xero_id: object) -> bytes | None:
    """A Xero id's 16 bytes when it is a UUID as Xero writes it (lower case), else NULL (kept as text)."""
    if isinstance(xero_id, str) and _UUID.match(xero_id):
        return bytes.fromhex(xero_id.replace("-", ""))
    return None


def _carry_on() -> bool:
    return False


def _in_transaction(conn: sqlite3.Connection, plan: Plan[T], give_way: Callable[[], bool] | None) -> T:
    """A write plan in one transaction, in the writer's thread; `give_way()` before each step until it has once
    waited (storage/db.GiveWay; None for a write that does not give way, as PostgreSQL's `write` passes)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = run_plan(plan, lambda sql, params: conn.execute(sql, params).rowcount,
                          lambda sql, params: conn.execute(sql, params).fetchall(), give_way)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


async def _rollback(conn: aiosqlite.Connection) -> None:
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.OperationalError:  # no transaction was open (BEGIN itself failed)
        pass


class Tx:
    """The writer connection inside a transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        cursor = await self._conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

"""The PostgreSQL backend (asyncpg): for several daemon processes sharing one store.

A pool of connections; each transaction takes one. Repositories write `?` placeholders, numbered here into
PostgreSQL's `$1, $2, ...` (our SQL has no `?` inside string literals). Migrations are applied under an advisory
lock, so replicas starting together apply each one once.
"""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, AsyncIterator, Iterable, TypeVar

import asyncpg

from storage.db import GiveWay, Plan, Row, run_plan_async

T = TypeVar("T")

MIGRATION_LOCK = 0x78657230  # pg_advisory_lock key held while migrating ("xer0")
POOL_SIZE = 10  # syncs (SYNC_CONCURRENCY), a token refresh holding its grant's row, handlers, the outbox


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as `$1, $2, ...`."""
    counter = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _safe(params: Iterable[Any]) -> list[Any]:
    """PostgreSQL's text cannot hold NUL (SQLite's can): a NUL in a string parameter (a forged OAuth state, a
    webhook's tenant id, a name from Xero) is sent as U+FFFD, so such input matches nothing and is stored readably,
    instead of failing the request with an encoding error. Strings in an array parameter (a page's columns) too."""
    return [_no_nul(p) if type(p) is str else [_no_nul(x) if type(x) is str else x for x in p] if type(p) is list
            else p for p in params]


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _changed(status: str) -> int:
    """Rows changed, from a command tag such as "UPDATE 3" or "INSERT 0 1"."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresDatabase:
    dialect = "postgres"
    shared = True
    json_values = "json_array_elements_text(?::json)"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    greatest = "GREATEST"  # the largest of several values
    lock_row = " FOR NO KEY UPDATE"  # does not block inserts that reference the row (foreign keys)

    def __init__(self, url: str, *, give_way: GiveWay | None = None) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self._give_way = give_way  # what a write that gives way waits on (storage/db.GiveWay)

    async def connect(self) -> None:
        self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=POOL_SIZE)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "database is not connected"
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator["PgTx"]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgTx(conn)

    async def write(self, plan: Plan[T], *, gives_way: bool = False) -> T:
        async with self.transaction() as tx:
            return await run_plan_async(plan, tx, self._give_way if gives_way else None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self.pool.fetch(numbered(sql), *_safe(params))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self.pool.fetchrow(numbered(sql), *_safe(params))

    @asynccontextmanager
    async def migrating(self) -> AsyncIterator[None]:
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def apply(self, script: str) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(script)  # no parameters: the simple protocol runs every statement


class PgTx:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return _changed(await self._conn.execute(numbered(sql), *_safe(params)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self._conn.fetch(numbered(sql), *_safe(params))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self._conn.fetchrow(numbered(sql), *_safe(params))

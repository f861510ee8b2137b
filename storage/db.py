"""What the repositories need from a database, and `open_database(url)`, which picks the backend by the URL's scheme.

Two backends implement it: SQLite (`storage/sqlite.py`, the embedded default: one process) and PostgreSQL
(`storage/postgres.py`: several processes share it). Repositories write portable SQL with `?` placeholders; the
few places where the dialects differ read a fragment from the database (`json_values`, `skip_locked`, ...).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import (
    Any,
    AsyncContextManager,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Mapping,
    Protocol,
    Sequence,
    TypeVar,
)

from storage.urls import is_postgres, sqlite_path

T = TypeVar("T")

Row = Mapping[str, Any]  # sqlite3.Row or asyncpg.Record: both read by column name
Statement = tuple[str, Sequence[Any]]


class Query(tuple):
    """A statement whose rows a write plan reads (a SELECT, or a write with RETURNING): `Query((sql, params))`."""


# A write plan: a generator that yields statements, is sent each one's changed-row count (or, for a `Query`, its
# rows), and returns a result. Both backends run a whole plan as one transaction; SQLite runs it on its writer
# thread in one hop.
Plan = Callable[[], Generator[Statement, Any, T]]


class Tx(Protocol):
    """A connection inside one write transaction."""

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...


class Database(Protocol):
    dialect: str  # "sqlite" | "postgres"
    shared: bool  # other processes may use this database at the same time
    json_values: str  # a FROM item with one `value` column per element of a JSON array parameter
    skip_locked: str  # appended to a SELECT whose rows are claimed: others skip rows claimed but not committed
    greatest: str  # the function that returns the largest of its (non-null) arguments
    lock_row: str  # appended to a SELECT of one row to hold it until the transaction ends

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    def transaction(self) -> AsyncContextManager[Tx]:
        """One write transaction; writes that belong together go in one of these. Rolled back on any error."""

    async def write(self, plan: Plan[T], *, gives_way: bool = False) -> T:
        """Run a write plan as one transaction (the hot path: a page of records); `gives_way`: a long write nobody
        waits on (a sync's page), which may wait once before one of its steps (`GiveWay`)."""

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

    def migrating(self) -> AsyncContextManager[None]:
        """Held while migrations are checked and applied: processes starting together migrate one at a time."""

    async def apply(self, script: str) -> None:
        """Run a migration script (several statements) as one transaction."""


@asynccontextmanager
async def within(db: Database, tx: Tx | None) -> AsyncIterator[Tx]:
    """The caller's transaction when it holds one, else a transaction of its own (committed on leaving)."""
    if tx is not None:
        yield tx
        return
    async with db.transaction() as own:
        yield own


def run_plan(plan: Plan[T], execute: Callable[[str, Sequence[Any]], int],
             fetch: Callable[[str, Sequence[Any]], list[Row]], give_way: Callable[[], bool] | None = None) -> T:
    """Drive a write plan with a synchronous `execute` and `fetch` (SQLite's writer thread); `give_way()` (a
    `GiveWay.quiet_blocking`) before each step, until it has once waited."""
    steps = plan()
    answer: Any = None
    try:
        while True:
            if give_way is not None and give_way():
                give_way = None  # once: the transaction holds its locks meanwhile
            statement = steps.send(answer)
            answer = fetch(*statement) if isinstance(statement, Query) else execute(*statement)
    except StopIteration as done:
        return done.value


async def run_plan_async(plan: Plan[T], tx: Tx, give_way: GiveWay | None = None) -> T:
    """Drive a write plan with a transaction's async `execute` and `fetchall`; `give_way.quiet()` before each step,
    until it has once waited.

    A step is the plan's own work up to its next statement, then that statement; the wait comes before both: a
    page's plan works out and sorts its thousands of keys before its first statement (~10 ms of CPU, on the event
    loop here), which a request that has just arrived would otherwise wait behind."""
    steps = plan()
    answer: Any = None
    try:
        while True:
            if give_way is not None and await give_way.quiet():
                give_way = None  # once: the transaction holds its locks meanwhile
            statement = steps.send(answer)
            answer = await (tx.fetchall(*statement) if isinstance(statement, Query) else tx.execute(*statement))
    except StopIteration as done:
        return done.value


class GiveWay(Protocol):
    """What a write that gives way (`Database.write(..., gives_way=True)`) waits on before each of its steps,
    so that a long write leaves the machine to the requests being answered (daemon/core/foreground.py): `quiet` on
    the event loop (PostgreSQL), `quiet_blocking` in SQLite's writer thread (and its checkpointer's). Each returns at
    once when nobody is waiting, and soon anyway, saying whether it waited: a write waits once at most, so that
    its locks (and, on SQLite, the writes queued behind it) are held up by one wait at most."""

    async def quiet(self) -> bool: ...

    def quiet_blocking(self) -> bool: ...


def open_database(url: str | Path, *, give_way: GiveWay | None = None) -> Database:
    """The backend for a `DATABASE_URL` (a bare path is a SQLite file), not yet connected; its writes wait on
    `give_way` before each step (SQLite's checkpoints too)."""
    if isinstance(url, str) and is_postgres(url):
        from storage.postgres import PostgresDatabase

        return PostgresDatabase(url, give_way=give_way)
    from storage.sqlite import SqliteDatabase

    return SqliteDatabase(sqlite_path(url) if isinstance(url, str) else url, give_way=give_way)


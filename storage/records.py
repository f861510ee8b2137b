"""Synced records and the per-entity watermarks that say how far each entity has been read."""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from typing import AsyncIterator, Generator, Iterable, NamedTuple

from storage.db import Database, Statement, Tx, within

UPSERT = (
    "INSERT INTO records (tenant_id, entity, xero_id, status, updated_ms, data, synced_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, entity, xero_id) DO UPDATE SET status = excluded.status,"
    " updated_ms = excluded.updated_ms, data = excluded.data, synced_at = excluded.synced_at, deleted = 0"
    " WHERE excluded.updated_ms > records.updated_ms OR records.deleted = 1"
    " OR ((excluded.updated_ms = records.updated_ms OR excluded.updated_ms = 0 OR records.updated_ms = 0)"
    " AND excluded.data IS DISTINCT FROM records.data)"
)  # updated_ms 0: a date not to be trusted (none, or beyond Xero's time): what was read last is kept if it differs
_VALUES = " VALUES (?, ?, ?, ?, ?, ?, ?)"
# A page is upserted a few hundred rows per statement, not one statement per row: SQLite releases Python's GIL
# around every statement step, and with the next page being decoded on another thread, a per-row statement waited
# for the GIL a thousand times a page (measured: 30 pages took 37 s instead of 0.3 s); PostgreSQL saves a round
# trip per row. Bound by SQLite's variable limit (999 before 3.32; PostgreSQL allows 65,535).
ROWS_PER_STATEMENT = 1000 if sqlite3.sqlite_version_info >= (3, 32) else 999 // 7


# Unpaged entities are read whole: what is not in the answer any more vanished from Xero (Items are hard-deleted).
_VANISHED = (
    "UPDATE records SET status = 'DELETED', deleted = 1, synced_at = synced_at"
    " WHERE tenant_id = ? AND entity = ? AND deleted = 0 AND xero_id NOT IN (SELECT value FROM {json_values})"
)
# How many records a set holds, kept in the page's transaction: before the page is upserted, its ids not yet held
# are counted (an index probe each, on the pages the upsert then writes) and added to the set's count.
_SET = "INSERT INTO record_sets (tenant_id, entity, held) VALUES (?, ?, 0) ON CONFLICT (tenant_id, entity) DO NOTHING"
_HOLD_NEW = (
    "UPDATE record_sets SET held = held + ? - (SELECT COUNT(*) FROM records WHERE tenant_id = ? AND entity = ?"
    " AND xero_id IN (SELECT value FROM {json_values})) WHERE tenant_id = ? AND entity = ?"
)
_COUNT_PAGE = (  # a run's progress: records changed and read, pages read of the pages Xero said there are
    "INSERT INTO run_entities (run_id, entity, changed, pages, records, page_count) VALUES (?, ?, ?, 1, ?, ?)"
    " ON CONFLICT (run_id, entity) DO UPDATE SET changed = run_entities.changed + excluded.changed,"
    " pages = run_entities.pages + 1, records = run_entities.records + excluded.records,"
    " page_count = COALESCE(excluded.page_count, run_entities.page_count)"
)


@lru_cache(maxsize=32)
def _upsert_rows(n: int) -> str:
    """UPSERT for `n` rows in one statement (rows are applied in order, exactly as n single-row upserts)."""
    head, tail = UPSERT.split(_VALUES)
    return head + " VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * n) + tail


class Row(NamedTuple):
    """One record ready to store: its Xero id, status, UpdatedDateUTC in ms (0 if it has none) and JSON text."""

    xero_id: str
    status: str | None
    updated_ms: int
    data: str


class Records:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store_page(
        self, tenant_id: str, entity: str, rows: list[Row], *, run_id: int, now: float,
        watermark_ms: int | None = None, resets: int = 0, seen_all: Iterable[str] | None = None,
        page_count: int | None = None,
    ) -> int:
        """Upsert one page, count it on the run, and (on the entity's last page) set its watermark, the time the
        next sync reads it from, unless the org was reset since the run began (`resets`: how many times it had
        been then); mark records that vanished as deleted: all in one transaction. Returns how many changed."""
        batches = [[v for r in rows[i:i + ROWS_PER_STATEMENT]
                    for v in (tenant_id, entity, r.xero_id, r.status, r.updated_ms, r.data, now)]
                   for i in range(0, len(rows), ROWS_PER_STATEMENT)]
        seen = json.dumps(list(seen_all)) if seen_all is not None else None

        vanished = _VANISHED.format(json_values=self._db.json_values)
        distinct = {r.xero_id for r in rows}
        ids = json.dumps(list(distinct))
        hold_new = _HOLD_NEW.format(json_values=self._db.json_values)

        def plan() -> Generator[Statement, int, int]:  # each statement is answered with its changed-row count
            changed = 0
            if distinct:
                yield _SET, (tenant_id, entity)
                yield hold_new, (len(distinct), tenant_id, entity, ids, tenant_id, entity)
            for params in batches:
                changed += yield _upsert_rows(len(params) // 7), params
            if seen is not None:
                changed += yield vanished, (tenant_id, entity, seen)
            yield _COUNT_PAGE, (run_id, entity, changed, len(rows), page_count)
            if watermark_ms is not None:
                yield _MARK_UNLESS_RESET, (tenant_id, entity, watermark_ms, tenant_id, resets)
            return changed

        return await self._db.write(plan)

    async def counts(self, tenant_id: str) -> dict[str, int]:
        """Records held per entity (deleted ones included): counts kept with every page, not counted now."""
        rows = await self._db.fetchall(
            "SELECT entity, held FROM record_sets WHERE tenant_id = ? AND held > 0 ORDER BY entity", (tenant_id,)
        )
        return {row["entity"]: row["held"] for row in rows}

    async def stream(self, tenant_id: str, entity: str, *, batch: int = 500) -> AsyncIterator[dict]:
        """Every stored record of one entity in xero_id order, read a batch at a time (exports of large orgs)."""
        after = ""
        while True:
            rows = await self._db.fetchall(
                "SELECT * FROM records WHERE tenant_id = ? AND entity = ? AND xero_id > ? ORDER BY xero_id LIMIT ?",
                (tenant_id, entity, after, batch),
            )
            for row in rows:
                yield _record(row)
            if len(rows) < batch:
                return
            after = rows[-1]["xero_id"]

    async def watermarks(self, tenant_id: str) -> dict[str, int | None]:
        """Per entity, the time (ms) its next sync reads changes from (None: the whole history)."""
        rows = await self._db.fetchall("SELECT entity, updated_ms FROM watermarks WHERE tenant_id = ?", (tenant_id,))
        return {row["entity"]: row["updated_ms"] for row in rows}

    async def reset_watermarks(self, tenant_id: str, entities: Iterable[str], updated_ms: int | None,
                               tx: Tx | None = None) -> None:
        """Make the next sync of every entity read from `updated_ms` (None: the whole history)."""
        async with within(self._db, tx) as tx:
            for entity in entities:
                await tx.execute(_MARK, (tenant_id, entity, updated_ms))

    async def repair_future_watermarks(self, ceiling_ms: int) -> int:
        """Watermarks beyond `ceiling_ms` (written from a record dated in the future by an older version) would
        ask Xero for changes after that date, and get nothing, for ever: they are brought back to it. The count."""
        async with self._db.transaction() as tx:
            return await tx.execute("UPDATE watermarks SET updated_ms = ? WHERE updated_ms > ?", (ceiling_ms, ceiling_ms))


_MARK = ("INSERT INTO watermarks (tenant_id, entity, updated_ms) VALUES (?, ?, ?)"
         " ON CONFLICT (tenant_id, entity) DO UPDATE SET updated_ms = excluded.updated_ms")
# A run's mark is written unless the org was reset since the run began: the reset wins.
_MARK_UNLESS_RESET = (
    "INSERT INTO watermarks (tenant_id, entity, updated_ms) SELECT ?, ?, ?"
    " WHERE NOT EXISTS (SELECT 1 FROM orgs WHERE tenant_id = ? AND resets <> ?)"
    " ON CONFLICT (tenant_id, entity) DO UPDATE SET updated_ms = excluded.updated_ms")


def _record(row) -> dict:
    return {
        "xero_id": row["xero_id"], "entity": row["entity"], "status": row["status"],
        "updated_ms": row["updated_ms"], "deleted": bool(row["deleted"]), "data": json.loads(row["data"]),
    }

"""Synced records and the per-entity watermarks that say how far each entity has been read."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, AsyncIterator, Generator, Iterable, NamedTuple

from storage.db import Database, Query, Statement, Tx, within

UPSERT = (
    "INSERT INTO records (tenant_id, entity, xero_id, status, updated_ms, data, synced_at, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, entity, xero_id) DO UPDATE SET status = excluded.status,"
    " updated_ms = excluded.updated_ms, data = excluded.data, synced_at = excluded.synced_at, deleted = 0,"
    " seq = excluded.seq"
    " WHERE excluded.updated_ms > records.updated_ms OR records.deleted = 1"
    " OR ((excluded.updated_ms = records.updated_ms OR excluded.updated_ms = 0 OR records.updated_ms = 0)"
    " AND excluded.data IS DISTINCT FROM records.data)"
)  # updated_ms 0: a date not to be trusted (none, or beyond Xero's time): what was read last is kept if it differs
_VALUES = " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_WIDTH = 8  # parameters per row
# A page is upserted a few hundred rows per statement, not one statement per row: SQLite releases Python's GIL
# around every statement step, and with the next page being decoded on another thread, a per-row statement waited
# for the GIL a thousand times a page (measured: 30 pages took 37 s instead of 0.3 s); PostgreSQL saves a round
# trip per row. Bound by SQLite's variable limit (999 before 3.32; PostgreSQL allows 65,535).
ROWS_PER_STATEMENT = 1000 if sqlite3.sqlite_version_info >= (3, 32) else 999 // _WIDTH

# The change sequence: per (org, entity) a counter, bumped in the page's own transaction before any record is
# written. On PostgreSQL the bump locks the counter's row until commit, so writers of one entity take their numbers
# in commit order and a reader never passes a number whose transaction is still open; SQLite has one writer.
_BUMP = ("INSERT INTO record_seqs (tenant_id, entity, last_seq) VALUES (?, ?, ?)"
         " ON CONFLICT (tenant_id, entity) DO UPDATE SET last_seq = record_seqs.last_seq + excluded.last_seq")
_LAST_SEQ = "SELECT last_seq FROM record_seqs WHERE tenant_id = ? AND entity = ?"
_STORED = "SELECT xero_id FROM records WHERE tenant_id = ? AND entity = ? AND xero_id IN (SELECT value FROM {json_values})"
_CHANGED = "SELECT xero_id FROM records WHERE tenant_id = ? AND entity = ? AND seq > ? AND seq <= ?"

# Unpaged entities are read whole: what is not in the answer any more vanished from Xero (Items are hard-deleted).
_VANISHED = ("SELECT xero_id FROM records WHERE tenant_id = ? AND entity = ? AND deleted = 0"
             " AND xero_id NOT IN (SELECT value FROM {json_values}) ORDER BY xero_id")
_VANISH = ("UPDATE records SET status = 'DELETED', deleted = 1, synced_at = ?, seq = ?"
           " WHERE tenant_id = ? AND entity = ? AND xero_id = ?")
# How many records a set holds (status shows it), kept in the page's transaction: the page's ids not yet stored.
_SET = "INSERT INTO record_sets (tenant_id, entity, held) VALUES (?, ?, 0) ON CONFLICT (tenant_id, entity) DO NOTHING"
_HOLD = "UPDATE record_sets SET held = held + ? WHERE tenant_id = ? AND entity = ?"
_COUNT_PAGE = (  # a run's progress: records changed and read, pages read of the pages Xero said there are
    "INSERT INTO run_entities (run_id, entity, changed, added, updated, deleted, pages, records, page_count)"
    " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)"
    " ON CONFLICT (run_id, entity) DO UPDATE SET changed = run_entities.changed + excluded.changed,"
    " added = run_entities.added + excluded.added, updated = run_entities.updated + excluded.updated,"
    " deleted = run_entities.deleted + excluded.deleted,"
    " pages = run_entities.pages + 1, records = run_entities.records + excluded.records,"
    " page_count = COALESCE(excluded.page_count, run_entities.page_count)"
)
GONE = "DELETED"  # the status of a record Xero deleted (a record that vanished is given it too)


@lru_cache(maxsize=32)
def _upsert_rows(n: int) -> str:
    """UPSERT for `n` rows in one statement (rows are applied in order, exactly as n single-row upserts)."""
    head, tail = UPSERT.split(_VALUES)
    return head + " VALUES " + ", ".join([_VALUES.removeprefix(" VALUES ")] * n) + tail


class Row(NamedTuple):
    """One record ready to store: its Xero id, status, UpdatedDateUTC in ms (0 if it has none) and JSON text."""

    xero_id: str
    status: str | None
    updated_ms: int
    data: str


@dataclass(frozen=True)
class Changes:
    """What a page (or a run, per entity) changed: records added, updated, and deleted (a record whose status
    became DELETED, or that vanished from an entity read whole). Voided or archived records are updates."""

    added: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.deleted

    def __add__(self, other: "Changes") -> "Changes":
        return Changes(self.added + other.added, self.updated + other.updated, self.deleted + other.deleted)


@dataclass(frozen=True)
class Change:
    """A record as the records API hands it out: where it is in its entity's change sequence, and when it changed
    (Xero's UpdatedDateUTC; when the daemon saw it vanish, or when Xero's date is not to be trusted, the time it
    was stored), in ms."""

    seq: int
    xero_id: str
    status: str | None
    deleted: bool
    updated_ms: int
    data: str  # the JSON as Xero sent it


class Records:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store_page(
        self, tenant_id: str, entity: str, rows: list[Row], *, run_id: int, now: float,
        watermark_ms: int | None = None, resets: int = 0, seen_all: Iterable[str] | None = None,
        page_count: int | None = None,
    ) -> Changes:
        """Upsert one page, number what it changed in the entity's change sequence, count it on the run, and (on
        the entity's last page) set its watermark, the time the next sync reads it from, unless the org was reset
        since the run began (`resets`: how many times it had been then); mark records that vanished as deleted: all
        in one transaction. Returns what the page added, updated and deleted."""
        seen = json.dumps(list(seen_all)) if seen_all is not None else None
        ids = json.dumps([r.xero_id for r in rows])
        json_values = self._db.json_values

        def plan() -> Generator[Statement, Any, Changes]:
            yield _BUMP, (tenant_id, entity, len(rows))  # first: from here on, this entity's writers wait for us
            gone: list[str] = []
            if seen is not None:
                gone = [r[0] for r in (yield Query((_VANISHED.format(json_values=json_values),
                                                    (tenant_id, entity, seen))))]
                if gone:
                    yield _BUMP, (tenant_id, entity, len(gone))
            last = (yield Query((_LAST_SEQ, (tenant_id, entity))))[0][0]
            base = last - len(rows) - len(gone)
            stored: set[str] = set()
            if rows:
                stored = {r[0] for r in (yield Query((_STORED.format(json_values=json_values),
                                                      (tenant_id, entity, ids))))}
                new = len({r.xero_id for r in rows} - stored)
                if new:
                    yield _SET, (tenant_id, entity)
                    yield _HOLD, (new, tenant_id, entity)
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                batch = rows[start:start + ROWS_PER_STATEMENT]
                params = [v for i, r in enumerate(batch, start + base + 1)
                          for v in (tenant_id, entity, r.xero_id, r.status, r.updated_ms, r.data, now, i)]
                yield _upsert_rows(len(batch)), params
            for i, xero_id in enumerate(gone, base + len(rows) + 1):
                yield _VANISH, (now, i, tenant_id, entity, xero_id)
            changes = Changes(deleted=len(gone))
            if rows:
                changed = {r[0] for r in (yield Query((_CHANGED, (tenant_id, entity, base, base + len(rows)))))}
                status = {r.xero_id: r.status for r in rows if r.xero_id in changed}
                added = sum(1 for xero_id in changed if xero_id not in stored)
                deleted = sum(1 for xero_id, s in status.items() if xero_id in stored and s == GONE)
                changes += Changes(added, len(changed) - added - deleted, deleted)
            yield _COUNT_PAGE, (run_id, entity, changes.total, changes.added, changes.updated, changes.deleted,
                                len(rows), page_count)
            if watermark_ms is not None:
                yield _MARK_UNLESS_RESET, (tenant_id, entity, watermark_ms, tenant_id, resets)
            return changes

        return await self._db.write(plan)

    async def changes(self, tenant_id: str, entity: str, after_seq: int, limit: int,
                      modified_after_ms: int | None = None) -> list[Change]:
        """The entity's records whose latest change comes after `after_seq` in its change sequence, in that order,
        at most `limit`; with `modified_after_ms`, only those that changed (as `Change.updated_ms` says) after it.
        A record changed again after a reader passed it has a new number: the reader meets it again further on."""
        sql = (f"SELECT seq, xero_id, status, deleted, {_CHANGED_MS} AS changed_ms, data FROM records"
               " WHERE tenant_id = ? AND entity = ? AND seq > ?")
        params: list[Any] = [tenant_id, entity, after_seq]
        if modified_after_ms is not None:
            sql += f" AND {_CHANGED_MS} > ?"
            params.append(modified_after_ms)
        rows = await self._db.fetchall(sql + " ORDER BY seq LIMIT ?", (*params, limit))
        return [Change(r["seq"], r["xero_id"], r["status"], bool(r["deleted"]) or r["status"] == GONE,
                       r["changed_ms"], r["data"]) for r in rows]

    async def last_seq(self, tenant_id: str, entity: str) -> int:
        """The last number given in the entity's change sequence (0: none yet)."""
        row = await self._db.fetchone(_LAST_SEQ, (tenant_id, entity))
        return int(row["last_seq"]) if row else 0

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


# When a record last changed, in ms: Xero's UpdatedDateUTC, or the time it was stored when it vanished or Xero's
# date is not to be trusted (0).
_CHANGED_MS = "(CASE WHEN deleted = 1 OR updated_ms = 0 THEN CAST(synced_at * 1000 AS BIGINT) ELSE updated_ms END)"


def _record(row) -> dict:
    return {
        "xero_id": row["xero_id"], "entity": row["entity"], "status": row["status"],
        "updated_ms": row["updated_ms"], "deleted": bool(row["deleted"]), "data": json.loads(row["data"]),
    }

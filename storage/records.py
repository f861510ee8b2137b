"""Synced records and the per-entity watermarks that say how far each entity has been read (and, for Journals,
read by `offset`, the last JournalNumber stored)."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, AsyncIterator, Generator, Iterable, NamedTuple

from storage.db import Database, Query, Statement, Tx, within

# Records are stored in `record_rows` (migration 0020), keyed compactly: the set they belong to (`record_sets`: one
# row per org and entity, an integer id) and the Xero id, as its 16 bytes when it is a UUID (`uid`; Xero's ids are,
# but for a few entities keyed by a code, held as text in `tid`). The key index of a million-invoice org is then
# ~40 MB instead of ~140 MB of three text columns, small enough to stay cached (by SQLite, then the OS): each
# page's thousand random UUIDs used to land on a thousand uncached pages of the key index, and a first sync slowed
# as the store grew (bench/scaling.py). `records` is a view with today's columns (tenant_id, entity, xero_id,
# status, updated_ms, deleted, data, synced_at, seq) for every reader; writes and keyed reads go to `record_rows`.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")  # as Xero writes them

_SET = "INSERT INTO record_sets (tenant_id, entity, held) VALUES (?, ?, 0) ON CONFLICT (tenant_id, entity) DO NOTHING"
_SET_ID = "SELECT id FROM record_sets WHERE tenant_id = ? AND entity = ?"
_UPSERT_TAIL = (
    " ON CONFLICT (set_id, {key}) WHERE {key} IS NOT NULL DO UPDATE SET status = excluded.status,"
    " updated_ms = excluded.updated_ms, data = excluded.data, synced_at = excluded.synced_at, deleted = 0,"
    " seq = excluded.seq"
    " WHERE excluded.updated_ms > record_rows.updated_ms OR record_rows.deleted = 1"
    " OR ((excluded.updated_ms = record_rows.updated_ms OR excluded.updated_ms = 0 OR record_rows.updated_ms = 0)"
    " AND excluded.data IS DISTINCT FROM record_rows.data)"
)  # updated_ms 0: a date not to be trusted (none, or beyond Xero's time): what was read last is kept if it differs
_INSERT = "INSERT INTO record_rows (set_id, uid, tid, status, updated_ms, data, synced_at, seq)"
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)"
_WIDTH = 8  # parameters per row
# A page is upserted a few hundred rows per statement, not one statement per row: SQLite releases Python's GIL
# around every statement step, and with the next page being decoded on another thread, a per-row statement waited
# for the GIL a thousand times a page (measured: 30 pages took 37 s instead of 0.3 s). Bound by SQLite's variable
# limit (999 before 3.32). PostgreSQL takes the rows as arrays (`_PG_UPSERT`): one plan for any number of rows,
# eight parameters instead of eight thousand, PG_ROWS_PER_STATEMENT rows a statement.
ROWS_PER_STATEMENT = 1000 if sqlite3.sqlite_version_info >= (3, 32) else 999 // _WIDTH
PG_ROWS_PER_STATEMENT = 250  # PostgreSQL: rows per unnest() upsert (a write waits between them)
_PG_UPSERT = (
    _INSERT + " SELECT ?, u, t, s, m, d, ?, q"
    " FROM unnest(?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::bigint[]) AS page(u, t, s, m, d, q)"
)
_PG_RETURNING = " RETURNING seq, (xmax = 0) AS inserted"  # seq: which row of the page

# The change sequence: per (org, entity) a counter, bumped in the page's own transaction before any record is
# written. On PostgreSQL the bump locks the counter's row until commit, so writers of one entity take their numbers
# in commit order and a reader never passes a number whose transaction is still open; SQLite has one writer.
_BUMP = ("INSERT INTO record_seqs (tenant_id, entity, last_seq) VALUES (?, ?, ?)"
         " ON CONFLICT (tenant_id, entity) DO UPDATE SET last_seq = record_seqs.last_seq + excluded.last_seq")
_LAST_SEQ = "SELECT last_seq FROM record_seqs WHERE tenant_id = ? AND entity = ?"
_SQLITE_RETURNING = " RETURNING seq, rowid"
_LAST_ROWID = "SELECT max(rowid) FROM record_rows"

# Unpaged entities are read whole: what is not in the answer any more vanished from Xero (Items are hard-deleted).
_HELD = "SELECT uid, tid FROM record_rows WHERE set_id = ? AND deleted = 0"
_VANISH = ("UPDATE record_rows SET status = 'DELETED', deleted = 1, synced_at = ?, seq = ?"
           " WHERE set_id = ? AND {key} = ?")
# How many records a set holds (status shows it), kept in the page's transaction: the page's ids not yet stored.
_HOLD = "UPDATE record_sets SET held = held + ? WHERE id = ?"
_COUNT_PAGE = (  # a run's progress: records changed and read, pages read of the pages Xero said there are
    "INSERT INTO run_entities (run_id, entity, changed, added, updated, deleted, pages, records, page_count)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run_id, entity) DO UPDATE SET changed = run_entities.changed + excluded.changed,"
    " added = run_entities.added + excluded.added, updated = run_entities.updated + excluded.updated,"
    " deleted = run_entities.deleted + excluded.deleted,"
    " pages = run_entities.pages + excluded.pages, records = run_entities.records + excluded.records,"
    " page_count = COALESCE(excluded.page_count, run_entities.page_count)"
)
GONE = "DELETED"  # the status of a record Xero deleted (a record that vanished is given it too)


@lru_cache(maxsize=64)
def _upsert_rows(n: int, key: str) -> str:
    """UPSERT for `n` rows in one statement (rows are applied in order, exactly as n single-row upserts)."""
    return _INSERT + " VALUES " + ", ".join([_ROW] * n) + _UPSERT_TAIL.format(key=key)


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
        # a UUID key as the backend holds it: SQLite its 16 bytes (a BLOB), PostgreSQL the text (a `uuid` column)
        self._uuid_key = str if db.dialect == "postgres" else _uuid_bytes

    def _key(self, xero_id: str) -> tuple[Any, str | None]:
        """(uid, tid): a UUID-shaped Xero id as the backend's UUID key, any other as text."""
        return (self._uuid_key(xero_id), None) if _UUID.match(xero_id) else (None, xero_id)

    async def store_page(
        self, tenant_id: str, entity: str, rows: list[Row], *, run_id: int, now: float,
        watermark_ms: int | None = None, resets: int = 0, seen_all: Iterable[str] | None = None,
        page_count: int | None = None, last_number: int | None = None, pages: int = 1,
    ) -> Changes:
        """Upsert one page (or `pages` pages read one after another: their rows in order), number what it changed in
        the entity's change sequence, count it on the run, and (on the entity's last page) set its watermark,
        the time the next sync reads it from, unless the org was reset since the run began (`resets`: how
        many times it had been then); move the entity's position to `last_number` (Journals: the last
        JournalNumber of this batch) under the same rule; mark records that vanished as deleted: all in one
        transaction. Returns what the page added, updated and deleted. A record that comes more than once is
        written as it comes last."""
        postgres = self._db.dialect == "postgres"
        key_of = self._key
        read = len(rows)
        seen = set(seen_all) if seen_all is not None else None

        def plan() -> Generator[Statement, Any, Changes]:
            # The page's keys are worked out here, where the plan runs: on SQLite the writer's thread, so a write of
            # four thousand rows does not hold the event loop for their ~10 ms (bench/slack_load.py's acks)
            unique = _last_wins(rows)  # each id once
            keyed = [key_of(r.xero_id) for r in unique]
            yield _BUMP, (tenant_id, entity, len(unique))  # first: from here on, this entity's writers wait for us
            yield _SET, (tenant_id, entity)
            set_id = (yield Query((_SET_ID, (tenant_id, entity))))[0][0]
            gone: list[str] = []
            if seen is not None:
                held = [_text(r[0], r[1]) for r in (yield Query((_HELD, (set_id,))))]
                gone = sorted(xero_id for xero_id in held if xero_id not in seen)
                if gone:
                    yield _BUMP, (tenant_id, entity, len(gone))
            last = (yield Query((_LAST_SEQ, (tenant_id, entity))))[0][0]
            base = last - len(unique) - len(gone)
            # Each kind of key in key order: one write's thousands of random UUIDs then walk the key index from
            # one end to the other, not back and forth (ids are unique by now, so the order changes nothing else).
            # Replaying a million invoices' upserts four pages a transaction: 47,900 -> 52,200 rows/s, and a
            # third fewer bytes written (fewer dirty index pages spilled from the cache mid-transaction).
            kinds = [(column, sorted([(seq, k, r) for seq, (k, r) in enumerate(zip(keyed, unique), base + 1)
                                      if k[position] is not None], key=lambda item: item[1][position]))
                     for column, position in (("uid", 0), ("tid", 1))]
            # Each upsert returns the rows it inserted or changed, by their number in the sequence, and whether
            # it inserted them; a row not returned was held already and left as it was. PostgreSQL tells an insert
            # by xmax = 0; SQLite by the rowid, which for a new row is past every rowid held before the page.
            # (Asking first which ids are held cost a second lookup of every key: on SQLite a tenth of a first
            # sync; on PostgreSQL it was planned as a scan of the set while its statistics still called it small,
            # each page costing more than the last: 120 -> 660 ms a page over 200 pages.)
            returned: list[tuple[int, bool]] = []
            if postgres:  # PG_ROWS_PER_STATEMENT rows a statement: a write waits between them (storage/db.GiveWay)
                for column, page in kinds:
                    for start in range(0, len(page), PG_ROWS_PER_STATEMENT):
                        batch = page[start:start + PG_ROWS_PER_STATEMENT]
                        returned += (yield Query((_PG_UPSERT + _UPSERT_TAIL.format(key=column) + _PG_RETURNING, (
                            set_id, now, [k[0] for _, k, _ in batch], [k[1] for _, k, _ in batch],
                            [r.status for _, _, r in batch], [r.updated_ms for _, _, r in batch],
                            [r.data for _, _, r in batch], [seq for seq, _, _ in batch]))))
            elif unique:
                before = (yield Query((_LAST_ROWID, ())))[0][0] or 0
                for column, page in kinds:
                    for start in range(0, len(page), ROWS_PER_STATEMENT):
                        batch = page[start:start + ROWS_PER_STATEMENT]
                        params = [v for seq, k, r in batch
                                  for v in (set_id, k[0], k[1], r.status, r.updated_ms, r.data, now, seq)]
                        returned += [(seq, rowid > before) for seq, rowid in
                                     (yield Query((_upsert_rows(len(batch), column) + _SQLITE_RETURNING, params)))]
            changed = {unique[seq - base - 1].xero_id: inserted for seq, inserted in returned}  # id -> inserted
            added = sum(changed.values())  # new to the set: what it now holds more
            if added:
                yield _HOLD, (added, set_id)
            for i, xero_id in enumerate(gone, base + len(unique) + 1):
                uid, tid = key_of(xero_id)
                yield _VANISH.format(key="uid" if uid is not None else "tid"), (now, i, set_id, uid if tid is None else tid)
            # a record held before the page, changed by it to DELETED, was deleted; others changed were updated
            deleted = sum(1 for r in unique if changed.get(r.xero_id) is False and r.status == GONE)
            changes = Changes(added, len(changed) - added - deleted, deleted + len(gone))
            yield _COUNT_PAGE, (run_id, entity, changes.total, changes.added, changes.updated, changes.deleted,
                                pages, read, page_count)
            if last_number is not None:
                yield _POSITION_UNLESS_RESET, (tenant_id, entity, last_number, tenant_id, resets)
            if watermark_ms is not None:
                yield _MARK_UNLESS_RESET, (tenant_id, entity, watermark_ms, tenant_id, resets)
            return changes

        return await self._db.write(plan, gives_way=True)  # a sync's page: waits for the requests being answered

    async def changes(self, tenant_id: str, entity: str, after_seq: int, limit: int,
                      modified_after_ms: int | None = None) -> list[Change]:
        """The entity's records whose latest change comes after `after_seq` in its change sequence, in that order,
        at most `limit`; with `modified_after_ms`, only those that changed (as `Change.updated_ms` says) after it.
        A record changed again after a reader passed it has a new number: the reader meets it again further on."""
        sql = (f"SELECT seq, uid, tid, status, deleted, {_CHANGED_MS} AS changed_ms, data FROM record_rows"
               " WHERE set_id = (SELECT id FROM record_sets WHERE tenant_id = ? AND entity = ?) AND seq > ?")
        params: list[Any] = [tenant_id, entity, after_seq]
        if modified_after_ms is not None:
            sql += f" AND {_CHANGED_MS} > ?"
            params.append(modified_after_ms)
        rows = await self._db.fetchall(sql + " ORDER BY seq LIMIT ?", (*params, limit))
        return [Change(r["seq"], _text(r["uid"], r["tid"]), r["status"], bool(r["deleted"]) or r["status"] == GONE,
                       r["changed_ms"], r["data"]) for r in rows]

    async def seq_before(self, tenant_id: str, entity: str, since: float) -> int:
        """Where the entity's change sequence stood before `since` (a run's start): the number of the latest record
        not stored since then (0: none). Reading on from it gives every change stored since. Walks the sequence
        down from its end, so it reads about as many rows as changed since."""
        row = await self._db.fetchone(
            "SELECT seq FROM records WHERE tenant_id = ? AND entity = ? AND synced_at < ? ORDER BY seq DESC LIMIT 1",
            (tenant_id, entity, since))
        return int(row["seq"]) if row else 0

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
        """Every stored record of one entity in xero_id order (UUID ids first, then ids of any other shape), read
        a batch at a time by key (exports of large orgs)."""
        row = await self._db.fetchone(_SET_ID, (tenant_id, entity))
        if row is None:
            return
        for column in ("uid", "tid"):
            after = None
            while True:
                rows = await self._db.fetchall(
                    f"SELECT uid, tid, status, updated_ms, deleted, data FROM record_rows WHERE set_id = ?"
                    f" AND {column} IS NOT NULL{'' if after is None else f' AND {column} > ?'}"
                    f" ORDER BY {column} LIMIT ?",
                    (row["id"], batch) if after is None else (row["id"], after, batch),
                )
                for found in rows:
                    yield {"xero_id": _text(found["uid"], found["tid"]), "entity": entity, "status": found["status"],
                           "updated_ms": found["updated_ms"], "deleted": bool(found["deleted"]),
                           "data": json.loads(found["data"])}
                if len(rows) < batch:
                    break
                after = rows[-1][column]

    async def watermarks(self, tenant_id: str) -> dict[str, int | None]:
        """Per entity, the time (ms) its next sync reads changes from (None: the whole history)."""
        rows = await self._db.fetchall("SELECT entity, updated_ms FROM watermarks WHERE tenant_id = ?", (tenant_id,))
        return {row["entity"]: row["updated_ms"] for row in rows}

    async def positions(self, tenant_id: str) -> dict[str, int]:
        """Per entity read by `offset`, the last number stored (the next sync reads after it)."""
        rows = await self._db.fetchall("SELECT entity, last_number FROM watermarks WHERE tenant_id = ?"
                                       " AND last_number IS NOT NULL", (tenant_id,))
        return {row["entity"]: int(row["last_number"]) for row in rows}

    async def reset_watermarks(self, tenant_id: str, entities: Iterable[str], updated_ms: int | None,
                               tx: Tx | None = None) -> None:
        """Make the next sync of every entity read from `updated_ms` (None: the whole history), and an entity read
        by `offset` from its first record again."""
        async with within(self._db, tx) as tx:
            for entity in entities:
                await tx.execute(_MARK, (tenant_id, entity, updated_ms))

    async def repair_future_watermarks(self, ceiling_ms: int) -> int:
        """Watermarks beyond `ceiling_ms` (written from a record dated in the future by an older version) would
        ask Xero for changes after that date, and get nothing, for ever: they are brought back to it. The count."""
        async with self._db.transaction() as tx:
            return await tx.execute("UPDATE watermarks SET updated_ms = ? WHERE updated_ms > ?", (ceiling_ms, ceiling_ms))


_MARK = ("INSERT INTO watermarks (tenant_id, entity, updated_ms) VALUES (?, ?, ?)"
         " ON CONFLICT (tenant_id, entity) DO UPDATE SET updated_ms = excluded.updated_ms, last_number = NULL")
# A run's mark is written unless the org was reset since the run began: the reset wins.
_MARK_UNLESS_RESET = (
    "INSERT INTO watermarks (tenant_id, entity, updated_ms) SELECT ?, ?, ?"
    " WHERE NOT EXISTS (SELECT 1 FROM orgs WHERE tenant_id = ? AND resets <> ?)"
    " ON CONFLICT (tenant_id, entity) DO UPDATE SET updated_ms = excluded.updated_ms")
# Journals' position (the last JournalNumber stored) moves with the batch that ends there, unless a reset came.
_POSITION_UNLESS_RESET = (
    "INSERT INTO watermarks (tenant_id, entity, last_number) SELECT ?, ?, ?"
    " WHERE NOT EXISTS (SELECT 1 FROM orgs WHERE tenant_id = ? AND resets <> ?)"
    " ON CONFLICT (tenant_id, entity) DO UPDATE SET last_number = excluded.last_number")


# When a record last changed, in ms: Xero's UpdatedDateUTC, or the time it was stored when it vanished or Xero's
# date is not to be trusted (0).
_CHANGED_MS = "(CASE WHEN deleted = 1 OR updated_ms = 0 THEN CAST(synced_at * 1000 AS BIGINT) ELSE updated_ms END)"


def _last_wins(rows: list[Row]) -> list[Row]:
    """The rows with each Xero id once, at its last place: pages are read oldest change first, so a record that
    changed while the sync read it comes again further on, newer (and one statement may not write a row twice on
    PostgreSQL)."""
    if len({r.xero_id for r in rows}) == len(rows):
        return rows
    last = {r.xero_id: i for i, r in enumerate(rows)}
    return [r for i, r in enumerate(rows) if last[r.xero_id] == i]


def _uuid_bytes(xero_id: str) -> bytes:
    return bytes.fromhex(xero_id.replace("-", ""))


def _text(uid: Any, tid: str | None) -> str:
    """A stored key as Xero's id: the UUID's canonical text (what Xero sends), or the id held as text."""
    if uid is None:
        return tid  # type: ignore[return-value]
    return str(uuid.UUID(bytes=uid)) if isinstance(uid, bytes) else str(uid)

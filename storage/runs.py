"""Sync runs: one row per attempt, and what it changed per entity."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage.db import Database
from storage.records import Changes

STOPPED = "the daemon stopped during this sync"
ORPHANED = "the process running this sync stopped; another took the org over"


@dataclass(frozen=True)
class Progress:
    """One entity of a run: records read and pages read so far, and the pages Xero said there are."""

    records: int
    pages: int
    page_count: int | None


@dataclass(frozen=True)
class Run:
    id: int
    tenant_id: str
    trigger: str
    started_at: float
    finished_at: float | None
    outcome: str
    api_calls: int
    error: str | None
    changed: dict[str, int] = field(default_factory=dict)
    owner: str | None = None  # the process that ran it (storage.Store.owner)
    notes: list[str] = field(default_factory=list)  # what it noticed without failing on it
    started_by: str | None = None  # the Slack user who asked for it (manual syncs, retries)
    current_entity: str | None = None  # the entity it is reading (or read last)
    progress: dict[str, Progress] = field(default_factory=dict)
    kinds: dict[str, Changes] = field(default_factory=dict)  # per entity: records added, updated, deleted

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


class Runs:
    def __init__(self, db: Database, owner: str) -> None:
        self._db = db
        self._owner = owner  # recorded on the runs this process starts

    async def start(self, tenant_id: str, trigger: str, now: float, started_by: str | None = None) -> int:
        """Record a new run (the caller holds the org's lease, so a run of it still 'running' was left by a
        process that died: it is recorded as interrupted)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                f"UPDATE runs SET outcome = 'interrupted', finished_at = ?, error = '{ORPHANED}'"
                " WHERE tenant_id = ? AND outcome = 'running'", (now, tenant_id))
            row = await tx.fetchone(
                "INSERT INTO runs (tenant_id, trigger, started_at, owner, started_by) VALUES (?, ?, ?, ?, ?)"
                " RETURNING id", (tenant_id, trigger, now, self._owner, started_by),
            )
            await tx.execute(
                "UPDATE orgs SET last_attempted_at = ?, updated_at = ? WHERE tenant_id = ?", (now, now, tenant_id)
            )
        return int(row["id"])

    async def finish(self, run_id: int, outcome: str, now: float, *, api_calls: int, error: str | None = None,
                     notes: list[str] = ()) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE runs SET outcome = ?, finished_at = ?, api_calls = ?, error = ?, notes = ? WHERE id = ?",
                (outcome, now, api_calls, error, json.dumps(list(notes)) if notes else None, run_id),
            )

    async def interrupt_unfinished(self, now: float) -> int:
        """Runs left 'running' by a process that died, whose lease has run out (on a store only this process uses:
        every one): recorded as interrupted, their orgs due now. The count."""
        orphaned = "SELECT tenant_id FROM orgs WHERE lease_until IS NULL OR lease_until <= ?"
        async with self._db.transaction() as tx:
            if not self._db.shared:  # the process that held these leases is gone
                await tx.execute("UPDATE orgs SET lease_owner = NULL, lease_until = NULL")
            await tx.execute(  # an interrupted org syncs again soon after start-up, not at its next slot
                "UPDATE orgs SET next_sync_at = ? WHERE tenant_id IN (SELECT tenant_id FROM runs WHERE outcome ="
                f" 'running') AND tenant_id IN ({orphaned})", (now, now))
            return await tx.execute(
                f"UPDATE runs SET outcome = 'interrupted', finished_at = ?, error = '{STOPPED}'"
                f" WHERE outcome = 'running' AND tenant_id IN ({orphaned})", (now, now))

    async def get(self, run_id: int) -> Run | None:
        row = await self._db.fetchone("SELECT * FROM runs WHERE id = ?", (run_id,))
        return await self._with_changes(row) if row else None

    async def latest(self, tenant_id: str, *, outcome: str | None = None) -> Run | None:
        sql = "SELECT * FROM runs WHERE tenant_id = ?" + (" AND outcome = ?" if outcome else "")
        params = (tenant_id, outcome) if outcome else (tenant_id,)
        row = await self._db.fetchone(sql + " ORDER BY id DESC LIMIT 1", params)
        return await self._with_changes(row) if row else None

    async def reading(self, run_id: int, entity: str) -> None:
        """The run has started reading `entity` (its progress; its pages are counted as they are stored)."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE runs SET current_entity = ? WHERE id = ?", (entity, run_id))

    async def history(self, tenant_id: str, limit: int) -> list[Run]:
        """The org's latest `limit` runs, newest first."""
        rows = await self._db.fetchall("SELECT * FROM runs WHERE tenant_id = ? ORDER BY id DESC LIMIT ?",
                                       (tenant_id, limit))
        return [await self._with_changes(row) for row in rows]

    async def _with_changes(self, row) -> Run:
        entities = await self._db.fetchall(
            "SELECT entity, changed, added, updated, deleted, pages, records, page_count FROM run_entities"
            " WHERE run_id = ?", (row["id"],))
        return Run(
            row["id"], row["tenant_id"], row["trigger"], row["started_at"], row["finished_at"], row["outcome"],
            row["api_calls"], row["error"], {r["entity"]: r["changed"] for r in entities}, row["owner"],
            json.loads(row["notes"] or "[]"), row["started_by"], row["current_entity"],
            {r["entity"]: Progress(r["records"], r["pages"], r["page_count"]) for r in entities},
            {r["entity"]: Changes(r["added"], r["updated"], r["deleted"]) for r in entities},
        )

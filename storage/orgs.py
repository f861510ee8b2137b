"""Organisations (Xero tenants): their connection, sync settings and sync state, and the lease under which one
process at a time syncs each of them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from typing import Awaitable, Callable, Generic, TypeVar

from storage.db import Database, Tx

T = TypeVar("T")


@dataclass(frozen=True)
class Org:
    tenant_id: str
    name: str
    connection_id: str | None
    grant_id: int | None
    enabled: bool
    state: str
    state_reason: str | None
    sync_from: float | None
    last_attempted_at: float | None
    last_success_at: float | None
    next_sync_at: float | None
    last_reconcile_at: float | None
    paused_until: float | None
    last_error: str | None
    lease_owner: str | None
    lease_until: float | None
    resets: int  # how many times SYNC FROM DATE was reset (a run that started before the latest writes no mark)
    timezone: str | None  # IANA, from Xero's Organisation.Timezone (None until the first sync reads it)
    last_webhook_at: float | None  # when a Xero webhook event for it last arrived

    @property
    def needs_reauth(self) -> bool:
        return self.state == "needs_reauth"

    @property
    def connection(self) -> str:
        """connected | needs_reauth | disabled: the one place an org's connection state is derived (status,
        metrics and alerts all read it here)."""
        if self.needs_reauth:
            return "needs_reauth"
        return "connected" if self.enabled else "disabled"

    def leased(self, now: float) -> bool:
        """A process holds this org's sync lease (it is syncing it)."""
        return self.lease_until is not None and self.lease_until > now


_COLUMNS = ", ".join(f.name for f in fields(Org))


def _org(row) -> Org:
    values = {f.name: row[f.name] for f in fields(Org)}
    values["enabled"] = bool(values["enabled"])
    return Org(**values)


_DUE = ("enabled = 1 AND state = 'connected' AND next_sync_at <= ? AND (paused_until IS NULL OR paused_until <= ?)"
        " AND (lease_until IS NULL OR lease_until <= ?)")
_FREE = "(lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)"  # ours, or nobody's (a lease ran out)


class Orgs:
    def __init__(self, db: Database, owner: str) -> None:
        self._db = db
        self._owner = owner  # this process's name on the leases it takes
        self._listed = SharedRead(self._list)

    async def list(self) -> list[Org]:
        """Every org, by name. Callers at the same moment share one read (a burst of slash commands each naming
        an org: bench/slack_load.py), each still getting a read that began after it asked."""
        return list(await self._listed())

    async def _list(self) -> list[Org]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM orgs ORDER BY lower(name), tenant_id")
        return [_org(row) for row in rows]

    async def get(self, tenant_id: str) -> Org | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM orgs WHERE tenant_id = ?", (tenant_id,))
        return _org(row) if row else None

    async def connect(self, tx: Tx, tenant_id: str, name: str, connection_id: str, grant_id: int,
                      now: float) -> tuple[bool, int | None]:
        """Insert or reconnect an org to a grant: (it is new, the grant it used before). Reconnecting clears
        needs-reauth."""
        existing = await tx.fetchone("SELECT grant_id FROM orgs WHERE tenant_id = ?", (tenant_id,))
        await tx.execute(
            "INSERT INTO orgs (tenant_id, name, connection_id, grant_id, next_sync_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, connection_id = excluded.connection_id,"
            " grant_id = excluded.grant_id, state = 'connected', state_reason = NULL, paused_until = NULL,"
            " next_sync_at = CASE WHEN orgs.next_sync_at < excluded.next_sync_at THEN orgs.next_sync_at"
            " ELSE excluded.next_sync_at END,"
            " updated_at = excluded.updated_at",
            (tenant_id, name, connection_id, grant_id, now, now, now),
        )
        return existing is None, existing["grant_id"] if existing else None

    async def update(self, tenant_id: str, now: float, **changes: object) -> None:
        """Set some columns of one org (names are checked against the model, values are parameters)."""
        allowed = {f.name for f in fields(Org)} - {"tenant_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown org fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        async with self._db.transaction() as tx:
            await tx.execute(
                f"UPDATE orgs SET {assignments}, updated_at = ? WHERE tenant_id = ?",
                (*changes.values(), now, tenant_id),
            )

    async def reset(self, tx: Tx, tenant_id: str, now: float, sync_from: float | None) -> None:
        """SYNC FROM DATE is now `sync_from` (None: the whole history), and wins over a sync running meanwhile."""
        await tx.execute("UPDATE orgs SET sync_from = ?, resets = resets + 1, updated_at = ? WHERE tenant_id = ?",
                         (sync_from, now, tenant_id))

    async def synced(self, tenant_id: str, now: float, *, started: float, resets: int, sync_from: float | None,
                     reconciled: bool) -> None:
        """A run that started at `started`, when the org had been reset `resets` times, succeeded: the org is
        connected and error-free. `sync_from`: the new SYNC FROM DATE when the run read every entity (None: it read
        only some, and the date stays), unless the org was reset since the run started (the reset wins).
        `reconciled`: it re-read the paged entities in full."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE orgs SET last_success_at = ?, last_error = NULL, state = 'connected', state_reason = NULL,"
                " last_reconcile_at = CASE WHEN ? THEN ? ELSE last_reconcile_at END,"
                " sync_from = CASE WHEN ? AND resets = ? THEN ? ELSE sync_from END,"
                " updated_at = ? WHERE tenant_id = ?",
                (now, reconciled, started, sync_from is not None, resets, sync_from, now, tenant_id))

    async def due(self, now: float) -> list[Org]:
        """Enabled, connected, unpaused orgs whose next sync time has come and nobody syncs, oldest first."""
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM orgs WHERE {_DUE} ORDER BY next_sync_at",
                                       (now, now, now))
        return [_org(row) for row in rows]

    async def claim_due(self, now: float, until: float, limit: int) -> list[Org]:
        """Take the leases of up to `limit` due orgs, oldest first; the orgs taken (as they were before). Orgs
        another process is claiming at this moment are skipped, not waited for."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"SELECT {_COLUMNS} FROM orgs WHERE {_DUE} ORDER BY next_sync_at, tenant_id LIMIT ?"
                + self._db.skip_locked, (now, now, now, limit))
            for row in rows:
                await tx.execute("UPDATE orgs SET lease_owner = ?, lease_until = ? WHERE tenant_id = ?",
                                 (self._owner, until, row["tenant_id"]))
        return [_org(row) for row in rows]

    async def take_lease(self, tenant_id: str, now: float, until: float) -> bool:
        """Take (or extend) this org's lease unless another process holds one that has not run out."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                f"UPDATE orgs SET lease_owner = ?, lease_until = ? WHERE tenant_id = ? AND {_FREE}",
                (self._owner, until, tenant_id, self._owner, now)) == 1

    async def renew_lease(self, tenant_id: str, until: float) -> bool:
        """Extend a lease this process holds; False when it was lost (it ran out and another process took it)."""
        async with self._db.transaction() as tx:
            return await tx.execute("UPDATE orgs SET lease_until = ? WHERE tenant_id = ? AND lease_owner = ?",
                                    (until, tenant_id, self._owner)) == 1

    async def release_lease(self, tenant_id: str, now: float, next_slot: float | None) -> bool:
        """Give the lease back (False: it was not this process's any more). `next_slot`: the sync ran, so a slot
        that came meanwhile is served by it."""
        sql, params = "UPDATE orgs SET lease_owner = NULL, lease_until = NULL", ()
        if next_slot is not None:
            sql += ", next_sync_at = CASE WHEN next_sync_at <= ? AND enabled = 1 THEN ? ELSE next_sync_at END"
            params = (now, next_slot)
        async with self._db.transaction() as tx:
            return await tx.execute(sql + " WHERE tenant_id = ? AND lease_owner = ?",
                                    (*params, tenant_id, self._owner)) == 1

    async def next_due_at(self) -> float | None:
        """When the next scheduled sync of an org is due (or a pause ends, or another process's lease runs out).
        Orgs this process is syncing are left out: their runs end with the next slot set."""
        row = await self._db.fetchone(
            f"SELECT MIN({self._db.greatest}(next_sync_at, COALESCE(paused_until, 0), COALESCE(lease_until, 0)))"
            " AS t FROM orgs WHERE enabled = 1 AND state = 'connected' AND next_sync_at IS NOT NULL"
            " AND (lease_owner IS NULL OR lease_owner <> ?)", (self._owner,)
        )
        return row["t"] if row else None

    async def using_grant(self, grant_id: int) -> list[Org]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM orgs WHERE grant_id = ?", (grant_id,))
        return [_org(row) for row in rows]

    async def delete(self, tx: Tx, tenant_id: str) -> None:
        """Remove an org and (by cascade) its records, watermarks and runs."""
        await tx.execute("DELETE FROM orgs WHERE tenant_id = ?", (tenant_id,))


class SharedRead(Generic[T]):
    """A read that callers at the same moment share. A call while no read runs starts one; a call while one runs
    waits for the next, which starts when that one ends and serves every call made meanwhile: so each caller gets
    the result of a read begun after it asked (it sees whatever was committed before it asked), and a burst of N
    callers costs two or three reads instead of N. A caller cancelled leaves the read running for the others."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._running: asyncio.Future[T] | None = None
        self._next: asyncio.Future[T] | None = None

    async def __call__(self) -> T:
        running = self._running
        if running is None or running.done():
            self._running = running = _started(self._read())
        elif self._next is None:
            self._next = _started(self._after(running))
            running = self._next
        else:
            running = self._next
        return await asyncio.shield(running)

    async def _after(self, before: asyncio.Future[T]) -> T:
        await asyncio.wait([before])  # however it ended
        self._running, self._next = asyncio.current_task(), None  # type: ignore[assignment]
        return await self._read()


def _started(read: Awaitable[T]) -> asyncio.Future[T]:
    task = asyncio.ensure_future(read)
    task.add_done_callback(lambda t: t.cancelled() or t.exception())  # its error is its callers' (if any is left)
    return task

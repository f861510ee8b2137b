"""Organisations (Xero tenants): their connection, sync settings and sync state."""

from __future__ import annotations

from dataclasses import dataclass, fields

from storage.db import Database, Tx


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

    @property
    def needs_reauth(self) -> bool:
        return self.state == "needs_reauth"


_COLUMNS = ", ".join(f.name for f in fields(Org))


def _org(row) -> Org:
    values = {f.name: row[f.name] for f in fields(Org)}
    values["enabled"] = bool(values["enabled"])
    return Org(**values)


class Orgs:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self) -> list[Org]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM orgs ORDER BY name COLLATE NOCASE, tenant_id")
        return [_org(row) for row in rows]

    async def get(self, tenant_id: str) -> Org | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM orgs WHERE tenant_id = ?", (tenant_id,))
        return _org(row) if row else None

    async def connect(self, tx: Tx, tenant_id: str, name: str, connection_id: str, grant_id: int, now: float) -> bool:
        """Insert or reconnect an org to a grant; True when it is new. Reconnecting clears needs-reauth."""
        existing = await tx.fetchone("SELECT 1 FROM orgs WHERE tenant_id = ?", (tenant_id,))
        await tx.execute(
            "INSERT INTO orgs (tenant_id, name, connection_id, grant_id, next_sync_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, connection_id = excluded.connection_id,"
            " grant_id = excluded.grant_id, state = 'connected', state_reason = NULL, paused_until = NULL,"
            " next_sync_at = MIN(COALESCE(orgs.next_sync_at, excluded.next_sync_at), excluded.next_sync_at),"
            " updated_at = excluded.updated_at",
            (tenant_id, name, connection_id, grant_id, now, now, now),
        )
        return existing is None

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

    async def due(self, now: float) -> list[Org]:
        """Enabled, connected, unpaused orgs whose next sync time has come, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM orgs WHERE enabled = 1 AND state = 'connected'"
            " AND next_sync_at <= ? AND (paused_until IS NULL OR paused_until <= ?) ORDER BY next_sync_at",
            (now, now),
        )
        return [_org(row) for row in rows]

    async def next_due_at(self) -> float | None:
        """When the next scheduled sync of any org is due (or a pause ends)."""
        row = await self._db.fetchone(
            "SELECT MIN(MAX(next_sync_at, COALESCE(paused_until, 0))) AS t FROM orgs"
            " WHERE enabled = 1 AND state = 'connected' AND next_sync_at IS NOT NULL"
        )
        return row["t"] if row else None

    async def using_grant(self, grant_id: int) -> list[Org]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM orgs WHERE grant_id = ?", (grant_id,))
        return [_org(row) for row in rows]

    async def delete(self, tx: Tx, tenant_id: str) -> None:
        """Remove an org and (by cascade) its records, watermarks and runs."""
        await tx.execute("DELETE FROM orgs WHERE tenant_id = ?", (tenant_id,))

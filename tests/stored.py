"""What the store holds, read around the daemon as someone with the database would see it (either backend): the
records, the runs and the alert episodes. The repositories offer the daemon only what it uses."""

from __future__ import annotations

import json
from types import SimpleNamespace

from daemon.core.keys import SETTINGS
from tests.databases import fetch

RECORD = "SELECT xero_id, entity, status, updated_ms, deleted, data FROM records WHERE tenant_id = ? AND entity = ?"


def _url(where) -> str:
    """A database URL, or a daemon under test (its DATABASE_URL)."""
    return where if isinstance(where, str) else where.app[SETTINGS].database_url


def _record(row: tuple) -> dict:
    xero_id, entity, status, updated_ms, deleted, data = row
    return {"xero_id": xero_id, "entity": entity, "status": status, "updated_ms": updated_ms,
            "deleted": bool(deleted), "data": json.loads(data)}


async def records(where, tenant_id: str, entity: str) -> list[dict]:
    """Every stored record of one entity, in xero_id order."""
    return [_record(r) for r in await fetch(_url(where), RECORD + " ORDER BY xero_id", (tenant_id, entity))]


async def record(where, tenant_id: str, entity: str, xero_id: str) -> dict | None:
    found = await fetch(_url(where), RECORD + " AND xero_id = ?", (tenant_id, entity, xero_id))
    return _record(found[0]) if found else None


async def runs(where, tenant_id: str) -> list[SimpleNamespace]:
    """The org's runs, newest first."""
    rows = await fetch(_url(where), "SELECT id, trigger, outcome, error, api_calls FROM runs WHERE tenant_id = ?"
                                     " ORDER BY id DESC", (tenant_id,))
    return [SimpleNamespace(id=r[0], trigger=r[1], outcome=r[2], error=r[3], api_calls=r[4]) for r in rows]


async def episodes(where, tenant_id: str) -> list[SimpleNamespace]:
    """The org's alert episodes, oldest first."""
    rows = await fetch(_url(where), "SELECT kind, repeats, closed_at, close_reason FROM alert_episodes"
                                     " WHERE tenant_id = ? ORDER BY id", (tenant_id,))
    return [SimpleNamespace(kind=r[0], repeats=r[1], closed_at=r[2], close_reason=r[3]) for r in rows]

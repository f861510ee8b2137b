"""Keys for the records API: made (the key returned once), listed, revoked, and checked by hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from storage.db import Database

PREFIX = "xsk_"  # what a key starts with, so a leaked one is recognisable (secret scanners, logs)


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class ApiKeys:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, name: str, now: float) -> str | None:
        """A new key named `name`; the key itself (returned only here), or None when the name is taken."""
        key = PREFIX + secrets.token_urlsafe(32)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO api_keys (name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING RETURNING id", (name, key_hash(key), key[:10], now))
        return key if row is not None else None

    async def list(self) -> list[ApiKey]:
        rows = await self._db.fetchall(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY name")
        return [ApiKey(r["id"], r["name"], r["prefix"], r["created_at"], r["last_used_at"], r["revoked_at"])
                for r in rows]

    async def revoke(self, name: str, now: float) -> bool:
        """Revoke the key named `name`; False when there is none (or it was revoked already)."""
        async with self._db.transaction() as tx:
            return bool(await tx.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (now, name)))

    async def check(self, key: str, now: float) -> ApiKey | None:
        """The live key `key` is (its use noted, at most once a minute), or None."""
        row = await self._db.fetchone(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys"
            " WHERE key_hash = ? AND revoked_at IS NULL", (key_hash(key),))
        if row is None:
            return None
        if row["last_used_at"] is None or now - row["last_used_at"] >= 60:
            async with self._db.transaction() as tx:
                await tx.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, row["id"]))
        return ApiKey(row["id"], row["name"], row["prefix"], row["created_at"], row["last_used_at"],
                      row["revoked_at"])

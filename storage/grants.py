"""Grants: a Xero user's consent, with its tokens encrypted at rest."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from storage.cipher import Cipher
from storage.db import Database, Tx, within


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> "TokenSet":
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Grant:
    id: int
    xero_user_id: str | None
    tokens: TokenSet
    status: str
    status_reason: str | None
    refreshed_at: float | None


class Grants:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    def _row(self, row) -> Grant:
        tokens = TokenSet.from_json(self._cipher.decrypt(row["tokens"]))
        return Grant(row["id"], row["xero_user_id"], tokens, row["status"], row["status_reason"], row["refreshed_at"])

    async def get(self, grant_id: int) -> Grant | None:
        row = await self._db.fetchone("SELECT * FROM grants WHERE id = ?", (grant_id,))
        return self._row(row) if row else None


    async def scopes(self, grant_id: int) -> str:
        """The scopes Xero last said the grant holds (space-separated; empty when unknown), without its tokens."""
        row = await self._db.fetchone("SELECT scopes FROM grants WHERE id = ?", (grant_id,))
        return (row["scopes"] or "") if row else ""
    async def save_new(self, tx: Tx, tokens: TokenSet, xero_user_id: str | None, now: float) -> int:
        row = await tx.fetchone(
            "INSERT INTO grants (xero_user_id, tokens, access_expires_at, scopes, created_at, updated_at, refreshed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (xero_user_id, self._cipher.encrypt(tokens.to_json()), tokens.expires_at, tokens.scope, now, now, now),
        )
        return int(row["id"])

    @asynccontextmanager
    async def refreshing(self, grant_id: int) -> AsyncIterator["HeldGrant"]:
        """Hold a grant while its token is refreshed: the grant is read inside the hold, and the new token (or the
        refusal) written inside it. Where several processes share the store the hold is the grant's row lock, kept
        until that write commits, so a process that waited reads the token just refreshed and uses it. Within one
        process (SQLite) the token manager already refreshes one grant at a time: nothing more to hold."""
        if not self._db.shared:
            yield HeldGrant(self, grant_id, await self.get(grant_id), None)
            return
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM grants WHERE id = ?" + self._db.lock_row, (grant_id,))
            yield HeldGrant(self, grant_id, self._row(row) if row else None, tx)

    async def replace_tokens(self, grant_id: int, tokens: TokenSet, now: float, tx: Tx | None = None) -> None:
        """Store rotated tokens (and mark the grant active again). Committed before the caller uses them."""
        sql = (
            "UPDATE grants SET tokens = ?, access_expires_at = ?, scopes = ?, status = 'active',"
            " status_reason = NULL, refreshed_at = ?, updated_at = ? WHERE id = ?"
        )
        params = (self._cipher.encrypt(tokens.to_json()), tokens.expires_at, tokens.scope, now, now, grant_id)
        async with within(self._db, tx) as tx:
            await tx.execute(sql, params)

    async def mark_needs_reauth(self, grant_id: int, reason: str, now: float, error: str | None = None,
                                tx: Tx | None = None) -> None:
        """The grant is refused for good: it and every org it serves need re-authorization (and say why)."""
        async with within(self._db, tx) as tx:
            await tx.execute(
                "UPDATE grants SET status = 'needs_reauth', status_reason = ?, updated_at = ? WHERE id = ?",
                (reason, now, grant_id),
            )
            await tx.execute(
                "UPDATE orgs SET state = 'needs_reauth', state_reason = ?, last_error = COALESCE(?, last_error),"
                " updated_at = ? WHERE grant_id = ?",
                (reason, error, now, grant_id),
            )

    async def delete_if_unused(self, tx: Tx, grant_id: int) -> bool:
        """Drop a grant no organisation uses any more; True when it was dropped."""
        used = await tx.fetchone("SELECT 1 FROM orgs WHERE grant_id = ? LIMIT 1", (grant_id,))
        if used:
            return False
        return await tx.execute("DELETE FROM grants WHERE id = ?", (grant_id,)) > 0


@dataclass(frozen=True)
class HeldGrant:
    """A grant held for a refresh (`Grants.refreshing`): `grant` as read inside the hold (None: it is gone)."""

    _grants: Grants
    grant_id: int
    grant: Grant | None
    _tx: Tx | None

    async def replace(self, tokens: TokenSet, now: float) -> None:
        await self._grants.replace_tokens(self.grant_id, tokens, now, self._tx)

    async def refused(self, reason: str, now: float, error: str) -> None:
        await self._grants.mark_needs_reauth(self.grant_id, reason, now, error, self._tx)

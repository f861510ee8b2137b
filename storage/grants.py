"""Grants: a Xero user's consent, with its tokens encrypted at rest, and the daily upkeep that keeps it alive."""

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


@dataclass(frozen=True)
class GrantLife:
    """A grant's life, without its tokens: made (the consent), last refreshed, last checked, next upkeep."""

    id: int
    status: str
    created_at: float
    refreshed_at: float | None
    checked_at: float | None
    upkeep_at: float | None


_LIFE = "id, status, created_at, refreshed_at, checked_at, upkeep_at"
_UPKEEP_DUE = "COALESCE(upkeep_at, created_at + ?)"  # never planned yet: `first_after` seconds after the consent


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

    async def life(self, grant_id: int) -> GrantLife | None:
        row = await self._db.fetchone(f"SELECT {_LIFE} FROM grants WHERE id = ?", (grant_id,))
        return GrantLife(**dict(row)) if row else None

    # -- the upkeep: claimed by one process at a time ------------------------------------------------------------
    async def claim_upkeep(self, now: float, *, first_after: float, hold_until: float, limit: int) -> list[GrantLife]:
        """Claim up to `limit` active grants whose upkeep is due, oldest first, by moving each one's due time to
        `hold_until` with a conditional UPDATE: of several processes claiming at once, one wins each grant (the
        others' UPDATE finds it no longer due). A grant held for a token refresh is claimed once that commits.
        The grants won, as they are now."""
        rows = await self._db.fetchall(
            f"SELECT id FROM grants WHERE status = 'active' AND {_UPKEEP_DUE} <= ? ORDER BY {_UPKEEP_DUE}, id LIMIT ?",
            (first_after, now, first_after, limit))
        won = []
        for row in rows:
            async with self._db.transaction() as tx:
                claimed = await tx.fetchone(
                    f"UPDATE grants SET upkeep_at = ? WHERE id = ? AND status = 'active' AND {_UPKEEP_DUE} <= ?"
                    f" RETURNING {_LIFE}", (hold_until, row["id"], first_after, now))
            if claimed is not None:
                won.append(GrantLife(**dict(claimed)))
        return won

    async def upkept(self, grant_id: int, now: float, next_at: float) -> None:
        """The grant's upkeep is done (/connections answered now): the next is due at `next_at`."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE grants SET upkeep_at = ?, checked_at = ? WHERE id = ?", (next_at, now, grant_id))

    async def next_upkeep_at(self, first_after: float) -> float | None:
        """When the next active grant's upkeep is due (None: there is no active grant)."""
        row = await self._db.fetchone(f"SELECT MIN({_UPKEEP_DUE}) AS t FROM grants WHERE status = 'active'",
                                      (first_after,))
        return row["t"] if row else None

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

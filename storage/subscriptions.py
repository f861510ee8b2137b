"""Alerts routed per channel: which kinds of alert a Slack channel receives, for one org or for every org (`EVERY`),
and the daily digest claimed once per channel per day (the claim and its message in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from storage.alerts import Outgoing, queue
from storage.db import Database, Tx

EVERY = "*"  # the scope of a subscription to every org
KINDS = ("failures", "auth", "syncs", "changes", "daily")


@dataclass(frozen=True)
class Subscription:
    channel: str
    scope: str  # a tenant id, or EVERY
    kind: str
    created_by: str | None
    created_at: float

    @property
    def every(self) -> bool:
        return self.scope == EVERY


class Subscriptions:
    def __init__(self, db: Database, owner: str) -> None:
        self._db = db
        self._owner = owner  # this process's name on the digests it claims

    async def add(self, channel: str, scopes: Iterable[str], kinds: Iterable[str], user: str | None,
                  now: float) -> int:
        """Subscribe `channel` to `kinds` for each scope; how many were new (the others already existed)."""
        added = 0
        async with self._db.transaction() as tx:
            for scope in scopes:
                for kind in kinds:
                    added += await tx.execute(
                        "INSERT INTO slack_subscriptions (channel, scope, kind, created_by, created_at)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, scope, kind) DO NOTHING",
                        (channel, scope, kind, user, now))
        return added

    async def remove(self, channel: str, scopes: Iterable[str] | None, kinds: Iterable[str]) -> int:
        """Unsubscribe `channel` from `kinds` for each scope (None: whatever the scope); how many were removed."""
        kinds = list(kinds)
        marks = ", ".join("?" for _ in kinds)
        removed = 0
        async with self._db.transaction() as tx:
            if scopes is None:
                return await tx.execute(f"DELETE FROM slack_subscriptions WHERE channel = ? AND kind IN ({marks})",
                                        (channel, *kinds))
            for scope in scopes:
                removed += await tx.execute(
                    f"DELETE FROM slack_subscriptions WHERE channel = ? AND scope = ? AND kind IN ({marks})",
                    (channel, scope, *kinds))
        return removed

    async def of_channel(self, channel: str) -> list[Subscription]:
        rows = await self._db.fetchall(
            "SELECT channel, scope, kind, created_by, created_at FROM slack_subscriptions WHERE channel = ?"
            " ORDER BY scope, kind", (channel,))
        return [Subscription(**dict(r)) for r in rows]

    async def for_org(self, tenant_id: str, kinds: Iterable[str]) -> list[Subscription]:
        """The subscriptions that route `kinds` of this org's alerts (by its tenant id or to every org)."""
        kinds = list(kinds)
        marks = ", ".join("?" for _ in kinds)
        rows = await self._db.fetchall(
            "SELECT channel, scope, kind, created_by, created_at FROM slack_subscriptions"
            f" WHERE scope IN (?, ?) AND kind IN ({marks}) ORDER BY created_at, channel",
            (tenant_id, EVERY, *kinds))
        return [Subscription(**dict(r)) for r in rows]

    async def of_kind(self, kind: str) -> list[Subscription]:
        rows = await self._db.fetchall(
            "SELECT channel, scope, kind, created_by, created_at FROM slack_subscriptions WHERE kind = ?"
            " ORDER BY channel, scope", (kind,))
        return [Subscription(**dict(r)) for r in rows]

    async def forget_org(self, tx: Tx, tenant_id: str) -> None:
        """The org is deleted: its own subscriptions go with it (those to every org stay)."""
        await tx.execute("DELETE FROM slack_subscriptions WHERE scope = ?", (tenant_id,))

    async def had_digest(self, channel: str, before: str) -> bool:
        """`channel` was sent a digest of a day before `before` (YYYY-MM-DD)."""
        return await self._db.fetchone("SELECT day FROM slack_digests WHERE channel = ? AND day < ? LIMIT 1",
                                       (channel, before)) is not None

    async def claim_digest(self, channel: str, day: str, now: float, message: Outgoing) -> bool:
        """Queue `channel`'s digest of `day` unless some process (this one, before a restart, or another replica)
        already did; True when this call queued it."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO slack_digests (channel, day, claimed_by, claimed_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (channel, day) DO NOTHING RETURNING day", (channel, day, self._owner, now))
            if row is None:
                return False
            await queue(tx, [message], None, now)
        return True

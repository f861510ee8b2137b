"""Slack alert state: one failure episode per org at a time, and the outbox of messages on their way to Slack.

An episode and the messages it causes are written in one transaction, so an alert is never recorded without
its message being queued, nor queued twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Iterable

from storage.db import Database, Tx


@dataclass(frozen=True)
class Episode:
    id: int
    tenant_id: str
    channel: str
    kind: str  # failure | reauth | paused
    message_ts: str | None
    opened_at: float
    first_run_id: int | None
    last_run_id: int | None
    repeats: int
    last_error: str | None
    closed_at: float | None
    close_reason: str | None


@dataclass(frozen=True)
class Outgoing:
    """A message to queue. `method`: post (a new message), reply (in the episode's thread), update (edit the
    episode's alert). `anchors`: this post is the episode's alert; its ts becomes the thread to reply in."""

    channel: str
    method: str
    text: str
    blocks: list[dict] = field(default_factory=list)
    anchors: bool = False


@dataclass(frozen=True)
class Queued:
    id: int
    channel: str
    method: str
    episode_id: int | None
    anchors: bool
    payload: dict
    attempts: int
    not_before: float
    last_error: str | None


_EPISODE = ", ".join(f.name for f in fields(Episode))


class Alerts:
    def __init__(self, db: Database, owner: str) -> None:
        self._db = db
        self._owner = owner  # this process's name on the messages it claims to send

    @property
    def shared(self) -> bool:
        """Other processes queue and send messages through the same store."""
        return self._db.shared

    # -- episodes ----------------------------------------------------------------------------------------------
    async def open_episode(self, tenant_id: str) -> Episode | None:
        row = await self._db.fetchone(
            f"SELECT {_EPISODE} FROM alert_episodes WHERE tenant_id = ? AND closed_at IS NULL", (tenant_id,)
        )
        return Episode(**dict(row)) if row else None

    async def episode(self, episode_id: int) -> Episode | None:
        row = await self._db.fetchone(f"SELECT {_EPISODE} FROM alert_episodes WHERE id = ?", (episode_id,))
        return Episode(**dict(row)) if row else None

    async def start_episode(self, tenant_id: str, channel: str, kind: str, now: float, run_id: int | None,
                            error: str | None, messages: Iterable[Outgoing], *,
                            opened_at: float | None = None) -> int | None:
        """Open an episode (failing since `opened_at`, default now) and queue its alert; the episode's id. None
        (and nothing queued) when the org has an open episode already: another process opened it meanwhile."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO alert_episodes (tenant_id, channel, kind, opened_at, first_run_id, last_run_id,"
                " last_error) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (tenant_id) WHERE closed_at IS NULL DO NOTHING RETURNING id",
                (tenant_id, channel, kind, now if opened_at is None else opened_at, run_id, run_id, error),
            )
            if row is None:
                return None
            await _queue(tx, messages, row["id"], now)
        return int(row["id"])

    async def repeat(self, episode_id: int, kind: str, run_id: int | None, error: str | None, now: float,
                     messages: Iterable[Outgoing]) -> None:
        """Another failure within an open episode."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE alert_episodes SET repeats = repeats + 1, kind = ?, last_run_id = ?, last_error = ?"
                " WHERE id = ?",
                (kind, run_id, error, episode_id),
            )
            await _queue(tx, messages, episode_id, now)

    async def note(self, episode_id: int, now: float, messages: Iterable[Outgoing]) -> None:
        """Queue messages in an episode's thread (someone pressed its Retry now) without changing it."""
        async with self._db.transaction() as tx:
            await _queue(tx, messages, episode_id, now)

    async def close(self, episode_id: int, now: float, reason: str, messages: Iterable[Outgoing]) -> bool:
        """Close an open episode and queue what it says; False when it was already closed."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE alert_episodes SET closed_at = ?, close_reason = ? WHERE id = ? AND closed_at IS NULL",
                (now, reason, episode_id),
            )
            if changed:
                await _queue(tx, messages, episode_id, now)
        return bool(changed)

    # -- alerts for the operator (not one org's) --------------------------------------------------------------
    async def open_operator(self, kind: str, now: float, error: str, messages: Iterable[Outgoing]) -> bool:
        """Open the operator alert `kind` and queue its messages; False (nothing queued) when it is open already."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO operator_alerts (kind, opened_at, last_error) VALUES (?, ?, ?)"
                " ON CONFLICT (kind) DO UPDATE SET opened_at = excluded.opened_at, closed_at = NULL,"
                " last_error = excluded.last_error WHERE operator_alerts.closed_at IS NOT NULL RETURNING kind",
                (kind, now, error))
            if row is None:
                return False
            await _queue(tx, messages, None, now)
        return True

    async def close_operator(self, kind: str, now: float, messages: Iterable[Outgoing]) -> bool:
        """Close the operator alert `kind` and queue its messages; False when it was not open."""
        async with self._db.transaction() as tx:
            closed = await tx.execute("UPDATE operator_alerts SET closed_at = ? WHERE kind = ? AND closed_at IS NULL",
                                      (now, kind))
            if closed:
                await _queue(tx, messages, None, now)
        return bool(closed)

    # -- the outbox --------------------------------------------------------------------------------------------
    async def enqueue(self, messages: Iterable[Outgoing], now: float) -> None:
        async with self._db.transaction() as tx:
            await _queue(tx, messages, None, now)

    async def queued(self) -> list[Queued]:
        """Every message still to send, oldest first."""
        rows = await self._db.fetchall(
            "SELECT id, channel, method, episode_id, anchors, payload, attempts, not_before, last_error"
            " FROM outbox ORDER BY id"
        )
        return [
            Queued(r["id"], r["channel"], r["method"], r["episode_id"], bool(r["anchors"]), json.loads(r["payload"]),
                   r["attempts"], r["not_before"], r["last_error"])
            for r in rows
        ]

    async def claim(self, queued_id: int, now: float, until: float) -> bool:
        """Take a message to send it; False when another process is sending it (or it is gone)."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?"
                " AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until <= ?)",
                (self._owner, until, queued_id, self._owner, now)) == 1

    async def delivered(self, queued: Queued, ts: str | None) -> None:
        """Slack accepted a message: forget it, and remember the alert's ts when it anchors an episode."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM outbox WHERE id = ?", (queued.id,))
            if queued.anchors and queued.episode_id is not None and ts:
                await tx.execute("UPDATE alert_episodes SET message_ts = ? WHERE id = ?", (ts, queued.episode_id))

    async def deferred(self, queued_id: int, not_before: float, error: str) -> None:
        """Slack could not be reached or refused: try again at `not_before`."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ?, claimed_by = NULL,"
                " claimed_until = NULL WHERE id = ?",
                (not_before, error[:500], queued_id),
            )


async def _queue(tx: Tx, messages: Iterable[Outgoing], episode_id: int | None, now: float) -> None:
    for message in messages:
        payload = json.dumps({"text": message.text, "blocks": message.blocks}, separators=(",", ":"))
        await tx.execute(
            "INSERT INTO outbox (channel, method, episode_id, anchors, payload, not_before, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message.channel, message.method, episode_id, int(message.anchors), payload, now, now),
        )

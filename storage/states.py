"""OAuth states: one row per consent flow in progress; consumed exactly once."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.cipher import Cipher
from storage.db import Database


@dataclass(frozen=True)
class PendingFlow:
    state: str
    code_verifier: str
    payload: dict
    expires_at: float


class States:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def create(self, state: str, code_verifier: str, payload: dict, expires_at: float) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO oauth_states (state, code_verifier, payload, expires_at) VALUES (?, ?, ?, ?)",
                (state, self._cipher.encrypt(code_verifier), json.dumps(payload), expires_at),
            )

    async def consume(self, state: str, now: float) -> PendingFlow | None:
        """Take the flow for `state` out of the store: None when unknown, already used or expired."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("DELETE FROM oauth_states WHERE state = ? RETURNING *", (state,))
            await tx.execute("DELETE FROM oauth_states WHERE expires_at < ?", (now,))
        if row is None or row["expires_at"] < now:
            return None
        verifier = self._cipher.decrypt(row["code_verifier"])
        return PendingFlow(row["state"], verifier, json.loads(row["payload"]), row["expires_at"])

    async def spend_link(self, nonce: str, expires_at: float, now: float) -> bool:
        """Record a single-use link as spent; False when it already was."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM spent_links WHERE expires_at < ?", (now,))
            inserted = await tx.execute(
                "INSERT INTO spent_links (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (nonce, expires_at)
            )
        return inserted == 1

    async def first_delivery(self, event_key: str, expires_at: float, now: float) -> bool:
        """Record a webhook event as accepted; False when it already was (Xero redelivered it, perhaps to another
        process). Remembered until `expires_at`."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM webhook_events WHERE expires_at < ?", (now,))
            return await tx.execute(
                "INSERT INTO webhook_events (event_key, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (event_key, expires_at)) == 1

"""Who has the app's Home tab: the Slack users who opened it, so it can be republished when something changes."""

from __future__ import annotations

from storage.db import Database


class HomeViews:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def opened(self, user_id: str, now: float) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO home_views (user_id, opened_at) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET opened_at = excluded.opened_at", (user_id, now))

    async def viewers(self, since: float) -> list[str]:
        """The users who opened the tab at or after `since`, the most recent first."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM home_views WHERE opened_at >= ? ORDER BY opened_at DESC", (since,))
        return [row["user_id"] for row in rows]

"""Xero's per-app minute budget, held in the store so that every process on it shares one.

Xero counts an app's calls in a rolling minute. The store counts them in ticks (slices of the clock, 1/60 of the
minute): a process claims a number of calls for the tick it is in, and must send them before that tick ends (what
it does not send is spent all the same). A claim is granted only as far as every run of `span` consecutive ticks
that holds its tick stays within the limit; `span` is the minute's ticks plus three: a rolling minute of Xero's
overlaps at most the minute's ticks plus one, and it is measured on arrival, a little after we send. So whatever order the
processes claim in, no minute of Xero's holds more than the limit.

Claims are serialised by the one row of `app_budget_lock`, held for the claim's transaction (SQLite: every write
transaction is exclusive already). `room` and `next_room` are the arithmetic, pure, tested on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from storage.db import Database

TICKS_PER_MINUTE = 60
# A rolling minute of Xero's overlaps the minute's ticks plus one; two more allow the calls' travel to vary by up to
# two ticks (with two, one tick, three replicas under load met 2 app 429s in bench/many_orgs.py --replicas 3).
SLACK_TICKS = 3
KEEP = 4  # spans of ticks kept behind the newest claim; older ones are deleted


@dataclass(frozen=True)
class Claim:
    granted: int  # calls that may be sent now, before `until`
    until: float  # the end of the tick they were granted in (epoch seconds)
    retry_at: float | None  # nothing granted: when the budget has room again, if nobody claims meanwhile


def ticks(minute: float) -> tuple[float, int]:
    """(a tick's length in seconds, how many consecutive ticks one claim must fit within)."""
    return minute / TICKS_PER_MINUTE, TICKS_PER_MINUTE + SLACK_TICKS


def room(used: Mapping[int, int], at: int, span: int, limit: int) -> int:
    """Calls that may still be granted in tick `at`: after them, every `span` consecutive ticks holding `at` hold
    at most `limit`."""
    window = sum(used.get(t, 0) for t in range(at - span + 1, at + 1))
    worst = window
    for start in range(at - span + 2, at + 1):  # slide the window one tick at a time until it starts at `at`
        window += used.get(start + span - 1, 0) - used.get(start - 1, 0)
        worst = max(worst, window)
    return max(0, limit - worst)


def next_room(used: Mapping[int, int], at: int, span: int, limit: int) -> int:
    """The first tick after `at` with room for one call, if nobody claims meanwhile."""
    for later in range(at + 1, at + span + 1):
        if room(used, later, span, limit) > 0:
            return later
    return at + span + 1  # only when ticks after `at` were claimed (another process's clock runs ahead)


class AppBudget:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, now: float, want: int, *, limit: int, minute: float = 60.0) -> Claim:
        """Take up to `want` calls of the app's budget of `limit` a `minute` for the tick `now` falls in."""
        length, span = ticks(minute)
        at = math.floor(now / length)
        async with self._db.transaction() as tx:
            await tx.fetchone("SELECT id FROM app_budget_lock WHERE id = 1" + self._db.lock_row)
            rows = await tx.fetchall("SELECT tick, used FROM app_budget WHERE tick > ? AND tick < ?",
                                     (at - span, at + span))
            used = {row["tick"]: row["used"] for row in rows}
            granted = min(max(0, want), room(used, at, span, limit))
            if granted:
                await tx.execute("INSERT INTO app_budget (tick, used) VALUES (?, ?) ON CONFLICT (tick)"
                                 " DO UPDATE SET used = app_budget.used + excluded.used", (at, granted))
                if at % 8 == 0:  # now and then (a claim in one tick of eight): the ticks no claim will read again
                    await tx.execute("DELETE FROM app_budget WHERE tick < ?", (at - KEEP * span,))
        retry = None if granted else next_room(used, at, span, limit) * length
        return Claim(granted, (at + 1) * length, retry)

    async def used(self, since: float, until: float, *, minute: float = 60.0) -> int:
        """Calls granted in the ticks from `since` to `until` (what an operator reads: the budget spent)."""
        length, _ = ticks(minute)
        row = await self._db.fetchone("SELECT COALESCE(SUM(used), 0) AS n FROM app_budget WHERE tick >= ?"
                                      " AND tick <= ?", (math.floor(since / length), math.floor(until / length)))
        return int(row["n"]) if row else 0

"""The daily digest's clock: once a day at DIGEST_HOUR in DIGEST_ZONE, every org's state and its last day of runs
is handed to the notifier, which posts it to each channel subscribed to `daily` (claimed in the store, so once per
channel per day whatever the number of replicas or restarts). A daemon that starts after the hour sends the day's
digest at once to whoever has not had it (a restart at 08:00 loses nothing); the next is the next day's hour.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import structlog

from clock import Clock
from daemon.core.tasks import TaskGroup
from daemon.core.zones import zone_of
from daemon.sync.notifier import Digest, Notifier
from storage import Store
from storage.runs import DayOfRuns

log = structlog.get_logger(__name__)

DAY = 86400.0
LATE = 300.0  # seconds after its hour a digest counts as a catch-up


class DailyDigest:
    def __init__(self, store: Store, clock: Clock, tasks: TaskGroup, notifier: Notifier, *, hour: int,
                 zone: str, alert_channel: bool = False) -> None:
        self._store = store
        self._clock = clock
        self._tasks = tasks
        self._notifier = notifier
        self._hour = hour
        self._zone_name = zone
        self._zone = zone_of(zone)
        self._alert_channel = alert_channel  # the alert channel receives the digest (daily in SLACK_ALERT_KINDS)

    def start(self) -> None:
        self._tasks.start(self._run(), name="daily-digest")

    def due(self, day: date) -> float:
        """When `day`'s digest is due: DIGEST_HOUR on that day, in DIGEST_ZONE."""
        return datetime(day.year, day.month, day.day, self._hour, tzinfo=self._zone).timestamp()

    async def _run(self) -> None:
        while True:
            now = self._clock.time()
            today = datetime.fromtimestamp(now, self._zone).date()
            if now >= self.due(today):
                await self.send(today)
                today += timedelta(days=1)
            await self._clock.sleep(max(0.0, self.due(today) - self._clock.time()))

    async def send(self, day: date) -> None:
        """Hand `day`'s digest to the notifier (never raises: a failure is logged, and a restart retries it)."""
        due = self.due(day)
        try:
            if not self._alert_channel and not await self._store.subscriptions.of_kind("daily"):
                return  # nobody wants it
            orgs = await self._store.orgs.list()
            days = await self._store.runs.day(due - DAY, due)
            digest = Digest(day, self._zone_name, due,
                            tuple((org, days.get(org.tenant_id) or DayOfRuns()) for org in orgs),
                            late=self._clock.time() > due + LATE)
            await self._notifier.daily_digest(digest)
            log.info("alert.digest_due", day=str(day), orgs=len(orgs))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("alert.digest_failed", day=str(day))

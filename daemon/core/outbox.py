"""The outbox: every message leaving the daemon on its own initiative (Slack alerts, outbound webhook deliveries)
goes through here, in order per channel, paced, retried, never dropped unless its receiver refuses it for good.

Messages are queued in the store (so a restart or an outage loses none) and sent oldest first, at most one per
`interval` seconds per channel (a Slack channel, or a webhook's URL; Slack allows about one message a second in a
channel). Each is claimed before it is sent, so of several processes on one store only one sends it. How a message
is sent is its carrier's business (`carry`: Slack's in daemon/slack/outbox.py, webhooks' in daemon/sync/outbound.py,
chosen by the message's method). A message not accepted stays at the head of its channel's queue and is retried
with exponential backoff on the clock (or after the receiver's Retry-After); the failure is logged and never
reaches the sync that caused it. A carrier that raises `Refused` says the receiver will never take it: it is
dropped, and logged. Messages whose carrier this process lacks (no Slack token) wait for a process that has it.
"""

from __future__ import annotations

import asyncio
import math
from typing import Iterable, Protocol
from urllib.parse import urlsplit

import structlog

from clock import Clock
from daemon.core.tasks import TaskGroup
from storage.alerts import Alerts, Outgoing, Queued

log = structlog.get_logger(__name__)

STOP_GRACE = 10.0  # seconds a message already on its way to Slack gets to finish at shutdown
CLAIM_FOR = 60.0  # seconds a message being sent is this process's (others skip it); longer than a send can take
SHARED_POLL = 30.0  # with other processes on the store: look this often for what they queued and could not send


class Refused(Exception):
    """The receiver will never accept this message (a carrier's verdict): it is dropped, not retried."""


class Carrier(Protocol):
    """Sends one kind of message (by its method)."""

    async def send(self, queued: Queued, repo: Alerts) -> str | None:
        """Send it; what the receiver answered to remember (Slack's ts), or None. Raise `Refused` when it never
        will be accepted, anything else to retry it later."""

    def retry_after(self, err: Exception) -> tuple[float | None, str]:
        """How long the receiver asked us to wait (None: back off as usual), and the failure in a few words."""


class Outbox:
    def __init__(self, clock: Clock, tasks: TaskGroup, *, interval: float = 1.0, backoff: float = 2.0,
                 cap: float = 300.0) -> None:
        self._tasks = tasks
        self._carriers: dict[str, Carrier] = {}
        self._clock = clock
        self._interval = interval
        self._backoff = backoff
        self._cap = cap
        self._repo: Alerts | None = None
        self._next_at: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._sending = False
        self._stopping = False
        self._next_due: float | None = None  # when something queued may next be sent (None: nothing queued)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def carry(self, methods: tuple[str, ...], carrier: Carrier) -> None:
        """Send the messages of these methods with `carrier` (before `start`)."""
        for method in methods:
            self._carriers[method] = carrier

    def start(self, repo: Alerts) -> None:
        """Bind the store and start sending (what a previous process left queued goes first). With no carrier
        (no Slack token, no webhook URL) nothing is sent; what is queued waits for a daemon that has one."""
        self._repo = repo
        if self._carriers:
            self._sending = True
            self._tasks.start(self._run(), name="outbox")

    async def stop(self) -> None:
        """At shutdown, before the task group cancels the loop: send nothing more, and let a message already on
        its way finish (so Slack's answer is recorded and a restart does not send it twice). Whatever is still
        queued waits in the store for the next start."""
        if not self._sending:
            return
        self._stopping = True
        try:
            async with asyncio.timeout(STOP_GRACE):
                async with self._lock:
                    pass
        except TimeoutError:  # Slack hangs: give up on that send (it may be repeated after a restart)
            log.warning("slack.outbox_stop_timed_out")

    @property
    def next_due(self) -> float | None:
        """When something queued may next be sent (None: nothing is queued)."""
        return self._next_due

    @property
    def repo(self) -> Alerts:
        if self._repo is None:
            raise RuntimeError("the outbox is not started (the store is not open yet)")
        return self._repo

    # -- queueing ----------------------------------------------------------------------------------------------
    async def put(self, messages: Iterable[Outgoing]) -> None:
        await self.repo.enqueue(messages, self._clock.time())
        self.wake()

    def wake(self) -> None:
        """Something was queued: look now."""
        self._wake.set()

    async def pending(self) -> int:
        return len(await self.repo.queued())

    # -- sending -----------------------------------------------------------------------------------------------
    async def _drain(self) -> int:
        """Send every message that is due at the clock's present time, one per channel whose pace allows it.
        Returns how many were accepted."""
        async with self._lock:
            now = self._clock.time()
            accepted = 0
            for queued in self._heads(await self.repo.queued()):
                if self._stopping:
                    break
                if max(queued.not_before, self._next_at.get(queued.channel, 0.0)) > now:
                    continue
                if not await self.repo.claim(queued.id, now, now + CLAIM_FOR):
                    continue  # another process is sending it
                accepted += await self._deliver(queued)
                self._next_at[queued.channel] = self._clock.time() + self._interval
            heads = self._heads(await self.repo.queued())
            self._next_due = min((max(q.not_before, self._next_at.get(q.channel, 0.0)) for q in heads), default=None)
            return accepted

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store or a bug: keep the loop alive, look again shortly
                log.exception("outbox.error")
                self._next_due = self._clock.time() + self._interval * 5
            await self._park()

    async def _park(self) -> None:
        """Until the next queued message is due, or something is queued."""
        due = self._next_due if self._next_due is not None else math.inf
        if self.repo.shared:  # a process that queued a message may die before sending it
            due = min(due, self._clock.time() + SHARED_POLL)
        await self._clock.sleep(due - self._clock.time(), wake=self._wake)

    async def _deliver(self, queued: Queued) -> int:
        carrier = self._carriers[queued.method]
        try:
            answer = await carrier.send(queued, self.repo)
        except asyncio.CancelledError:
            raise
        except Refused as err:  # never to be accepted: retrying would block the channel for ever
            log.warning("outbox.refused", channel=_shown(queued), method=queued.method, outbox_id=queued.id,
                        attempts=queued.attempts + 1, error=str(err))
            await self.repo.delivered(queued, None)
            return 0
        except Exception as err:  # unreachable, refused for now, rate limited: keep it and try again later
            asked, reason = carrier.retry_after(err)
            delay = asked if asked is not None else min(self._cap, self._backoff * 2 ** queued.attempts)
            log.warning("outbox.send_failed", channel=_shown(queued), method=queued.method, outbox_id=queued.id,
                        attempts=queued.attempts + 1, retry_in=round(delay, 1), error=reason)
            await self.repo.deferred(queued.id, self._clock.time() + delay, reason)
            return 0
        await self.repo.delivered(queued, answer)
        return 1

    def _heads(self, queued: list[Queued]) -> list[Queued]:
        """The oldest message of each channel this process can send: a channel's messages go strictly in order."""
        heads: dict[str, Queued] = {}
        for item in queued:
            if item.method in self._carriers:
                heads.setdefault(item.channel, item)
        return list(heads.values())


def _shown(queued: Queued) -> str:
    """The channel as a log line may show it: a webhook's URL only by its host (its path or query may be a
    secret)."""
    if queued.method != "webhook":
        return queued.channel
    return urlsplit(queued.channel).hostname or "?"

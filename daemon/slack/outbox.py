"""The Slack outbox: every alert leaves through here, in order per channel, paced, retried, never dropped.

Messages are queued in the store (so a restart or a Slack outage loses none) and sent oldest first, at most one
per `interval` seconds per channel (Slack allows about one message a second in a channel). Each is claimed before
it is sent, so of several processes on one store only one sends it. A message Slack does not accept stays at the
head of its channel's queue and is retried with exponential backoff on the clock; the failure is logged and never
reaches the sync that caused the alert. Replies and updates find their thread (the episode's alert ts) when they
are sent, so they always follow the alert they belong to.
"""

from __future__ import annotations

import asyncio
import math
from typing import Iterable

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from clock import Clock
from daemon.core.tasks import TaskGroup
from storage.alerts import Alerts, Outgoing, Queued

log = structlog.get_logger(__name__)

PAYLOAD_ERRORS = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_attachments"}
STOP_GRACE = 10.0  # seconds a message already on its way to Slack gets to finish at shutdown
CLAIM_FOR = 60.0  # seconds a message being sent is this process's (others skip it); longer than a send can take
SHARED_POLL = 30.0  # with other processes on the store: look this often for what they queued and could not send


class Outbox:
    def __init__(self, client: AsyncWebClient, clock: Clock, tasks: TaskGroup, *, interval: float = 1.0,
                 backoff: float = 2.0, cap: float = 300.0, metrics=None) -> None:
        self.client = client
        self._tasks = tasks
        self._metrics = metrics
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
    def start(self, repo: Alerts, *, send: bool = True) -> None:
        """Bind the store and start sending (what a previous process left queued goes first). Without a bot
        token (`send=False`) nothing is sent; what is queued waits for a daemon that has one."""
        self._repo = repo
        if send:
            self._sending = True
            self._tasks.start(self._run(), name="slack-outbox")

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
            raise RuntimeError("the Slack outbox is not started (the store is not open yet)")
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
        Returns how many Slack accepted."""
        async with self._lock:
            now = self._clock.time()
            accepted = 0
            for queued in _heads(await self.repo.queued()):
                if self._stopping:
                    break
                if max(queued.not_before, self._next_at.get(queued.channel, 0.0)) > now:
                    continue
                if not await self.repo.claim(queued.id, now, now + CLAIM_FOR):
                    continue  # another process is sending it
                accepted += await self._deliver(queued)
                self._next_at[queued.channel] = self._clock.time() + self._interval
            heads = _heads(await self.repo.queued())
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
                log.exception("slack.outbox_error")
                self._next_due = self._clock.time() + self._interval * 5
            await self._park()

    async def _park(self) -> None:
        """Until the next queued message is due, or something is queued."""
        due = self._next_due if self._next_due is not None else math.inf
        if self.repo.shared:  # a process that queued a message may die before sending it
            due = min(due, self._clock.time() + SHARED_POLL)
        await self._clock.sleep(due - self._clock.time(), wake=self._wake)

    async def _deliver(self, queued: Queued) -> int:
        try:
            ts = await self._send(queued)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # Slack down, refused, rate limited: keep the message and try again later
            delay, reason = self._retry_delay(queued, err)
            log.warning("slack.post_failed", channel=queued.channel, method=queued.method, outbox_id=queued.id,
                        attempts=queued.attempts + 1, retry_in=round(delay, 1), error=reason)
            await self.repo.deferred(queued.id, self._clock.time() + delay, reason)
            return 0
        await self.repo.delivered(queued, ts)
        log.info("slack.posted", channel=queued.channel, method=queued.method, outbox_id=queued.id)
        if self._metrics is not None:
            self._metrics.alert_posted(queued.method)
        return 1

    async def _send(self, queued: Queued) -> str | None:
        episode = await self.repo.episode(queued.episode_id) if queued.episode_id is not None else None
        thread = episode.message_ts if episode is not None else None
        channel = episode.channel if episode is not None else queued.channel
        args = {"channel": channel, "text": queued.payload["text"]}
        if queued.payload.get("blocks"):
            args["blocks"] = queued.payload["blocks"]
        if queued.method == "update":
            if thread is None:  # the alert it would edit is gone (org deleted): nothing to edit
                log.info("slack.update_skipped", outbox_id=queued.id)
                return None
            return (await self._call(self.client.chat_update, ts=thread, **args)).get("ts")
        if queued.method == "reply" and thread is not None:
            args["thread_ts"] = thread
        return (await self._call(self.client.chat_postMessage, **args)).get("ts")

    async def _call(self, method, **args):
        try:
            return await method(**args)
        except SlackApiError as err:
            if err.response.get("error") in PAYLOAD_ERRORS and "blocks" in args:
                log.warning("slack.blocks_refused", error=err.response.get("error"))
                args.pop("blocks")
                args["text"] = args["text"][:3000]
                return await method(**args)
            raise

    def _retry_delay(self, queued: Queued, err: Exception) -> tuple[float, str]:
        delay = min(self._cap, self._backoff * 2 ** queued.attempts)
        if isinstance(err, SlackApiError):
            reason = str(err.response.get("error") or f"HTTP {err.response.status_code}")
            retry_after = (err.response.headers or {}).get("Retry-After") or (err.response.headers or {}).get(
                "retry-after")
            if retry_after:  # rate limited: Slack says exactly how long
                delay = float(retry_after)
            return delay, reason
        return delay, f"{type(err).__name__}: {err}"[:300]


def _heads(queued: list[Queued]) -> list[Queued]:
    """The oldest message of each channel: a channel's messages go strictly in order."""
    heads: dict[str, Queued] = {}
    for item in queued:
        heads.setdefault(item.channel, item)
    return list(heads.values())

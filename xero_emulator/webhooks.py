"""Signed Xero webhooks for record changes, batched like Xero batches them, plus the intent-to-receive check."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import random
import string
from dataclasses import dataclass

import aiohttp

from .config import EmulatorConfig
from .dates import webhook_stamp

log = logging.getLogger(__name__)


def sign(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    body: dict
    status: int | None  # None: the receiver could not be reached
    signature: str


class Webhooks:
    """Queues events and POSTs them to `webhook_url` about `webhook_batch_seconds` (real time) later."""

    def __init__(self, config: EmulatorConfig, rng: random.Random) -> None:
        self.config = config
        self.deliveries: list[Delivery] = []
        self._pending: list[dict] = []
        self._sequence = 0
        self._rng = rng
        self._session: aiohttp.ClientSession | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task] = set()

    @property
    def enabled(self) -> bool:
        return bool(self.config.webhook_url and self.config.webhook_key)

    def enqueue(self, *, category: str, entity: str, tenant_id: str, resource_id: str, event_type: str,
                when: float) -> None:
        if not self.enabled:
            return
        self._sequence += 1
        self._pending.append({
            "resourceUrl": f"{self.config.base_url.rstrip('/')}/api.xro/2.0/{entity}/{resource_id}",
            "resourceId": resource_id, "eventDateUtc": webhook_stamp(when), "eventType": event_type,
            "eventCategory": category, "tenantId": tenant_id, "tenantType": "ORGANISATION",
            "_sequence": self._sequence})
        self._schedule()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: start() sends what is pending
        if self._timer is None:
            self._timer = loop.call_later(self.config.webhook_batch_seconds, self._fire)

    def _fire(self) -> None:
        self._timer = None
        events, self._pending = self._pending, []
        if events:
            task = asyncio.get_running_loop().create_task(self._send_events(events))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def start(self) -> None:
        if self._pending:
            self._schedule()

    async def flush(self) -> None:
        """Send whatever is queued now and wait until every delivery has been answered."""
        if self._timer is not None:
            self._timer.cancel()
        self._fire()
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for task in list(self._sending):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    async def _send_events(self, events: list[dict]) -> None:
        first, last = events[0]["_sequence"], events[-1]["_sequence"]
        for event in events:
            event.pop("_sequence", None)
        await self._post({"events": events, "firstEventSequence": first, "lastEventSequence": last,
                          "entropy": self._entropy()}, self.config.webhook_key or "")

    async def intent_to_receive(self, valid: bool) -> int | None:
        """POST Xero's empty intent-to-receive payload, signed correctly or not; the receiver's status."""
        payload = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": self._entropy()}
        key = self.config.webhook_key or ""
        return await self._post(payload, key if valid else key + "-wrong")

    def _entropy(self) -> str:
        return "".join(self._rng.choice(string.ascii_uppercase) for _ in range(20))

    async def _post(self, payload: dict, key: str) -> int | None:
        if not self.config.webhook_url:
            raise RuntimeError("no webhook_url configured")
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = sign(key, body)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        status: int | None = None
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
            async with self._session.post(self.config.webhook_url, data=body, headers={
                    "Content-Type": "application/json", "x-xero-signature": signature}) as response:
                status = response.status
        if status is None:
            log.warning("webhook delivery to %s failed", self.config.webhook_url)
        self.deliveries.append(Delivery(payload, status, signature))
        return status

"""Xero webhooks: signature check, de-duplication, and a debounced targeted sync per org.

A burst of events for one org becomes one incremental sync of the entities they name, started DEBOUNCE
seconds after the first event; events already seen (Xero redelivers, perhaps to another replica: the store
remembers them) are ignored."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections import defaultdict

import structlog

from clock import Clock
from daemon.sync.runs import SyncRunner
from storage import Store

log = structlog.get_logger(__name__)

CATEGORIES = {"INVOICE": "Invoices", "CONTACT": "Contacts"}
DEBOUNCE = 5.0
REMEMBER = 3 * 86400  # seconds an accepted event is remembered (Xero redelivers within hours)


class WebhookPayloadError(ValueError):
    """A correctly signed body that is not a Xero webhook payload."""


def signature_ok(key: str, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


def parse_events(body: bytes) -> list[dict]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookPayloadError("the body is not JSON") from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise WebhookPayloadError("the body has no list of events")
    return events


class WebhookInbox:
    def __init__(self, store: Store, runner: SyncRunner, clock: Clock, *, debounce: float = DEBOUNCE) -> None:
        self._store = store
        self._runner = runner
        self._clock = clock
        self._debounce = debounce
        self._pending: defaultdict[str, set[str]] = defaultdict(set)
        self._timers: dict[str, asyncio.Task] = {}
        self.tasks: set[asyncio.Task] = set()

    async def accept(self, events: list[dict]) -> int:
        """Queue targeted syncs for new events; the number of events that were new and for a known org."""
        queued = 0
        for event in events:
            key = (event.get("tenantId"), event.get("resourceId"), event.get("eventDateUtc"), event.get("eventType"))
            entity = CATEGORIES.get(str(event.get("eventCategory")))
            if entity is None or not isinstance(key[0], str):
                continue
            if await self._store.orgs.get(key[0]) is None:
                log.info("webhook.unknown_tenant", tenant_id=key[0])
                continue
            now = self._clock.time()
            if not await self._store.states.first_delivery(json.dumps(key), now + REMEMBER, now):
                continue  # a redelivery (to this process or another)
            self._pending[key[0]].add(entity)
            self._arm(key[0])
            queued += 1
        return queued

    def _arm(self, tenant_id: str) -> None:
        if tenant_id not in self._timers:
            task = asyncio.create_task(self._fire(tenant_id), name=f"webhook:{tenant_id}")
            self._timers[tenant_id] = task
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _fire(self, tenant_id: str) -> None:
        await self._clock.sleep(self._debounce)
        self._timers.pop(tenant_id, None)
        entities = frozenset(self._pending.pop(tenant_id, set()))
        org = await self._store.orgs.get(tenant_id)
        if not entities or org is None or not org.enabled or org.needs_reauth:
            return
        log.info("webhook.sync_queued", tenant_id=tenant_id, entities=sorted(entities))
        try:
            await self._runner.sync(tenant_id, "webhook", only=entities)
        except Exception:  # recorded by the runner; never let a webhook task crash loudly
            log.exception("webhook.sync_crashed", tenant_id=tenant_id)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

"""Xero webhook events, once their door (`handlers/webhooks.py`) has checked them: de-duplicated, and debounced
into one targeted sync per org.

A burst of events for one org becomes one incremental sync of the entities they name, started DEBOUNCE seconds
after the first event; events already seen (Xero redelivers, perhaps to another replica: the store remembers
them) are ignored."""

from __future__ import annotations

import json
from collections import defaultdict

import structlog

from clock import Clock
from daemon.core.tasks import TaskGroup
from daemon.sync.runs import SyncRuns
from storage import Store

log = structlog.get_logger(__name__)

CATEGORIES = {"INVOICE": "Invoices", "CONTACT": "Contacts"}
DEBOUNCE = 5.0
REMEMBER = 3 * 86400  # seconds an accepted event is remembered (Xero redelivers within hours)


class WebhookInbox:
    def __init__(self, store: Store, runs: SyncRuns, clock: Clock, tasks: TaskGroup, *,
                 debounce: float = DEBOUNCE) -> None:
        self._store = store
        self._runs = runs
        self._clock = clock
        self._tasks = tasks
        self._debounce = debounce
        self._pending: defaultdict[str, set[str]] = defaultdict(set)
        self._armed: set[str] = set()  # orgs whose debounced sync is waiting to start

    async def accept(self, events: list[dict]) -> int:
        """Queue targeted syncs for new events; the number of events that were new and for a known org."""
        queued, arrived = 0, set()
        for event in events:
            key = (event.get("tenantId"), event.get("resourceId"), event.get("eventDateUtc"), event.get("eventType"))
            entity = CATEGORIES.get(str(event.get("eventCategory")))
            if entity is None or not isinstance(key[0], str):
                continue
            if await self._store.orgs.get(key[0]) is None:
                log.info("webhook.unknown_tenant", tenant_id=key[0])
                continue
            now = self._clock.time()
            arrived.add(key[0])
            if not await self._store.states.first_delivery(json.dumps(key), now + REMEMBER, now):
                continue  # a redelivery (to this process or another)
            self._pending[key[0]].add(entity)
            if key[0] not in self._armed:
                self._armed.add(key[0])
                self._tasks.start(self._fire(key[0]), name=f"webhook:{key[0]}")
            queued += 1
        for tenant_id in arrived:  # status says when each org's last webhook came
            await self._store.orgs.update(tenant_id, self._clock.time(), last_webhook_at=self._clock.time())
        return queued

    async def _fire(self, tenant_id: str) -> None:
        await self._clock.sleep(self._debounce)
        self._armed.discard(tenant_id)
        entities = frozenset(self._pending.pop(tenant_id, set()))
        org = await self._store.orgs.get(tenant_id)
        if not entities or org is None or not org.enabled or org.needs_reauth:
            return
        log.info("webhook.sync_queued", tenant_id=tenant_id, entities=sorted(entities))
        try:
            await self._runs.sync(tenant_id, "webhook", only=entities)
        except Exception:  # recorded by the runs; never let a webhook task crash loudly
            log.exception("webhook.sync_crashed", tenant_id=tenant_id)

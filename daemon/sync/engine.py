"""Reading one organisation's entities from Xero into the store, page by page (the run around it is
`daemon/sync/runs.py`'s).

Paged entities are read with `If-Modified-Since` from their watermark (minus a small overlap), `pageSize=1000`,
oldest change first, until `pagination.pageCount`. Each page is one transaction; the watermark advances in the
transaction of the entity's last page, so an interrupted run re-reads from where the last finished entity left
off and the idempotent upsert absorbs the overlap. Unpaged entities are read whole, and records that vanished
from them are marked deleted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial

import orjson
import structlog

from clock import Clock
from daemon.core.entities import ENTITIES, OVERLAP_SECONDS, PAGE_SIZE, Entity
from daemon.core.tasks import TaskGroup
from daemon.xero.client import CallStats, XeroClient
from daemon.xero.dates import if_modified_since, to_ms
from storage import Store
from storage.orgs import Org
from storage.records import Row

log = structlog.get_logger(__name__)


@dataclass
class RunTally:
    changed: dict[str, int] = field(default_factory=dict)
    stats: CallStats = field(default_factory=CallStats)


class SyncEngine:
    def __init__(self, store: Store, client: XeroClient, clock: Clock, tasks: TaskGroup,
                 entities: tuple[str, ...]) -> None:
        self._store = store
        self._tasks = tasks
        self._client = client
        self._clock = clock
        self._entities = [ENTITIES[name] for name in entities]

    async def run(
        self, org: Org, run_id: int, tally: RunTally, *, reconcile: bool = False, only: frozenset[str] | None = None,
    ) -> None:
        """Sync every entity of `org` (or just those in `only`), counting into `tally`; raises the first error
        that ends the run."""
        watermarks = await self._store.records.watermarks(org.tenant_id)
        for entity in self._entities:
            if only is not None and entity.name not in only:
                continue
            if entity.paged:
                since = None if reconcile else watermarks.get(entity.name)
                changed = await self._paged(org, entity, run_id, since, tally.stats)
            else:
                changed = await self._whole(org, entity, run_id, tally.stats)
            tally.changed[entity.name] = changed
            log.debug("sync.entity_done", tenant_id=org.tenant_id, entity=entity.name, changed=changed)

    async def _paged(self, org: Org, entity: Entity, run_id: int, since_ms: int | None, stats: CallStats) -> int:
        """Walk the pages, fetching page N+1 while page N is written (one call in flight per org still: the fetch
        of page N has finished before page N+1 is asked for). The watermark rides on the last page's write."""
        modified_since = if_modified_since(since_ms, OVERLAP_SECONDS) if since_ms is not None else None
        page, changed, newest = 1, 0, since_ms or 0
        fetch = partial(self._fetch_ahead, org, entity, modified_since, stats)
        ahead = fetch(page)
        try:
            while True:
                rows, page_count, empty = await self._tasks.join(ahead, shield=False)
                newest = max(newest, max((row.updated_ms for row in rows), default=0))
                last = page >= page_count or empty
                if not last:
                    ahead = fetch(page + 1)
                changed += await self._store.records.store_page(
                    org.tenant_id, entity.name, rows, run_id=run_id, now=self._clock.time(),
                    watermark_ms=newest if last and newest else None,
                )
                if last:
                    return changed
                page += 1
        finally:
            if not ahead.done():  # the write failed or the run was cancelled: drop the page fetched ahead
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)

    def _fetch_ahead(self, org: Org, entity: Entity, modified_since: str | None, stats: CallStats,
                     page: int) -> asyncio.Task[tuple[list[Row], int, bool]]:
        return self._tasks.start(self._page(org, entity, page, modified_since, stats),
                                 name=f"page:{org.tenant_id}:{entity.name}:{page}")

    async def _page(
        self, org: Org, entity: Entity, page: int, modified_since: str | None, stats: CallStats,
    ) -> tuple[list[Row], int, bool]:
        """One page of a paged entity, encoded for the store: (rows, pageCount, no items at all)."""
        params = {**dict(entity.params), "page": str(page), "pageSize": str(PAGE_SIZE), "order": "UpdatedDateUTC ASC"}
        return await self._client.get(org.grant_id, org.tenant_id, entity.name, params=params,
                                      modified_since=modified_since, stats=stats, then=partial(_page_rows, entity))

    async def _whole(self, org: Org, entity: Entity, run_id: int, stats: CallStats) -> int:
        rows = await self._client.get(org.grant_id, org.tenant_id, entity.name, params=dict(entity.params),
                                      stats=stats, then=partial(_whole_rows, entity))
        return await self._store.records.store_page(
            org.tenant_id, entity.name, rows, run_id=run_id, now=self._clock.time(),
            seen_all=[row.xero_id for row in rows],
        )


# Decoding: run where the client decodes the body (the decoder process for a large page), so only rows come back.
def _page_rows(entity: Entity, payload: dict) -> tuple[list[Row], int, bool]:
    """One page of a paged entity, encoded for the store: (rows, pageCount, no items at all)."""
    items = payload.get(entity.key) or []
    page_count = int((payload.get("pagination") or {}).get("pageCount") or 0)
    return _encode(entity, items), page_count, not items


def _whole_rows(entity: Entity, payload: dict) -> list[Row]:
    return _encode(entity, payload.get(entity.key) or [])


def _encode(entity: Entity, items: list[dict]) -> list[Row]:
    rows, encode = [], orjson.dumps
    for item in items:
        xero_id = item.get(entity.id_field)
        if not xero_id:
            continue  # a record without its identity cannot be stored idempotently; Xero always sends it
        status = item.get(entity.status_field) if entity.status_field else None
        updated = to_ms(item.get("UpdatedDateUTC")) or 0
        rows.append(Row(str(xero_id), status, updated, encode(item).decode()))
    return rows

"""Reading one organisation's entities from Xero into the store, page by page (the run around it is
`daemon/sync/runs.py`'s). What each entity needs (paging, parameters, the date a change moves, its scope) is its
row in `daemon/core/entities.py`.

Paged entities are read with `If-Modified-Since` from their watermark: the time the next sync reads that entity from,
set when an entity's last page is stored to the run's start minus SYNC_OVERLAP (so it never depends on the dates in
the records, nor passes our clock). `pageSize=1000` (Quotes: no pageSize, pages of 100), oldest change first, until
`pagination.pageCount` (or, when Xero leaves pagination out, until a page that is not full), read ahead of the
writes, two calls in flight once the count is known (never past it: the calls stay the paging minimum); a write
takes the pages read since the last one began (one when the store keeps up, up to READ_AHEAD when it falls
behind), in one transaction; the watermark rides on the transaction of the entity's last page, unless the org
was reset after the run started. Journals are read by `offset`, 100 a call after the last JournalNumber stored, until
a batch is short: that position moves in the transaction of each batch (a run cut short resumes after the last batch
stored), with `If-Modified-Since` from the watermark as for paged entities. Unpaged entities are read whole, and
records that vanished from them are marked deleted.

An entity whose scope the org's grant lacks is skipped, with a note in the run; the others are read. An answer
without the entity's list is malformed: that entity fails with the reason, the others carry on, and the run fails
at the end. Records whose date (UpdatedDateUTC, or CreatedDateUTC for what Xero never changes) lies beyond Xero's
own time (plus a tolerance) are stored as Xero sent them, but their date is not trusted to order versions; the
run notes them. Records without such a date are stored with 0: the version read last is kept when it differs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from functools import partial

import orjson
import structlog

from clock import Clock
from daemon.core.entities import ENTITIES, PAGE_SIZE, Entity, missing_scopes
from daemon.core.errors import XeroMalformedAnswer
from daemon.core.foreground import Foreground
from daemon.core.tasks import TaskGroup
from daemon.sync.outcomes import RunTally
from daemon.xero.client import CallStats, XeroClient
from daemon.xero.dates import if_modified_since
from daemon.xero.pages import Page, decode_batch, decode_page, decode_whole
from daemon.xero.timezones import iana_zone
from storage import Store
from storage.orgs import Org
from storage.records import Changes, Row

log = structlog.get_logger(__name__)

# Pages read ahead of the writer at most, and so the most one transaction takes: 4 pages of 1,000 records (~6 MB
# of decoded rows waiting, as many again being written). Replaying a million invoices' upserts on SQLite: 30,100
# rows/s a page a transaction, 32,900-34,500 four (bench/scaling.py measures the whole sync). Eight reached the
# memory target (200 MB with the decoder) for little more.
READ_AHEAD = 4
# Calls in flight for one entity's pages once Xero has said how many there are: the next page is on its way while
# one is decoded (the emulator's work and the decoder's overlap). A first sync of a million invoices found the
# writer waiting on the reading for 4 writes in 5 with one at a time.
PAGES_IN_FLIGHT = 2
DATE_TOLERANCE = 300.0  # seconds a record's UpdatedDateUTC may lie beyond Xero's time and still be trusted


class SyncEngine:
    def __init__(self, store: Store, client: XeroClient, clock: Clock, tasks: TaskGroup,
                 entities: tuple[str, ...], *, overlap: float, foreground: Foreground | None = None) -> None:
        self._store = store
        # each page request and each write waits while a request is being answered (daemon/core/foreground.py)
        self._foreground = foreground or Foreground()
        self._tasks = tasks
        self._client = client
        self._clock = clock
        self._entities = [ENTITIES[name] for name in entities]
        self._overlap = overlap

    async def run(self, org: Org, run_id: int, tally: RunTally, *, started: float, reconcile: bool = False,
                  only: frozenset[str] | None = None) -> None:
        """Sync every entity of `org` (or just those in `only`), counting into `tally`; raises the first error
        that ends the run, or at the end the malformed answers some entities got."""
        watermarks = await self._store.records.watermarks(org.tenant_id)
        positions = await self._store.records.positions(org.tenant_id)
        granted = await self._store.grants.scopes(org.grant_id) if org.grant_id is not None else ""
        tally.missing = missing_scopes(tuple(e.name for e in self._entities), granted)
        malformed: list[str] = []
        for entity in self._entities:
            if only is not None and entity.name not in only:
                continue
            if entity.name in tally.missing:
                tally.notes.append(f"{entity.name} was not synced: the grant lacks {tally.missing[entity.name]} "
                                   "(re-authorize to add access)")
                log.info("sync.entity_skipped", entity=entity.name, missing_scope=tally.missing[entity.name])
                continue
            await self._store.runs.reading(run_id, entity.name)  # progress, for status in any process
            try:
                since = None if reconcile else watermarks.get(entity.name)
                if entity.offset:
                    changed = await self._by_offset(org, entity, run_id, since, positions.get(entity.name, 0),
                                                    started, tally)
                elif entity.paged:
                    changed = await self._paged(org, entity, run_id, since, started, tally)
                else:
                    changed = await self._whole(org, entity, run_id, tally)
            except XeroMalformedAnswer as err:
                malformed.append(str(err))
                continue
            tally.changed[entity.name] = changed.total
            log.debug("sync.entity_done", tenant_id=org.tenant_id, entity=entity.name, added=changed.added,
                      updated=changed.updated, deleted=changed.deleted)
        if malformed:
            raise XeroMalformedAnswer("; ".join(malformed) + " (the other entities were synced)")

    async def _paged(self, org: Org, entity: Entity, run_id: int, since_ms: int | None, started: float,
                     tally: RunTally) -> Changes:
        """Read the pages in a task of their own (`_read`: up to PAGES_IN_FLIGHT calls once Xero has said how many
        pages there are, else one at a time), while they are written here: each write takes every page read since
        the last one began, up to READ_AHEAD. When the store keeps up, that is one page a transaction; when it
        falls behind (a first sync of a large org, whose key index grows past the pages a transaction can touch
        cheaply), several pages go in one transaction and share its cost. The watermark rides on the write of the
        last page."""
        modified_since = if_modified_since(since_ms) if since_ms is not None else None
        mark_ms = int((started - self._overlap) * 1000)
        read: asyncio.Queue[Page | BaseException] = asyncio.Queue(READ_AHEAD)
        reader = self._tasks.start(self._read(org, entity, modified_since, tally.stats, read),
                                   name=f"pages:{org.tenant_id}:{entity.name}")
        changed, odd = Changes(), 0
        try:
            while True:
                pages, failed = [await self._tasks.waiting_on(reader, read.get())], None
                while not read.empty() and len(pages) < READ_AHEAD:
                    pages.append(read.get_nowait())
                if isinstance(pages[-1], BaseException):  # the pages before it are written, then it is raised
                    failed = pages.pop()
                if pages:
                    answers: list[Page] = pages  # type: ignore[assignment]
                    last = answers[-1].last and failed is None
                    odd += sum(answer.odd_dates for answer in answers)
                    await self._foreground.quiet()
                    changed += await self._store.records.store_page(
                        org.tenant_id, entity.name, [row for answer in answers for row in _rows(answer)],
                        run_id=run_id, now=self._clock.time(), watermark_ms=mark_ms if last else None,
                        resets=org.resets, page_count=answers[-1].page_count, pages=len(answers))
                    if last:
                        _note_odd_dates(tally, entity, odd)
                        return changed
                if failed is not None:
                    raise failed
        finally:
            if not reader.done():  # the write failed or the run was cancelled: stop reading
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def _read(self, org: Org, entity: Entity, modified_since: str | None, stats: CallStats,
                    into: asyncio.Queue[Page | BaseException]) -> None:
        """Pages 1, 2, ... into `into`, in order, until the last, or the error that ended the reading. Once Xero
        has said how many pages there are (`pagination.pageCount`), the next page is asked for while one is on its
        way or being decoded (PAGES_IN_FLIGHT), never past the count, so the calls are still the paging minimum;
        without a count, one at a time (only a page that is not full says it is the last)."""
        in_flight: deque[asyncio.Task[Page | Exception]] = deque()
        next_page, count = 1, None
        try:
            while True:
                while next_page == 1 or (not in_flight if count is None else
                                         len(in_flight) < PAGES_IN_FLIGHT and next_page <= count):
                    in_flight.append(self._tasks.start(
                        self._fetched(org, entity, next_page, modified_since, stats),
                        name=f"page:{org.tenant_id}:{entity.name}:{next_page}"))
                    next_page += 1
                task = in_flight.popleft()
                answer = await self._tasks.waiting_on(task, task)
                await into.put(answer)
                if isinstance(answer, Exception) or answer.last:
                    return
                count = answer.page_count
        finally:
            for task in in_flight:  # the last page came early (the count shrank), an error, or a cancellation
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _fetched(self, org: Org, entity: Entity, page: int, modified_since: str | None,
                       stats: CallStats) -> Page | Exception:
        """One page, or the error that stopped it (kept for the reader, which may not be waiting for it yet)."""
        try:
            return await self._page(org, entity, page, modified_since, stats)
        except Exception as err:
            return err

    async def _by_offset(self, org: Org, entity: Entity, run_id: int, since_ms: int | None, after: int,
                         started: float, tally: RunTally) -> Changes:
        """Journals: `offset` is the last JournalNumber stored; a batch of 100 may have more after it, a shorter one
        is the end. Each batch moves the position in its own transaction; the watermark rides on the last one."""
        modified_since = if_modified_since(since_ms) if since_ms is not None else None
        mark_ms = int((started - self._overlap) * 1000)
        changed, odd = Changes(), 0
        while True:
            params = {**dict(entity.params), "offset": str(after)}
            await self._foreground.quiet()
            answer = await self._client.get(
                org.tenant_id, entity.name, params=params, modified_since=modified_since, stats=tally.stats,
                then=partial(decode_batch, entity, after, self._ceiling_ms(tally.stats)))
            odd += answer.odd_dates
            await self._foreground.quiet()
            changed += await self._store.records.store_page(
                org.tenant_id, entity.name, _rows(answer), run_id=run_id, now=self._clock.time(),
                watermark_ms=mark_ms if answer.last else None, resets=org.resets, last_number=answer.last_number)
            if answer.last:
                _note_odd_dates(tally, entity, odd)
                return changed
            after = answer.last_number or after

    async def _page(self, org: Org, entity: Entity, page: int, modified_since: str | None, stats: CallStats) -> Page:
        params = {**dict(entity.params), "page": str(page), "order": "UpdatedDateUTC ASC"}
        if entity.page_size:  # the spec offers it (Quotes: not; their pages are 100)
            params["pageSize"] = str(PAGE_SIZE)
        await self._foreground.quiet()
        return await self._client.get(org.tenant_id, entity.name, params=params, modified_since=modified_since,
                                      stats=stats, then=partial(decode_page, entity, page, self._ceiling_ms(stats)))

    async def _whole(self, org: Org, entity: Entity, run_id: int, tally: RunTally) -> Changes:
        await self._foreground.quiet()
        answer = await self._client.get(org.tenant_id, entity.name, params=dict(entity.params), stats=tally.stats,
                                        then=partial(decode_whole, entity, self._ceiling_ms(tally.stats)))
        _note_odd_dates(tally, entity, answer.odd_dates)
        rows = _rows(answer)
        await self._foreground.quiet()
        changed = await self._store.records.store_page(
            org.tenant_id, entity.name, rows, run_id=run_id, now=self._clock.time(),
            seen_all=[row.xero_id for row in rows], page_count=1,
        )
        if entity.name == "Organisation":
            await self._learn_time_zone(org, rows)
        return changed

    async def _learn_time_zone(self, org: Org, rows: list[Row]) -> None:
        """Dates are shown, and reset dates meant, in the org's own zone: Xero's `Organisation.Timezone`."""
        zone = iana_zone(orjson.loads(rows[0].data).get("Timezone")) if rows else None
        if zone and zone != org.timezone:
            await self._store.orgs.update(org.tenant_id, self._clock.time(), timezone=zone)

    def _ceiling_ms(self, stats: CallStats) -> int:
        """The latest UpdatedDateUTC to trust: Xero's time (its last Date header) or ours, plus a tolerance."""
        return int((max(self._clock.time(), stats.server_time or 0.0) + DATE_TOLERANCE) * 1000)


def _note_odd_dates(tally: RunTally, entity: Entity, odd: int) -> None:
    if odd:
        tally.notes.append(f"{entity.name}: {odd} record{'s' if odd > 1 else ''} dated beyond Xero's own time "
                           "(stored as Xero sent them; the date is not trusted to order their versions)")
        log.warning("sync.odd_dates", entity=entity.name, records=odd)


def _rows(page: Page) -> list[Row]:
    """The decoder's plain tuples as the store's rows (it imports nothing of the store: daemon/xero/pages.py)."""
    make = Row._make
    return [make(row) for row in page.rows]

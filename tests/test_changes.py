"""The change sequence: every record added or changed takes the next number of its (org, entity), in commit order;
a page says what it added, updated and deleted, and the run keeps those counts per entity."""

from __future__ import annotations

import asyncio
import json

import pytest

from daemon.core.crypto import Secrets
from storage import Store
from storage.db import open_database
from storage.migrations import LEDGER, available
from storage.records import Changes, Row
from tests.test_store import _org


@pytest.fixture
async def store(database_url):
    store = await Store.open(database_url, Secrets(["k1"]))
    yield store
    await store.close()


async def _seqs(store, entity="Invoices", after=0):
    return {c.xero_id: c.seq for c in await store.records.changes("t1", entity, after, 1000)}


async def test_changed_records_take_the_next_numbers_and_unchanged_ones_keep_theirs(store):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    page = [Row(x, "AUTHORISED", 1000, json.dumps({"id": x})) for x in "abc"]
    assert await store.records.store_page("t1", "Invoices", page, run_id=run, now=1.0) == Changes(added=3)
    first = await _seqs(store)
    assert sorted(first.values()) == sorted(set(first.values())) and len(first) == 3
    again = [page[0], Row("b", "VOIDED", 2000, '{"id":"b","v":2}'), Row("c", "DELETED", 2000, '{"id":"c"}'),
             Row("d", "DRAFT", 2000, '{"id":"d"}')]
    assert await store.records.store_page("t1", "Invoices", again, run_id=run, now=2.0) == Changes(1, 1, 1)
    now = await _seqs(store)
    assert now["a"] == first["a"]  # nothing changed: its number stays
    assert min(now["b"], now["c"], now["d"]) > max(first.values())
    after_first = await store.records.changes("t1", "Invoices", max(first.values()), 10)
    assert [(c.xero_id, c.status, c.deleted) for c in after_first] == [
        ("b", "VOIDED", False), ("c", "DELETED", True), ("d", "DRAFT", False)]
    assert (await store.runs.latest("t1")).kinds["Invoices"] == Changes(added=4, updated=1, deleted=1)
    assert (await store.runs.latest("t1")).changed["Invoices"] == 6


async def test_a_record_that_vanished_is_deleted_with_a_new_number(store):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    both = [Row("x", None, 0, '{"n":"x"}'), Row("y", None, 0, '{"n":"y"}')]
    await store.records.store_page("t1", "Items", both, run_id=run, now=1.0, seen_all=["x", "y"])
    before = await _seqs(store, "Items")
    assert await store.records.store_page("t1", "Items", both[:1], run_id=run, now=5.0,
                                          seen_all=["x"]) == Changes(deleted=1)
    [gone] = await store.records.changes("t1", "Items", max(before.values()), 10)
    assert (gone.xero_id, gone.deleted, gone.updated_ms) == ("y", True, 5000)  # when the daemon saw it gone
    back = await store.records.store_page("t1", "Items", both, run_id=run, now=6.0, seen_all=["x", "y"])
    assert back == Changes(updated=1)  # it came back


async def test_modified_after_filters_on_when_a_record_changed(store):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    page = [Row("old", None, 1_000, "{}"), Row("new", None, 9_000, "{}"), Row("undated", None, 0, "{}")]
    await store.records.store_page("t1", "Contacts", page, run_id=run, now=7.0)
    got = await store.records.changes("t1", "Contacts", 0, 10, modified_after_ms=5_000)
    assert sorted(c.xero_id for c in got) == ["new", "undated"]  # undated: stored at 7 s, after 5 s


async def test_writers_of_one_entity_take_numbers_in_commit_order(store):
    """Pages of one entity written at the same time (two syncs, or two processes on PostgreSQL): the numbers of
    each page's records all come before or all after the other's, and a reader who saw one page's numbers and then
    the other's never finds a gap filled behind it."""
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    pages = [[Row(f"{p}-{i}", None, 1000 + i, "{}") for i in range(300)] for p in range(4)]
    await asyncio.gather(*(store.records.store_page("t1", "Invoices", page, run_id=run, now=1.0) for page in pages))
    walk = await store.records.changes("t1", "Invoices", 0, 2000)
    assert len(walk) == 1200 and len({c.seq for c in walk}) == 1200
    owners = [c.xero_id.split("-")[0] for c in walk]
    assert [owners[i] for i in range(0, 1200, 300)] == sorted(set(owners), key=owners.index)
    assert all(owners[i] == owners[i - i % 300] for i in range(1200))  # each page's numbers are contiguous
    assert await store.records.last_seq("t1", "Invoices") == max(c.seq for c in walk)


async def test_the_migration_numbers_records_already_stored(database_url):
    db = open_database(database_url)
    await db.connect()
    try:
        await db.apply(LEDGER[db.dialect])
        for version, name, sql in available(db.dialect):
            if version < 18:
                await db.apply(f"{sql}\nINSERT INTO schema_migrations (version, name) VALUES ({version}, '{name}');")
        await db.apply("INSERT INTO orgs (tenant_id, name, created_at, updated_at) VALUES ('t1', 'Acme', 0, 0);"
                       "INSERT INTO records (tenant_id, entity, xero_id, updated_ms, data, synced_at) VALUES"
                       " ('t1', 'Invoices', 'late', 9, '{}', 0), ('t1', 'Invoices', 'early', 1, '{}', 0),"
                       " ('t1', 'Contacts', 'c', 5, '{}', 0)")
    finally:
        await db.close()
    store = await Store.open(database_url, Secrets(["k1"]))
    try:
        assert await _seqs(store) == {"early": 1, "late": 2}
        assert await store.records.last_seq("t1", "Invoices") == 2
        run = await store.runs.start("t1", "manual", 1.0)
        await store.records.store_page("t1", "Invoices", [Row("new", None, 10, "{}")], run_id=run, now=1.0)
        assert (await _seqs(store, after=2)) == {"new": 3}
    finally:
        await store.close()

"""The store: migrations, tokens encrypted at rest, idempotent upserts, watermarks, single-use states."""

import asyncio
import json
import os
import sqlite3
from contextlib import closing

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from daemon.core.crypto import Secrets, load_or_create_key
from storage import Store
from storage.grants import TokenSet
from storage.migrations import available
from storage.records import Changes, Row
from tests import stored
from tests.databases import fetch


@pytest.fixture
async def store(database_url):
    store = await Store.open(database_url, Secrets(["k1"]))
    yield store
    await store.close()


async def _org(store, tenant="t1"):
    async with store.transaction() as tx:
        grant = await store.grants.save_new(tx, TokenSet("access-SECRET", "refresh-SECRET", 100.0, "s"), "u1", 0.0)
        await store.orgs.connect(tx, tenant, "Acme", "conn-1", grant, 0.0)
    return grant


async def test_migrations_are_applied_once_and_recorded(database_url):
    for _ in range(2):
        store = await Store.open(database_url, Secrets(["k"]))
        await store.close()
    rows = await fetch(database_url, "SELECT version FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == [v for v, _, _ in available()]
    if store.db.dialect == "sqlite":
        assert (await fetch(database_url, "PRAGMA journal_mode"))[0][0] == "wal"


def test_every_migration_exists_for_both_backends():
    assert [(v, name) for v, name, _ in available("sqlite")] == [(v, name) for v, name, _ in available("postgres")]


async def test_replicas_starting_together_apply_each_migration_once(postgres_url):
    stores = await asyncio.gather(*(Store.open(postgres_url, Secrets(["k"])) for _ in range(3)))
    for store in stores:
        await store.close()
    rows = await fetch(postgres_url, "SELECT version FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == [v for v, _, _ in available()]


async def test_tokens_are_encrypted_at_rest(store, database_url):
    grant_id = await _org(store)
    [(stored,)] = await fetch(database_url, "SELECT tokens FROM grants")
    assert "SECRET" not in stored
    assert (await store.grants.get(grant_id)).tokens.refresh_token == "refresh-SECRET"
    other = await Store.open(database_url, Secrets(["rotated", "k1"]))  # rotation: old key still reads
    assert (await other.grants.get(grant_id)).tokens.access_token == "access-SECRET"
    await other.close()


def test_generated_key_is_private_and_stable(tmp_path):
    key = load_or_create_key(tmp_path / "data")
    assert load_or_create_key(tmp_path / "data") == key
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600


async def test_upsert_is_idempotent_and_never_goes_back_a_version(store, database_url):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    v1 = Row("a", "DRAFT", 1000, json.dumps({"v": 1}))
    assert await store.records.store_page("t1", "Invoices", [v1], run_id=run, now=1.0) == Changes(added=1)
    assert await store.records.store_page("t1", "Invoices", [v1], run_id=run, now=2.0) == Changes()
    v2 = Row("a", "VOIDED", 2000, json.dumps({"v": 2}))
    assert await store.records.store_page("t1", "Invoices", [v2], run_id=run, now=3.0) == Changes(updated=1)
    assert await store.records.store_page("t1", "Invoices", [v1], run_id=run, now=4.0) == Changes()  # stale
    held = await stored.record(database_url, "t1", "Invoices", "a")
    assert held["status"] == "VOIDED" and held["data"] == {"v": 2}


async def test_pages_written_together_keep_a_record_that_comes_twice_as_it_comes_last(store, database_url):
    """Several pages go in one write when the store falls behind the reads (daemon/sync/engine.py); a record
    edited while the sync read it comes on an early page and again, newer, on a later one."""
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    rows = [Row("a", "DRAFT", 1000, '{"v":1}'), Row("b", "DRAFT", 1500, "{}"), Row("a", "AUTHORISED", 2000, '{"v":2}')]
    changes = await store.records.store_page("t1", "Invoices", rows, run_id=run, now=1.0, pages=2)
    assert changes == Changes(added=2)
    held = await stored.record(database_url, "t1", "Invoices", "a")
    assert held["status"] == "AUTHORISED" and held["data"] == {"v": 2}
    assert await store.records.counts("t1") == {"Invoices": 2}
    (counted,) = await fetch(database_url, "SELECT pages, records, added FROM run_entities WHERE run_id = ?", (run,))
    assert tuple(counted) == (2, 3, 2)  # two pages read, three records in them, two records new
    assert [c.xero_id for c in await store.records.changes("t1", "Invoices", 0, 10)] == ["b", "a"]


async def test_a_watermark_rides_on_the_last_page_unless_the_org_was_reset_since_the_run_began(store):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    rows = [Row("a", None, 5000, "{}")]
    await store.records.store_page("t1", "Contacts", rows, run_id=run, now=1.0)
    assert await store.records.watermarks("t1") == {}
    await store.records.store_page("t1", "Contacts", rows, run_id=run, now=1.0, watermark_ms=5000, resets=0)
    assert await store.records.watermarks("t1") == {"Contacts": 5000}
    async with store.transaction() as tx:  # /xero reset while the run goes on
        await store.records.reset_watermarks("t1", ["Contacts"], None, tx)
        await store.orgs.reset(tx, "t1", 2.0, None)
    await store.records.store_page("t1", "Contacts", rows, run_id=run, now=3.0, watermark_ms=9000, resets=0)
    assert await store.records.watermarks("t1") == {"Contacts": None}  # the reset wins over the run begun before it
    await store.records.store_page("t1", "Contacts", rows, run_id=run, now=4.0, watermark_ms=9000, resets=1)
    assert await store.records.watermarks("t1") == {"Contacts": 9000}  # a run begun after it writes its mark


async def test_journals_position_moves_with_each_batch_and_a_reset_clears_it(store):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    rows = [Row("j", None, 5000, "{}")]
    await store.records.store_page("t1", "Journals", rows, run_id=run, now=1.0, last_number=100, resets=0)
    assert (await store.records.positions("t1"), await store.records.watermarks("t1")) == ({"Journals": 100},
                                                                                         {"Journals": None})
    await store.records.store_page("t1", "Journals", rows, run_id=run, now=1.0, last_number=130, watermark_ms=5000,
                                   resets=0)
    assert (await store.records.positions("t1"), await store.records.watermarks("t1")) == ({"Journals": 130},
                                                                                         {"Journals": 5000})
    async with store.transaction() as tx:  # /xero reset while a run goes on: read from the first journal again
        await store.records.reset_watermarks("t1", ["Journals"], 1000, tx)
        await store.orgs.reset(tx, "t1", 2.0, None)
    await store.records.store_page("t1", "Journals", rows, run_id=run, now=3.0, last_number=230, resets=0)
    assert (await store.records.positions("t1"), await store.records.watermarks("t1")) == ({}, {"Journals": 1000})


async def test_vanished_records_are_marked_deleted_not_dropped(store, database_url):
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    both = [Row("x", None, 1, '{"n":"x"}'), Row("y", None, 1, '{"n":"y"}')]
    await store.records.store_page("t1", "Items", both, run_id=run, now=1.0, seen_all=["x", "y"])
    assert await store.records.store_page("t1", "Items", both[:1], run_id=run, now=2.0,
                                          seen_all=["x"]) == Changes(deleted=1)
    gone = await stored.record(database_url, "t1", "Items", "y")
    assert gone["deleted"] and gone["status"] == "DELETED" and gone["data"] == {"n": "y"}


async def _counted(database_url, tenant):
    rows = await fetch(database_url, "SELECT entity, COUNT(*) FROM records WHERE tenant_id = ? GROUP BY entity"
                                     " ORDER BY entity", (tenant,))
    return {entity: n for entity, n in rows}


_PAGES = st.lists(st.tuples(st.sampled_from(["Invoices", "Items"]),
                            st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 3)), max_size=6),
                            st.booleans()), min_size=1, max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=_PAGES)
async def test_status_counts_are_the_records_held_whatever_the_pages(store, database_url, pages):
    """Counts are kept with each page (new ids, repeats within and across pages, vanished items, a page whose
    transaction fails) and always equal counting the records."""
    tenant = f"t{os.urandom(4).hex()}"
    await _org(store, tenant)
    run = await store.runs.start(tenant, "manual", 1.0)
    for entity, items, whole in pages:
        rows = [Row(x, None, v, json.dumps({"v": v})) for x, v in items]
        seen = [r.xero_id for r in rows] if entity == "Items" and whole else None
        await store.records.store_page(tenant, entity, rows, run_id=run, now=1.0, seen_all=seen)
        assert await store.records.counts(tenant) == await _counted(database_url, tenant)
    with pytest.raises(Exception):  # a page whose transaction fails (its run does not exist) counts nothing
        await store.records.store_page(tenant, "Invoices", [Row("zz", None, 1, "{}")], run_id=-1, now=1.0)
    assert await store.records.counts(tenant) == await _counted(database_url, tenant)


async def test_orgs_listed_together_share_reads(store, monkeypatch):
    await _org(store, "t1")
    reads = []
    fetchall = store.db.fetchall

    async def counted(sql, *args, **kwargs):
        if "FROM orgs ORDER BY" in sql:
            reads.append(sql)
        return await fetchall(sql, *args, **kwargs)

    monkeypatch.setattr(store.db, "fetchall", counted)
    first = asyncio.ensure_future(store.orgs.list())
    await _org(store, "t2")
    listed = await asyncio.gather(*(store.orgs.list() for _ in range(50)))
    assert [org.tenant_id for org in await first] in (["t1"], ["t1", "t2"])  # its read ran before or after
    assert all([org.tenant_id for org in one] == ["t1", "t2"] for one in listed)  # asked after the commit
    # 51 callers, at most three reads: the first; one the first of the fifty starts if that one was over by then;
    # one for every caller that came while a read ran
    assert len(reads) <= 3
    listed[0].clear()  # each caller has a list of its own
    assert len(listed[1]) == 2


async def test_a_shared_read_serves_a_caller_only_what_began_after_it_asked():
    from storage.orgs import SharedRead

    gates: list[asyncio.Event] = []
    state = {"committed": 0}

    async def read():
        seen = state["committed"]  # what a read sees is what was committed when it began
        gates.append(asyncio.Event())
        await gates[-1].wait()
        return seen

    shared = SharedRead(read)
    early = asyncio.ensure_future(shared())
    while not gates:  # the first read has begun
        await asyncio.sleep(0)
    state["committed"] = 1  # a write lands while the first read runs
    late = [asyncio.ensure_future(shared()) for _ in range(20)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(gates) == 1  # the late callers wait for the next read, not start their own
    gates[0].set()
    assert await early == 0
    while len(gates) < 2:
        await asyncio.sleep(0)
    gates[1].set()
    assert await asyncio.gather(*late) == [1] * 20
    assert len(gates) == 2


async def test_a_caller_cancelled_leaves_a_shared_read_to_the_others_and_a_failed_read_is_not_kept(store, monkeypatch):
    await _org(store, "t1")
    fetchall = store.db.fetchall
    failing, finished = [True], []

    async def flaky(sql, *args, **kwargs):
        if failing and "FROM orgs ORDER BY" in sql:
            failing.clear()
            raise ConnectionError("the database went away")
        rows = await fetchall(sql, *args, **kwargs)
        finished.append(sql)
        return rows

    monkeypatch.setattr(store.db, "fetchall", flaky)
    with pytest.raises(ConnectionError):
        await store.orgs.list()
    cancelled, kept = asyncio.ensure_future(store.orgs.list()), asyncio.ensure_future(store.orgs.list())
    await asyncio.sleep(0)
    cancelled.cancel()
    assert [org.tenant_id for org in await kept] == ["t1"]
    assert cancelled.cancelled()
    assert len(finished) == 2  # the read the cancelled caller started ran to its end (the other waited for it)


async def test_oauth_state_is_single_use_and_expires(store):
    await store.states.create("s1", "verifier", {"user": "U1"}, expires_at=100.0)
    flow = await store.states.consume("s1", now=50.0)
    assert flow.code_verifier == "verifier" and flow.payload == {"user": "U1"}
    assert await store.states.consume("s1", now=50.0) is None
    await store.states.create("s2", "v", {}, expires_at=100.0)
    assert await store.states.consume("s2", now=101.0) is None


async def test_a_failed_transaction_changes_nothing(store):
    await _org(store)
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.execute("UPDATE orgs SET name = 'Changed'")
            raise RuntimeError("crash in the middle")
    assert (await store.orgs.get("t1")).name == "Acme"


async def test_a_write_cancelled_at_any_moment_leaves_the_connection_usable(store):
    """Shutdown cancels syncs wherever they are: mid-BEGIN, mid-write, mid-COMMIT."""
    await _org(store)

    async def write(n):
        async with store.transaction() as tx:
            await tx.execute("UPDATE orgs SET name = ?", (f"name {n}",))

    for n in range(40):
        task = asyncio.create_task(write(n))
        for _ in range(n % 8):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await write("after")  # raises "cannot start a transaction within a transaction" if one was left open
        assert (await store.orgs.get("t1")).name == "name after"


async def test_sqlite_copies_its_wal_into_the_database_after_a_write_of_records(tmp_path):
    """The checkpointer (storage/sqlite.py) copies what a page wrote into the database file while the store stays
    open: a copy of the file alone, without its WAL, holds the records."""
    store = await Store.open(tmp_path / "xero.db", Secrets(["k"]))
    try:
        await _org(store)
        run = await store.runs.start("t1", "manual", 1.0)
        rows = [Row(f"{i:08d}-0000-4000-8000-000000000000", "DRAFT", 1000, "{}") for i in range(50)]
        await store.records.store_page("t1", "Invoices", rows, run_id=run, now=1.0)
        await store.db._checkpointing  # the checkpoint the write started
        (tmp_path / "copy.db").write_bytes((tmp_path / "xero.db").read_bytes())
        with closing(sqlite3.connect(tmp_path / "copy.db")) as copy:
            assert copy.execute("SELECT COUNT(*) FROM record_rows").fetchone()[0] == 50
    finally:
        await store.close()


async def test_the_database_its_wal_and_the_key_are_private_whatever_the_umask(tmp_path):
    data = tmp_path / "fresh" / "data"
    previous = os.umask(0)  # the most permissive an operator's shell could have
    try:
        key = load_or_create_key(data)
        store = await Store.open(f"sqlite:///{data}/xero-syncd.db", Secrets([key]))
        await store.orgs.update("nobody", 0.0, name="x")  # a write: SQLite creates its -wal and -shm
        files = sorted(p.name for p in data.iterdir())
        modes = {name: (data / name).stat().st_mode & 0o777 for name in files}
        await store.close()
    finally:
        os.umask(previous)
    assert files == ["secret.key", "xero-syncd.db", "xero-syncd.db-shm", "xero-syncd.db-wal"]
    assert set(modes.values()) == {0o600}, modes
    assert data.stat().st_mode & 0o777 == 0o700 and (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700


async def test_ids_of_any_shape_are_kept_as_xero_sent_them(store, database_url):
    """UUIDs as Xero writes them are keyed by their 16 bytes, anything else as text; both read back unchanged
    (a NUL, which PostgreSQL cannot hold, arrives as U+FFFD there)."""
    await _org(store)
    run = await store.runs.start("t1", "manual", 1.0)
    ids = ["243216c5-369e-4056-ac67-05388f86dc81", "243216C5-369E-4056-AC67-05388F86DC81", "USD", "a\x00b",
           "00000000-0000-0000-0000-000000000000"]
    rows = [Row(x, "ST\x00", 1, json.dumps({"id": x})) for x in ids]
    assert (await store.records.store_page("t1", "Currencies", rows, run_id=run, now=1.0)).added == len(ids)
    nul = "\ufffd" if store.db.dialect == "postgres" else "\x00"
    held = await stored.records(database_url, "t1", "Currencies")
    assert sorted(r["xero_id"] for r in held) == sorted(x.replace("\x00", nul) for x in ids)
    assert {r["status"] for r in held} == {f"ST{nul}"}
    streamed = [r["xero_id"] async for r in store.records.stream("t1", "Currencies", batch=2)]
    assert sorted(streamed) == sorted(x.replace("\x00", nul) for x in ids) and len(streamed) == len(ids)
    assert await store.records.counts("t1") == {"Currencies": len(ids)}

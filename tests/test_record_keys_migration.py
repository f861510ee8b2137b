"""Migrations 0019-0020 carry a store forward: records written as the daemon wrote them before (one `records`
table keyed by tenant, entity and Xero id, numbered in its change sequence) are re-keyed compactly, counted for
status, and an incremental sync over the migrated store leaves it matching the emulator record for record."""

import orjson

import pytest

from daemon.core.entities import DEFAULT_ENTITIES, ENTITIES
from daemon.xero.dates import to_ms
from storage.db import open_database
from storage.migrations import LEDGER, available
from tests import stored
from xero_emulator import EmulatorConfig

BEFORE = 19  # the first of these migrations
# How the daemon stored a page before them (storage/records.py as of migration 0018), one row per statement here.
OLD_UPSERT = (
    "INSERT INTO records (tenant_id, entity, xero_id, status, updated_ms, data, synced_at, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, entity, xero_id) DO UPDATE SET status = excluded.status,"
    " updated_ms = excluded.updated_ms, data = excluded.data, synced_at = excluded.synced_at, deleted = 0,"
    " seq = excluded.seq")
OLD_SEQ = "INSERT INTO record_seqs (tenant_id, entity, last_seq) VALUES (?, ?, ?)"
OLD_MARK = "INSERT INTO watermarks (tenant_id, entity, updated_ms) VALUES (?, ?, ?)"


@pytest.fixture
def emulator_config():
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=300, contacts=40, payments=60)


async def _old_store(database_url: str, emulator, tenant: str, synced_at: float) -> int:
    """The store as the daemon left it before these migrations, after a first sync of `tenant`: every record the
    emulator holds, the change sequence, and each paged entity's watermark. The number of records written."""
    db = open_database(database_url)
    await db.connect()
    written = 0
    try:
        await db.apply(LEDGER[db.dialect])
        for version, name, sql in available(db.dialect):
            if version < BEFORE:
                await db.apply(f"{sql}\nINSERT INTO schema_migrations (version, name) VALUES ({version}, '{name}');")
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO orgs (tenant_id, name, created_at, updated_at) VALUES (?, 'Acme', 0, 0)",
                             (tenant,))
            for name in DEFAULT_ENTITIES:
                entity = ENTITIES[name]
                records = emulator.state.records(tenant, name)
                for seq, record in enumerate(records, 1):
                    status = record.get(entity.status_field) if entity.status_field else None
                    await tx.execute(OLD_UPSERT, (
                        tenant, name, str(record[entity.id_field]), status if isinstance(status, str) else None,
                        to_ms(record.get("UpdatedDateUTC")) or 0, orjson.dumps(record).decode(), synced_at, seq))
                written += len(records)
                if records:
                    await tx.execute(OLD_SEQ, (tenant, name, len(records)))
                if entity.paged:
                    await tx.execute(OLD_MARK, (tenant, name, int((synced_at - 60) * 1000)))
    finally:
        await db.close()
    return written


async def test_a_store_written_before_the_compact_keys_is_carried_forward_and_syncs_on(make_daemon, emulator,
                                                                                     database_url, clock):
    tenant = emulator.state.tenants[0].tenant_id
    written = await _old_store(database_url, emulator, tenant, clock.time())
    old = {name: await stored.records(database_url, tenant, name) for name in DEFAULT_ENTITIES}
    await clock.advance(120)  # then, in Xero: an edit, a void, an archive, a hard delete
    invoices = emulator.state.records(tenant, "Invoices")
    emulator.state.update_record(tenant, "Invoices", invoices[0]["InvoiceID"], {"Reference": "after the upgrade"})
    emulator.state.void(tenant, "Invoices", invoices[1]["InvoiceID"])
    contact = emulator.state.records(tenant, "Contacts")[3]
    emulator.state.archive(tenant, "Contacts", contact["ContactID"])
    item = emulator.state.records(tenant, "Items")[2]
    emulator.state.hard_delete(tenant, "Items", item["ItemID"])

    daemon = await make_daemon()  # migrates the store
    assert await daemon.store.records.counts(tenant) == {n: len(rs) for n, rs in sorted(old.items()) if rs}
    for name in DEFAULT_ENTITIES:  # every record as it was, read through the `records` view
        assert await stored.records(daemon, tenant, name) == old[name], name
    emulator.state.clear_calls()
    await daemon.connect(emulator)
    await daemon.advance(0)

    run = await daemon.store.runs.latest(tenant)
    assert run.outcome == "success", run.error
    paged = [c for c in emulator.api_calls(tenant) if ENTITIES[_entity(c)].paged]
    assert paged and all(_since(c) for c in paged)  # incremental: from the migrated watermarks
    for name in DEFAULT_ENTITIES:  # record for record what the emulator holds
        entity = ENTITIES[name]
        truth = {str(r[entity.id_field]): r for r in emulator.state.records(tenant, name)}
        mine = {r["xero_id"]: r for r in await stored.records(daemon, tenant, name) if not r["deleted"]}
        assert mine.keys() == truth.keys(), name
        assert all(mine[x]["data"] == record for x, record in truth.items()), name
    gone = await stored.record(daemon, tenant, "Items", item["ItemID"])
    assert gone["deleted"] and gone["status"] == "DELETED"
    assert (await stored.record(daemon, tenant, "Invoices", invoices[1]["InvoiceID"]))["status"] == "VOIDED"
    assert sum((await daemon.store.records.counts(tenant)).values()) == written  # nothing new: the same records
    walk = await daemon.store.records.changes(tenant, "Invoices", len(invoices), 10)  # the sequence goes on
    assert {c.xero_id for c in walk} == {invoices[0]["InvoiceID"], invoices[1]["InvoiceID"]}


def _entity(call) -> str:
    return call.path.rstrip("/").split("/")[-1]


def _since(call) -> str | None:
    return next((v for k, v in call.headers.items() if k.lower() == "if-modified-since"), None)

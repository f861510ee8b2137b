"""The records API, GET /api/v1/orgs/{tenant_id}/{entity}: records as Xero sent them, with `_updated` and
`_deleted`, read with a cursor that sees each change once, even while a sync writes."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from daemon.core.entities import DEFAULT_ENTITIES, ENTITIES
from daemon.ops.cli import main
from storage.records import Row


@pytest.fixture
def operator_env(operator_env, settings):
    operator_env.setenv("DATABASE_URL", settings.database_url)
    operator_env.setenv("SECRET_KEY", ",".join(settings.secret_key))
    return operator_env


@pytest.fixture
async def key(operator_env, capsys):
    assert await asyncio.to_thread(main, ["api-key", "create", "reader"]) == 0
    return capsys.readouterr().out.strip()


async def read(daemon, key, tenant, entity, **query):
    resp = await daemon.client.get(f"/api/v1/orgs/{tenant}/{entity}", params=query,
                                   headers={"Authorization": f"Bearer {key}"})
    return resp.status, await resp.json()


async def walk(daemon, key, tenant, entity, *, cursor=None, limit=7, between=None, **query):
    """Every record from `cursor` to the end, a page at a time (calling `between` after each page); the records and
    the last cursor."""
    seen = []
    while True:
        status, body = await read(daemon, key, tenant, entity, limit=str(limit),
                                  **({"cursor": cursor} if cursor else {}), **query)
        assert status == 200, body
        seen += body["records"]
        cursor = body["next_cursor"]
        if between is not None:
            await between()
        if not body["has_more"]:
            return seen, cursor


async def test_after_a_sync_the_api_returns_what_the_emulator_holds(daemon, emulator, key):
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    for name in DEFAULT_ENTITIES:
        entity = ENTITIES[name]
        truth = {str(r[entity.id_field]): r for r in emulator.state.records(tenant, name)}
        got, _ = await walk(daemon, key, tenant, name, limit=1000)
        mine = {str(r[entity.id_field]): r for r in got}
        assert mine.keys() == truth.keys(), name
        for xero_id, record in mine.items():
            status = record.get(entity.status_field) if entity.status_field else None
            assert record.pop("_deleted") is (status == "DELETED") and record.pop("_updated").endswith("Z")
            assert record == truth[xero_id], (name, xero_id)


async def test_voided_archived_and_deleted_records_say_so(daemon, emulator, key):
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    _, cursors = {}, {}
    for name in ("Invoices", "Contacts", "Items"):
        _, cursors[name] = await walk(daemon, key, tenant, name, limit=1000)
    invoice = emulator.state.records(tenant, "Invoices")[1]["InvoiceID"]
    contact = emulator.state.records(tenant, "Contacts")[3]["ContactID"]
    item = emulator.state.records(tenant, "Items")[2]["ItemID"]
    await daemon.clock.advance(60)
    emulator.state.void(tenant, "Invoices", invoice)
    emulator.state.archive(tenant, "Contacts", contact)
    emulator.state.hard_delete(tenant, "Items", item)
    await daemon.advance(3600)

    [voided], _ = await walk(daemon, key, tenant, "Invoices", cursor=cursors["Invoices"])
    [archived], _ = await walk(daemon, key, tenant, "Contacts", cursor=cursors["Contacts"])
    [deleted], _ = await walk(daemon, key, tenant, "Items", cursor=cursors["Items"])
    assert (voided["InvoiceID"], voided["Status"], voided["_deleted"]) == (invoice, "VOIDED", False)
    assert (archived["ContactID"], archived["ContactStatus"], archived["_deleted"]) == (contact, "ARCHIVED", False)
    assert (deleted["ItemID"], deleted["_deleted"]) == (item, True)


async def test_a_walk_during_a_sync_sees_each_record_once_and_later_changes_come_back(daemon, emulator, key):
    """Pages of a sync are written between the walk's requests (through the store, as the engine writes them):
    records added and changed ahead of the walk are seen once, at their latest version; a record changed behind it
    comes back in the next walk from its cursor."""
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    store = daemon.store
    run = await store.runs.start(tenant, "manual", daemon.clock.time())
    coming = iter([[Row(f"new-{p}-{i}", "DRAFT", 2_000_000_000_000 + p, json.dumps({"InvoiceID": f"new-{p}-{i}"}))
                    for i in range(5)] for p in range(6)])
    before = {r["InvoiceID"] for r in emulator.state.records(tenant, "Invoices")}
    walked: list[dict] = []

    async def a_sync_page():
        page = next(coming, None)
        if page is not None:
            await store.records.store_page(tenant, "Invoices", page, run_id=run, now=daemon.clock.time())

    seen, cursor = await walk(daemon, key, tenant, "Invoices", limit=9, between=a_sync_page)
    walked += seen
    ids = [r["InvoiceID"] for r in walked]
    assert len(ids) == len(set(ids)) == len(before) + 30  # everything, each once, the sync's pages included
    assert before <= set(ids)

    first = walked[0]["InvoiceID"]  # passed long ago: changed now, it comes back from the last cursor, once
    changed = Row(first, "AUTHORISED", 2_100_000_000_000, json.dumps({"InvoiceID": first, "Reference": "again"}))
    await store.records.store_page(tenant, "Invoices", [changed], run_id=run, now=daemon.clock.time())
    again, _ = await walk(daemon, key, tenant, "Invoices", cursor=cursor)
    assert [(r["InvoiceID"], r["Reference"]) for r in again] == [(first, "again")]


async def test_modified_after_keeps_records_changed_after_it(daemon, emulator, key):
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    every, _ = await walk(daemon, key, tenant, "Invoices", limit=1000)
    middle = sorted(r["_updated"] for r in every)[len(every) // 2]
    later, _ = await walk(daemon, key, tenant, "Invoices", modified_after=middle.replace("Z", "+00:00"))
    assert later and all(r["_updated"] > middle for r in later)
    assert len(later) == sum(1 for r in every if r["_updated"] > middle)


async def test_bad_cursors_limits_dates_orgs_and_entities_are_refused_clearly(daemon, emulator, key, operator_env):
    await daemon.connect(emulator)
    await daemon.advance(0)
    nz, uk = (t.tenant_id for t in emulator.state.tenants)
    status, body = await read(daemon, key, nz, "Invoices", limit="2")
    assert status == 200 and len(body["records"]) == 2
    cursor = body["next_cursor"]
    assert (await read(daemon, key, nz, "Invoices", cursor=cursor))[0] == 200
    forged = base64.urlsafe_b64encode(b"1." + b"0" * 32).decode().rstrip("=")
    for bad in ("nope", forged, cursor[:-2], "%%%"):
        status, body = await read(daemon, key, nz, "Invoices", cursor=bad)
        assert status == 400 and "cursor" in body["error"]
    assert (await read(daemon, key, uk, "Invoices", cursor=cursor))[0] == 400  # another org's cursor
    assert (await read(daemon, key, nz, "Contacts", cursor=cursor))[0] == 400  # another entity's
    for limit in ("0", "1001", "-1", "ten", "1.5"):
        assert (await read(daemon, key, nz, "Invoices", limit=limit))[0] == 400
    for when in ("2026-11-24", "2026-11-24T09:00:00", "yesterday"):
        status, body = await read(daemon, key, nz, "Invoices", modified_after=when)
        assert status == 400 and "ISO-8601" in body["error"]
    assert (await read(daemon, key, "no-such-org", "Invoices"))[0] == 404
    assert (await read(daemon, key, nz, "Spaceships"))[0] == 404
    assert (await read(daemon, key, nz, "invoices"))[0] == 200  # the entity's name in any case

    assert await asyncio.to_thread(main, ["api-key", "revoke", "reader"]) == 0
    status, body = await read(daemon, key, nz, "Invoices")
    assert status == 401  # a revoked key is refused


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=st.one_of(st.none(), st.text(max_size=60), st.binary(max_size=40).map(
           lambda b: base64.urlsafe_b64encode(b).decode())),
       limit=st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 5000).map(str)),
       modified_after=st.one_of(st.none(), st.text(max_size=30), st.datetimes().map(lambda d: d.isoformat() + "Z")),
       entity=st.sampled_from(["Invoices", "Items", "x", "in voices"]))
async def test_any_query_is_answered_without_a_server_error(daemon, emulator, key, cursor, limit, modified_after,
                                                            entity):
    await daemon.connect(emulator)
    tenant = emulator.state.tenants[0].tenant_id
    query = {k: v for k, v in (("cursor", cursor), ("limit", limit), ("modified_after", modified_after))
             if v is not None}
    resp = await daemon.client.get(f"/api/v1/orgs/{tenant}/{entity}", params=query,
                                   headers={"Authorization": f"Bearer {key}"})
    assert resp.status in (200, 400, 404), await resp.text()
    body = await resp.json()
    assert ("records" in body) if resp.status == 200 else ("error" in body)

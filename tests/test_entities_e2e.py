"""End to end with the emulator, for each entity beyond receivables (SYNC_ENTITIES names it): the first sync stores
exactly what Xero serves, paged as its endpoint says (pages of 1000, Quotes' fixed pages of 100, Journals by
`offset`, or read whole); an edit and a void, delete or archive are picked up by the hourly sync and kept as the
entity table's `deletes` says; and an hourly sync with nothing changed makes one call for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from daemon.core.entities import ENTITIES, FIXED_PAGE, OFFSET_BATCH, PAGE_SIZE
from daemon.xero.dates import if_modified_since
from tests import stored
from tests.support import settings_for
from xero_emulator import EmulatorConfig

NEW = [name for name, entity in ENTITIES.items() if not entity.default]
JOURNALS = 330  # more than three batches of 100
QUOTES = 230  # three pages of 100

# How each entity is edited (a field laid over one record) and deleted, voided or archived in the emulator, and the
# status it is then stored with. Journals never change: an edit is a new journal, a void adds reversing ones.
CHANGES = {
    "BankTransactions": ("Reference", "void", "VOIDED"),
    "BankTransfers": ("Reference", "delete", "DELETED"),
    "ManualJournals": ("Narration", "void", "VOIDED"),
    "TrackingCategories": ("Name", "archive", "ARCHIVED"),
    "PurchaseOrders": ("Reference", "delete", "DELETED"),
    "Quotes": ("Reference", "delete", "DELETED"),
    "RepeatingInvoices": ("Reference", "delete", "DELETED"),
    "ContactGroups": ("Name", "delete", "DELETED"),
    "Users": ("FirstName", "delete", "REMOVED"),
}
ALLOWED_FROM = {"ManualJournals": "POSTED", "TrackingCategories": "ACTIVE", "ContactGroups": "ACTIVE"}


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=1, auto_approve=True, invoices=300, payments=120, journals=JOURNALS, quotes=QUOTES)


def truth(emulator, tenant_id: str, name: str) -> dict[str, dict]:
    """What Xero lists of an entity (every status: the daemon asks for archived and deleted ones where the spec
    lets it), by id. A contact group lists its contacts only when read by id."""
    entity = ENTITIES[name]
    records = emulator.state.records(tenant_id, name)
    if name == "ContactGroups":
        records = [{**r, "Contacts": []} for r in records]
    return {str(r[entity.id_field]): r for r in records}


async def held(daemon, tenant_id: str, name: str) -> dict[str, dict]:
    return {r["xero_id"]: r for r in await stored.records(daemon, tenant_id, name)}


def calls_for(emulator, tenant_id: str, name: str) -> list:
    return [c for c in emulator.api_calls(tenant_id) if c.path.rsplit("/", 1)[-1] == name]


def paging(entity, call) -> dict[str, str]:
    return {k: v for k, v in call.query.items() if k in ("page", "pageSize", "offset")}


def _position(query: dict[str, str]) -> tuple[int, int]:
    return int(query.get("page", 0)), int(query.get("offset", 0))


def first_sync_paging(entity) -> list[dict[str, str]]:
    """The calls a first sync makes, as the endpoint's paging in the spec says."""
    if entity.offset:
        return [{"offset": str(n)} for n in range(0, JOURNALS, OFFSET_BATCH)]
    if entity.paged and not entity.page_size:
        return [{"page": str(n)} for n in range(1, QUOTES // FIXED_PAGE + 2)]
    if entity.paged:
        return [{"page": "1", "pageSize": str(PAGE_SIZE)}]
    return [{}]


@pytest.mark.parametrize("name", NEW)
async def test_each_new_entity_first_sync_edit_delete_and_nothing_changed(make_daemon, emulator, tmp_path,
                                                                         database_url, name):
    entity = ENTITIES[name]
    daemon = await make_daemon(settings_=settings_for(emulator, tmp_path, DATABASE_URL=database_url,
                                                      SYNC_ENTITIES=name))
    tenant = emulator.state.tenants[0].tenant_id
    await daemon.connect(emulator)
    await daemon.advance(0)

    # the first sync: exactly what Xero lists, read the way its endpoint pages
    expected = truth(emulator, tenant, name)
    mine = await held(daemon, tenant, name)
    assert mine.keys() == expected.keys() and len(mine) > 1
    assert all(mine[i]["data"] == expected[i] and not mine[i]["deleted"] for i in expected)
    assert all(mine[i]["status"] == (expected[i].get(entity.status_field) if entity.status_field else None)
               for i in expected)
    asked = [paging(entity, c) for c in calls_for(emulator, tenant, name)]  # two pages may be asked for together:
    assert sorted(asked, key=_position) == first_sync_paging(entity)  # each once, whatever the order they came in
    if entity.offset:
        assert len(expected) == JOURNALS
    run = await daemon.store.runs.latest(tenant)
    assert (run.outcome, run.changed[name]) == ("success", len(expected))

    # an edit, and a void / delete / archive, picked up by the hourly sync
    await daemon.clock.advance(60)
    if entity.offset:
        added = emulator.state.add_record(tenant, "Journals")
        posted = next(m for m in emulator.state.records(tenant, "ManualJournals") if m["Status"] == "POSTED")
        emulator.state.void(tenant, "ManualJournals", posted["ManualJournalID"])
    else:
        field, action, status = CHANGES[name]
        records = list(expected.values())
        gone = next(r for r in records if r.get(entity.status_field) == ALLOWED_FROM.get(name, r.get(
            entity.status_field)) and r.get(entity.status_field) != status)
        edited = next(r for r in records if r is not gone and r.get(entity.status_field) != status)
        emulator.state.update_record(tenant, name, str(edited[entity.id_field]), {field: "edited by a test"})
        getattr(emulator.state, action)(tenant, name, str(gone[entity.id_field]))
    emulator.state.clear_calls()
    await daemon.advance(3600)

    run = await daemon.store.runs.latest(tenant)
    assert (run.outcome, run.trigger) == ("success", "schedule")
    now = truth(emulator, tenant, name)
    mine = await held(daemon, tenant, name)
    assert mine.keys() == now.keys() and all(mine[i]["data"] == now[i] for i in now)
    if entity.offset:  # never changed: the new journals are added after the last one read, with its number
        assert entity.deletes.startswith("never")
        assert len(now) == JOURNALS + 2  # the new one, then the void's reversal
        assert mine[added["JournalID"]]["data"] == added
        assert all(mine[i]["data"] == expected[i] for i in expected)  # the journals read before are untouched
        [call] = calls_for(emulator, tenant, name)
        assert call.query["offset"] == str(JOURNALS) and call.headers.get("If-Modified-Since")
        assert run.changed[name] == 2
    else:
        assert entity.deletes == "status"
        assert mine[str(edited[entity.id_field])]["data"][field] == "edited by a test"
        kept = mine[str(gone[entity.id_field])]
        assert (kept["status"], kept["deleted"]) == (status, False)  # kept, with the status Xero gives it
        assert run.changed[name] == 2

    # nothing changed: one call, nothing written
    emulator.state.clear_calls()
    await daemon.advance(3600)
    run = await daemon.store.runs.latest(tenant)
    assert (run.outcome, run.api_calls, run.total_changed) == ("success", 1, 0)
    [call] = calls_for(emulator, tenant, name)
    if entity.offset:
        assert call.query["offset"] == str(JOURNALS + 2)


async def test_journals_resume_after_the_last_batch_stored_and_a_reset_reads_from_its_date(
        make_daemon, emulator, tmp_path, database_url):
    daemon = await make_daemon(settings_=settings_for(emulator, tmp_path, DATABASE_URL=database_url,
                                                      SYNC_ENTITIES="Journals"))
    tenant = emulator.state.tenants[0].tenant_id
    emulator.state.inject_fault("no_list", tenant_id=tenant, entity="Journals", count=1, after=2)  # the 3rd batch
    await daemon.connect(emulator)
    await daemon.advance(0)
    run = await daemon.store.runs.latest(tenant)
    assert run.outcome == "failed" and "no Journals list" in run.error
    assert len(await stored.records(daemon, tenant, "Journals")) == 2 * OFFSET_BATCH  # two batches, kept

    emulator.state.clear_calls()
    report = await daemon.service.sync(tenant)
    assert report.run.outcome == "success"
    calls = calls_for(emulator, tenant, "Journals")
    assert [c.query["offset"] for c in calls] == ["200", "300"]  # on from the last batch stored
    assert all("If-Modified-Since" not in c.headers for c in calls)  # the first sync never finished: all of it
    assert len(await stored.records(daemon, tenant, "Journals")) == JOURNALS

    since = emulator.state.records(tenant, "Journals")[150]["CreatedDateUTC"]
    day = datetime.fromtimestamp(int(since[6:19]) / 1000, UTC).date() + timedelta(days=1)
    await daemon.service.reset(tenant, day)
    [status] = await daemon.service.status(tenant)
    emulator.state.clear_calls()
    await daemon.service.sync(tenant)
    calls = calls_for(emulator, tenant, "Journals")
    assert calls[0].query["offset"] == "0"  # from the first journal again, changed since the reset's date
    assert {c.headers["If-Modified-Since"] for c in calls} == {if_modified_since(int(status.sync_from * 1000))}
    assert len(await stored.records(daemon, tenant, "Journals")) == JOURNALS

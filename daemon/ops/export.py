"""`xero-syncd export`: what has been synced for one org, for the people who use the data.

One entity, the invoices' line items (`InvoiceLineItems`), or every one of them (`all`: one file each into a folder,
or one JSON lines stream with an `entity` field); `--since DATE` keeps the records updated on or after that day,
midnight in the organisation's time zone (its stored `Organisation.Timezone`; UTC when unknown). The rows are
written by `export_rows.py`, the files opened by `export_output.py`.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import AsyncIterator, TextIO

from daemon.core.crypto import Secrets
from daemon.core.entities import ENTITIES
from daemon.core.errors import CommandError
from daemon.core.settings import Settings
from daemon.core.zones import zone_of
from daemon.ops.export_output import ExportError, file_target, folder_target
from daemon.ops.export_rows import LINE_ITEMS, Table, line_item_table, record_table, write_csv, write_jsonl
from daemon.sync.matching import match_orgs
from daemon.xero.timezones import iana_zone
from storage import Store
from storage.db import open_database
from storage.orgs import Org

__all__ = ["ALL", "ExportError", "ExportRequest", "export", "match_entity"]
ALL = "all"
TABLES = [*ENTITIES, LINE_ITEMS]


@dataclass(frozen=True)
class ExportRequest:
    org: str                 # a name (case-insensitive prefix) or a tenant id
    entity: str              # an entity, InvoiceLineItems, or all
    fmt: str | None = None   # csv | jsonl; None: csv, except every entity to standard output (jsonl)
    output: Path | None = None
    since: date | None = None


async def export(settings: Settings, request: ExportRequest, stdout: TextIO) -> str:
    """Write what `request` asks for; a sentence saying what was written (for standard error)."""
    names = TABLES if match_entity(request.entity) == ALL else [match_entity(request.entity)]
    fmt = _format(request, every=len(names) > 1)
    if not settings.shared_database and not settings.database_path.is_file():
        raise ExportError(f"no database at {settings.database_path}: has the daemon run with this DATABASE_URL?")
    db = open_database(settings.database_url)
    await db.connect()
    try:
        store = Store(db, Secrets(("export-reads-no-secrets",)))  # records are not encrypted; tokens are not read
        org = match_org(await store.orgs.list(), request.org)
        since_ms, since_text = await _since(store, org, request.since)
        tables = [_table(store, org.tenant_id, name, since_ms) for name in names]
        counts = await _write(tables, fmt, request.output, stdout, every=len(names) > 1)
    finally:
        await db.close()
    return _summary(org, counts, request.output, since_text)


def match_entity(entity: str) -> str:
    wanted = entity.strip().lower()
    for name in (*TABLES, ALL):
        if name.lower() == wanted:
            return name
    raise ExportError(f"unknown entity {entity!r}; known: {', '.join(TABLES)}, or all")


def match_org(orgs: list[Org], query: str) -> Org:
    """The same rule as the Slack commands (daemon/sync/matching.py)."""
    try:
        return match_orgs(orgs, query)[0]
    except CommandError as err:
        raise ExportError(str(err)) from None


def _format(request: ExportRequest, *, every: bool) -> str:
    if not (every and request.output is None):
        return request.fmt or "csv"
    if request.fmt == "csv":
        raise ExportError("--entity all writes CSV only into a folder (--output DIR, one file per entity); "
                          "to standard output it writes JSON lines (--format jsonl)")
    return "jsonl"


async def _since(store: Store, org: Org, day: date | None) -> tuple[int | None, str | None]:
    """The first millisecond of `day` where the organisation is (its zone as the sync learnt it from Xero's
    `Organisation.Timezone`; read from the synced record when the org has not been synced since), and how it
    was read."""
    if day is None:
        return None, None
    name = org.timezone
    if name is None:
        async for record in store.records.stream(org.tenant_id, "Organisation"):
            name = iana_zone(record["data"].get("Timezone"))
    if name is None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return int(start.timestamp() * 1000), f"updated on or after {day} 00:00 UTC (the organisation's time zone " \
                                              "is not known yet)"
    start = datetime(day.year, day.month, day.day, tzinfo=zone_of(name))
    return int(start.timestamp() * 1000), f"updated on or after {day} 00:00 {name} (the organisation's time zone)"


def _table(store: Store, tenant_id: str, name: str, since_ms: int | None) -> Table:
    entity = "Invoices" if name == LINE_ITEMS else name

    async def records() -> AsyncIterator[dict]:
        async for record in store.records.stream(tenant_id, entity):
            if since_ms is None or (record["updated_ms"] or 0) >= since_ms:  # 0: Xero gave no date
                yield record

    return line_item_table(records) if name == LINE_ITEMS else record_table(name, records)


async def _write(tables: list[Table], fmt: str, output: Path | None, stdout: TextIO, *,
                 every: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    if every and output is not None:
        folder = folder_target(output)
        for table in tables:
            with file_target(folder / f"{table.name}.{fmt}") as out:
                counts[table.name] = await _write_one(table, fmt, out, tagged=False)
        return counts
    with file_target(output) if output is not None else nullcontext(stdout) as out:
        for table in tables:
            counts[table.name] = await _write_one(table, fmt, out, tagged=every)
    return counts


async def _write_one(table: Table, fmt: str, out: TextIO, *, tagged: bool) -> int:
    return await (write_csv(table, out) if fmt == "csv" else write_jsonl(table, out, tagged=tagged))


def _summary(org: Org, counts: dict[str, int], output: Path | None, since: str | None) -> str:
    if len(counts) == 1:
        ((name, n),) = counts.items()
        text = f"exported {n} {name} of {org.name} ({org.tenant_id})"
    else:
        text = f"exported {org.name} ({org.tenant_id}): " + ", ".join(f"{name} {n}" for name, n in counts.items())
    return text + (f" to {output}" if output else "") + (f", {since}" if since else "")

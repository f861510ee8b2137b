"""`xero-syncd export`: what has been synced for one org and entity, for the people who use the data.

CSV: xero_id, status, updated (ISO 8601, UTC), deleted, then the record's scalar fields flattened one level
(`Total`, `Contact.Name`, ...), with Xero's `/Date(ms+zzzz)/` values written as ISO dates. JSON lines: one object per
record with the same leading fields and the record as Xero sent it under `data`.
"""

from __future__ import annotations

import csv
import json
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import AsyncIterator, TextIO

from daemon.core.crypto import Secrets
from daemon.core.entities import ENTITIES
from daemon.core.errors import CommandError, XeroSyncdError
from daemon.core.settings import Settings
from daemon.sync.matching import match_orgs
from daemon.xero.dates import json_date_ms
from storage import Store
from storage.db import open_database
from storage.orgs import Org

HEAD = ["xero_id", "status", "updated", "deleted"]
SKIP = {"UpdatedDateUTC"}


class ExportError(XeroSyncdError):
    """Bad input to an export (no database, unknown org or entity): shown as is."""


async def export(settings: Settings, org_query: str, entity: str, fmt: str, output: Path | None,
                 stdout: TextIO) -> tuple[int, str]:
    """Write one org's records of one entity to `output` (or `stdout`); the count and a label of what it was."""
    name = match_entity(entity)
    if not settings.shared_database and not settings.database_path.is_file():
        raise ExportError(f"no database at {settings.database_path}: has the daemon run with this DATABASE_URL?")
    db = open_database(settings.database_url)
    await db.connect()
    try:
        store = Store(db, Secrets(("export-reads-no-secrets",)))  # records are not encrypted; tokens are not read
        org = match_org(await store.orgs.list(), org_query)
        target = open(output, "w", newline="", encoding="utf-8") if output else nullcontext(stdout)

        def records() -> AsyncIterator[dict]:
            return store.records.stream(org.tenant_id, name)

        with target as out:
            count = await (write_csv(records, name, out) if fmt == "csv" else write_jsonl(records(), out))
    finally:
        await db.close()
    return count, f"{name} of {org.name} ({org.tenant_id})"


def match_entity(entity: str) -> str:
    for name in ENTITIES:
        if name.lower() == entity.strip().lower():
            return name
    raise ExportError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")


def match_org(orgs: list[Org], query: str) -> Org:
    """The same rule as the Slack commands (daemon/sync/matching.py)."""
    try:
        return match_orgs(orgs, query)[0]
    except CommandError as err:
        raise ExportError(str(err)) from None


async def write_jsonl(records: AsyncIterator[dict], out: TextIO) -> int:
    count = 0
    async for record in records:
        line = {**_head(record), "data": record["data"]}
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


async def write_csv(records, entity: str, out: TextIO) -> int:
    """`records()` is called twice: once to learn the columns, once to write the rows."""
    skip = SKIP | {ENTITIES[entity].id_field, ENTITIES[entity].status_field or ""}
    columns: dict[str, None] = {}
    async for record in records():
        columns.update(dict.fromkeys(k for k in flatten(record["data"]) if k not in skip))
    writer = csv.DictWriter(out, fieldnames=HEAD + list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    async for record in records():
        head = _head(record)
        writer.writerow({**flatten(record["data"]), **head, "deleted": str(head["deleted"]).lower()})
        count += 1
    return count


def flatten(data: dict) -> dict[str, object]:
    """Top-level scalars, and the scalars of top-level objects as `Parent.Field`; lists are left out."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": _scalar(v) for k, v in value.items() if _is_scalar(v)})
        elif _is_scalar(value):
            flat[key] = _scalar(value)
    return flat


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _scalar(value: object) -> object:
    ms = json_date_ms(value)
    if ms is not None:
        return _iso(ms)
    if isinstance(value, bool):
        return str(value).lower()
    return value


def _head(record: dict) -> dict:
    return {"xero_id": record["xero_id"], "status": record["status"],
            "updated": _iso(record["updated_ms"]) if record["updated_ms"] else None, "deleted": record["deleted"]}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")

"""What `xero-syncd export` writes: tables of rows, as CSV or JSON lines.

A table is the stored records of one entity (leading fields xero_id, status, updated, deleted), or the line items of
the stored invoices (invoice_id, invoice_number, invoice_status, invoice_updated, line). CSV follows them with the
object's scalar fields flattened one level (`Total`, `Contact.Name`, ...), Xero's `/Date(ms+zzzz)/` values written as
ISO 8601; JSON lines carry the object as Xero sent it under `data`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import AsyncIterator, Callable, TextIO

from daemon.core.entities import ENTITIES
from daemon.xero.dates import json_date_ms

LINE_ITEMS = "InvoiceLineItems"
HEAD = ["xero_id", "status", "updated", "deleted"]
LINE_HEAD = ["invoice_id", "invoice_number", "invoice_status", "invoice_updated", "line"]

Records = Callable[[], AsyncIterator[dict]]  # stored records, as storage's `records.stream` yields them
Row = tuple[dict, dict]  # (the leading fields, the object as Xero sent it)


def flatten(data: dict) -> dict[str, object]:
    """Top-level scalars, and the scalars of top-level objects as `Parent.Field`; lists are left out."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": _scalar(v) for k, v in value.items() if _is_scalar(v)})
        elif _is_scalar(value):
            flat[key] = _scalar(value)
    return flat


def _line_cells(line: dict) -> dict[str, object]:
    """A line item's scalars, and its tracking as `Region=North; Salesperson=Ana`."""
    cells = flatten(line)
    tracking = [t for t in line.get("Tracking") or [] if isinstance(t, dict)]
    if tracking:
        cells["Tracking"] = "; ".join(f"{t.get('Name', '')}={t.get('Option', '')}" for t in tracking)
    return cells


@dataclass(frozen=True)
class Table:
    name: str
    head: list[str]
    rows: Callable[[], AsyncIterator[Row]]  # called once per pass: CSV reads twice (its columns, then its rows)
    skip: frozenset[str] = frozenset()      # fields of the object the leading fields already hold
    cells: Callable[[dict], dict] = field(default=flatten)


def record_table(entity: str, records: Records) -> Table:
    async def rows() -> AsyncIterator[Row]:
        async for record in records():
            yield _head(record), record["data"]

    spec = ENTITIES[entity]
    return Table(entity, HEAD, rows, frozenset({"UpdatedDateUTC", spec.id_field, spec.status_field or ""}))


def line_item_table(invoices: Records) -> Table:
    """One row per line of every stored invoice, the invoice's id and number first."""

    async def rows() -> AsyncIterator[Row]:
        async for invoice in invoices():
            data = invoice["data"]
            for number, line in enumerate(data.get("LineItems") or [], start=1):
                if isinstance(line, dict):
                    head = {"invoice_id": invoice["xero_id"], "invoice_number": data.get("InvoiceNumber"),
                            "invoice_status": invoice["status"], "invoice_updated": _updated(invoice), "line": number}
                    yield head, line

    return Table(LINE_ITEMS, LINE_HEAD, rows, cells=_line_cells)


async def write_jsonl(table: Table, out: TextIO, *, tagged: bool = False) -> int:
    """One object per row; `tagged`: each starts with `"entity": <table name>` (every entity in one stream)."""
    count = 0
    tag = {"entity": table.name} if tagged else {}
    async for head, data in table.rows():
        out.write(json.dumps({**tag, **head, "data": data}, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


async def write_csv(table: Table, out: TextIO) -> int:
    columns: dict[str, None] = {}
    async for _, data in table.rows():
        columns.update(dict.fromkeys(k for k in table.cells(data) if k not in table.skip and k not in table.head))
    writer = csv.DictWriter(out, fieldnames=table.head + list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    async for head, data in table.rows():
        writer.writerow({**table.cells(data), **{k: _scalar(v) for k, v in head.items()}})
        count += 1
    return count


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _scalar(value: object) -> object:
    ms = json_date_ms(value)
    if ms is not None:
        return iso(ms)
    if isinstance(value, bool):
        return str(value).lower()
    return value


def _head(record: dict) -> dict:
    return {"xero_id": record["xero_id"], "status": record["status"], "updated": _updated(record),
            "deleted": record["deleted"]}


def _updated(record: dict) -> str | None:
    return iso(record["updated_ms"]) if record["updated_ms"] else None


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")

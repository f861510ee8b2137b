"""A Xero answer decoded for the store: run where the client decodes the body (the page decoder process for a
large page, `daemon/xero/decoding.py`), so only rows come back.

This module is what the decoder process imports (pickled functions are imported by name there): it imports only
orjson, the entity table, Xero's dates and the error tree, not the sync or the store. Importing the sync engine
there cost the worker ~50 MB of its 75 MB peak. Rows come back as plain tuples in `storage.records.Row`'s field
order (xero_id, status, updated_ms, data) for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from daemon.core.entities import Entity
from daemon.core.errors import XeroMalformedAnswer
from daemon.xero.dates import to_ms

RowTuple = tuple[str, "str | None", int, str]  # storage.records.Row's fields: xero_id, status, updated_ms, data
NUMBER = "JournalNumber"  # what `offset` counts in


@dataclass(frozen=True)
class Page:
    """One answer, encoded for the store."""

    rows: list[RowTuple]
    last: bool  # no page after this one
    odd_dates: int  # records dated beyond Xero's time
    page_count: int | None = None  # how many pages Xero says there are (when it says)
    last_number: int | None = None  # read by offset: the highest JournalNumber in this batch


def decode_page(entity: Entity, page: int, ceiling_ms: int, payload: dict) -> Page:
    """One page of a paged entity. Without `pagination` (the spec does not promise it), a full page may have a
    next one."""
    items = _items(entity, payload)
    rows, odd = _encode(entity, items, ceiling_ms)
    pagination = payload.get("pagination")
    page_count = pagination.get("pageCount") if isinstance(pagination, dict) else None
    if isinstance(page_count, int) and not isinstance(page_count, bool):
        return Page(rows, page >= page_count or not items, odd, page_count)
    return Page(rows, len(items) < entity.per_call, odd)


def decode_batch(entity: Entity, after: int, ceiling_ms: int, payload: dict) -> Page:
    """One `offset` batch of journals: the last unless it is full. A full batch whose numbers do not pass the
    offset would be asked for again for ever: malformed."""
    items = _items(entity, payload)
    rows, odd = _encode(entity, items, ceiling_ms)
    numbers = [n for n in (item.get(NUMBER) for item in items) if isinstance(n, int) and not isinstance(n, bool)]
    last_number = max(numbers, default=None)
    if len(items) < entity.per_call:
        return Page(rows, True, odd, last_number=last_number if last_number and last_number > after else None)
    if last_number is None or last_number <= after:
        raise XeroMalformedAnswer(f"{entity.name}: a full batch after {NUMBER} {after} brought none beyond it")
    return Page(rows, False, odd, last_number=last_number)


def decode_whole(entity: Entity, ceiling_ms: int, payload: dict) -> Page:
    rows, odd = _encode(entity, _items(entity, payload), ceiling_ms)
    return Page(rows, True, odd)


def _items(entity: Entity, payload: object) -> list[dict]:
    """The answer's list of records. Absent (or not a list), the answer is malformed: only a present, empty list
    means there is nothing (for an entity read whole: that everything is gone)."""
    items = payload.get(entity.key) if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise XeroMalformedAnswer(f"{entity.name}: Xero's answer has no {entity.key} list")
    return [item for item in items if isinstance(item, dict)]


def _encode(entity: Entity, items: list[dict], ceiling_ms: int) -> tuple[list[RowTuple], int]:
    rows, odd, encode = [], 0, orjson.dumps
    for item in items:
        xero_id = item.get(entity.id_field)
        if not xero_id or not isinstance(xero_id, (str, int)):
            continue  # a record without its identity cannot be stored idempotently; Xero always sends it
        status = item.get(entity.status_field) if entity.status_field else None
        stamp = item.get(entity.stamp) if entity.stamp else None
        updated = to_ms(stamp) or 0
        if updated > ceiling_ms or (updated == 0 and stamp):
            updated, odd = 0, odd + 1  # out of range: stored as given, the version order not trusted to it
        try:
            data = encode(item).decode()
        except orjson.JSONEncodeError as err:  # nested deeper than JSON text we write can be: not a Xero record
            raise XeroMalformedAnswer(f"{entity.name}: a record Xero sent cannot be stored ({err})") from None
        rows.append((str(xero_id), status if isinstance(status, str) else None, updated, data))
    return rows, odd

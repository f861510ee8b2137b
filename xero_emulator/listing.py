"""The body of an Accounting API answer: which records a query selects, in which order, paged how, rendered how.

Paging follows each endpoint's parameters in Xero's OpenAPI description: `page` and `pageSize` with a `pagination`
object (Invoices, BankTransactions, ...), `page` alone with 100 records a page and no `pagination` (Quotes),
`offset` by JournalNumber with at most 100 journals a call (Journals), or everything at once.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping

from .dates import ms_plain, parse_if_modified_since
from .entities import EntitySpec
from .table import Table, dumps

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, JOURNALS_PER_CALL = 100, 1000, 100


class BadRequest(ValueError):
    pass


def wants_exact(spec: EntitySpec, query: Mapping[str, str]) -> bool:
    """`unitdp=4` on an endpoint that offers it: unit amounts with their four decimals."""
    return spec.unitdp and query.get("unitdp", "").strip() == "4"


def single(spec: EntitySpec, table: Table, record_id: str, query: Mapping[str, str]) -> bytes | None:
    """The one record, as a list of one; None when there is none. Journals are found by number too."""
    found = next((r for r in (record_id, record_id.lower()) if r in table), None)
    if found is None and spec.offset and record_id.isdigit() and int(record_id) > 0:
        found = next(iter(table.after(int(record_id) - 1)[0:1]), None)
    if found is None:
        return None
    return _shape(spec, table.json(found, rounded=spec.rounded and not wants_exact(spec, query)), query, True)


def select(spec: EntitySpec, table: Table, query: Mapping[str, str], headers: Mapping[str, str]) \
        -> tuple[list[str], dict | None]:
    """The ids a listing answers with, and its `pagination` object (None when the endpoint sends none)."""
    since = parse_if_modified_since(headers.get("If-Modified-Since")) if spec.modified_since else None
    if spec.offset:
        offset = max(0, _integer(query, "offset", 0))
        return table.after(offset, since)[0:JOURNALS_PER_CALL], None
    desc = "DESC" in query.get("order", "").upper()
    ids = table.select(since, desc, _filter(spec, table, query))
    if not spec.paged:
        return ids[0:len(ids)], None
    page = max(1, _integer(query, "page", 1))
    size = min(MAX_PAGE_SIZE, max(1, _integer(query, "pageSize", DEFAULT_PAGE_SIZE))) if spec.page_size \
        else DEFAULT_PAGE_SIZE
    chunk = ids[(page - 1) * size:page * size]
    if not spec.page_size:
        return chunk, None
    return chunk, {"page": page, "pageSize": size, "pageCount": math.ceil(len(ids) / size), "itemCount": len(ids)}


def listing(spec: EntitySpec, table: Table, query: Mapping[str, str], headers: Mapping[str, str]) \
        -> tuple[list[bytes], dict | None]:
    ids, pagination = select(spec, table, query, headers)
    rounded = spec.rounded and not wants_exact(spec, query)
    return [_shape(spec, table.json(i, rounded=rounded), query, False) for i in ids], pagination


def envelope(spec: EntitySpec, provider: str, now_ms: int, items: list[bytes], pagination: dict | None = None) \
        -> bytes:
    head = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": provider, "DateTimeUTC": ms_plain(now_ms)}
    if pagination is not None:
        head["pagination"] = pagination
    opening = json.dumps(head, separators=(",", ":"))[:-1].encode()
    return b"".join((opening, b',"', spec.key.encode(), b'":[', b",".join(items), b"]}"))


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").strip().lower() == "true"


def _filter(spec: EntitySpec, table: Table, query: Mapping[str, str]) -> Callable[[str], bool] | None:
    """The record filters the emulator honours: includeArchived/includeDeleted, IDs, Statuses (or Status)."""
    tests: list[Callable[[str], bool]] = []
    if spec.hidden and not _flag(query, spec.hidden[0]):
        hidden = spec.hidden[1]
        tests.append(lambda rid: table.status(rid) != hidden)
    if query.get("IDs"):
        wanted = {x.strip().lower() for x in query["IDs"].split(",")}
        tests.append(lambda rid: rid.lower() in wanted)
    if query.get(spec.status_filter) and spec.status_key:
        statuses = {x.strip().upper() for x in query[spec.status_filter].split(",")}
        tests.append(lambda rid: table.status(rid) in statuses)
    if not tests:
        return None
    return lambda rid: all(test(rid) for test in tests)


def _shape(spec: EntitySpec, raw: bytes, query: Mapping[str, str], single_record: bool) -> bytes:
    """Per-endpoint details: archived tracking options need includeArchived; a group lists its contacts only
    when asked for by id."""
    if spec.name == "TrackingCategories" and not _flag(query, "includeArchived"):
        doc = json.loads(raw)
        doc["Options"] = [o for o in doc.get("Options") or [] if o.get("Status") != "ARCHIVED"]
        return dumps(doc)
    if spec.name == "ContactGroups" and not single_record:
        return dumps({**json.loads(raw), "Contacts": []})
    return raw

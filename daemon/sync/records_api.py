"""The records API's reading: an org's records of one entity, in the order they changed, a page at a time.

A page is what `Records.changes` returns after the cursor's place in the entity's change sequence; the next cursor
is the last record's number, signed (an HMAC bound to the org and entity with a key derived from SECRET_KEY) and
base64url-encoded: opaque to callers, and a made-up or mangled cursor is refused with 400 rather than read as
something. The sequence follows commit order, so a walk from a cursor sees each change once even while a sync is
writing, and a record changed after the walk passed it comes back further on.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from daemon.core.crypto import Secrets
from daemon.core.entities import ENTITIES
from daemon.core.errors import ApiRefused
from storage import Store
from storage.records import Change

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


@dataclass(frozen=True)
class RecordsPage:
    records: list[str]  # each the record's JSON as Xero sent it, with `_updated` and `_deleted` added
    next_cursor: str  # where to read on from (also when this page is empty: the same place)
    has_more: bool  # more records wait after this page now


class RecordsApi:
    def __init__(self, store: Store, secrets: Secrets) -> None:
        self._store = store
        self._secrets = secrets

    async def page(self, tenant_id: str, entity: str, *, cursor: str | None, limit: str | None,
                   modified_after: str | None) -> RecordsPage:
        """One page of records (the query's raw words: ApiRefused 400 when one is malformed, 404 for an org or
        entity unknown)."""
        name = _entity(entity)
        if await self._store.orgs.get(tenant_id) is None:
            raise ApiRefused(404, "no organisation with this tenant id is connected")
        count = _limit(limit)
        after = self._place(cursor, tenant_id, name) if cursor else 0
        since = _instant(modified_after) if modified_after else None
        changes = await self._store.records.changes(tenant_id, name, after, count + 1, modified_after_ms=since)
        more = len(changes) > count
        changes = changes[:count]
        last = changes[-1].seq if changes else after
        return RecordsPage([_shown(c) for c in changes], self._cursor(tenant_id, name, last), more)

    def _cursor(self, tenant_id: str, entity: str, seq: int) -> str:
        mac = self._secrets.mac(f"{tenant_id}\n{entity}\n{seq}")
        return base64.urlsafe_b64encode(f"{seq}.{mac}".encode()).decode().rstrip("=")

    def _place(self, cursor: str, tenant_id: str, entity: str) -> int:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            seq, _, mac = text.partition(".")
            if not seq.isdigit() or len(seq) > 19:
                raise ValueError(seq)
        except (ValueError, binascii.Error, UnicodeError):
            raise ApiRefused(400, "cursor is not one this API gave out: use next_cursor as it came") from None
        if not self._secrets.check_mac(f"{tenant_id}\n{entity}\n{int(seq)}", mac):
            raise ApiRefused(400, "cursor is not one this API gave out for this organisation and entity")
        return int(seq)


def _entity(word: str) -> str:
    found = {name.lower(): name for name in ENTITIES}.get(word.lower())
    if found is None:
        raise ApiRefused(404, f"no entity called {word[:60]!r}; known: {', '.join(ENTITIES)}")
    return found


def _limit(word: str | None) -> int:
    if word is None or word == "":
        return DEFAULT_LIMIT
    if not (word.isascii() and word.isdigit() and 1 <= len(word) <= 4 and 1 <= int(word) <= MAX_LIMIT):
        raise ApiRefused(400, f"limit must be a whole number from 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})")
    return int(word)


def _instant(word: str) -> int:
    """An ISO-8601 date and time with its offset (2026-11-24T09:00:00Z), in ms."""
    try:
        when = datetime.fromisoformat(word)
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError(word)
        return int(when.timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        raise ApiRefused(400, "modified_after must be an ISO-8601 date and time with its offset, e.g. "
                              "2026-11-24T09:00:00Z") from None


def _shown(change: Change) -> str:
    """The record's JSON with `_updated` (ISO-8601 UTC) and `_deleted` added (spliced: not parsed and rewritten)."""
    updated = datetime.fromtimestamp(change.updated_ms / 1000, UTC).isoformat(timespec="milliseconds")
    extra = f'"_updated":"{updated.replace("+00:00", "Z")}","_deleted":{"true" if change.deleted else "false"}'
    inner = change.data.strip()[1:-1].strip()
    return "{" + inner + ("," if inner else "") + extra + "}"

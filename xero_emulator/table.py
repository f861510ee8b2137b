"""One entity of one organisation: records in UpdatedDateUTC order, each kept as its serialized JSON.

Seeded records are rendered on first read (and cached as bytes, unless `keep_rendered` is off: thousands of orgs),
so a hundred thousand invoices cost little until they are asked for. A change replaces the record and moves its key to its new place in the order; nothing else is
re-sorted. Where unit amounts can have four decimals, a record that has some is also kept rendered with them
rounded to two (what an answer without `unitdp=4` shows).
"""

from __future__ import annotations

import json
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable

Render = Callable[[int, int], dict]  # (seeded index, stamp ms) -> record
Rounder = Callable[[dict], "dict | None"]  # record -> the record as served without unitdp=4, None when the same


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def dumps(record: dict) -> bytes:
    return _ENCODER.encode(record).encode()


class Table:
    def __init__(self, id_key: str, status_key: str | None, ids: list[str], stamps: list[int],
                 render: Render, statuses: Iterable[str] | None = None, rounder: Rounder | None = None) -> None:
        self.id_key = id_key
        self.status_key = status_key
        self._render = render
        self._rounder = rounder
        self._rounded: dict[str, bytes] = {}  # records whose unit amounts have more than 2 decimals, rounded
        self._seeded_ids, self._seeded_stamps = ids, stamps
        self._seeded: dict[str, int] = {rid: i for i, rid in enumerate(ids)}
        self._stamp: dict[str, int] = dict(zip(ids, stamps))
        self._keys: list[tuple[int, str]] = sorted(zip(stamps, ids))
        self._docs: dict[str, dict] = {}
        self._json: dict[str, bytes] = {}
        self._status: dict[str, str] = dict(zip(ids, statuses)) if statuses is not None else {}
        self.seeded_count = len(ids)
        self.keep_rendered = True  # False: seeded records are rendered on every read, never kept (less memory)

    @classmethod
    def of_records(cls, id_key: str, status_key: str | None, records: list[dict], stamps: list[int],
                   rounder: Rounder | None = None) -> Table:
        """A small table whose records are built up front."""
        ids = [str(r[id_key]) for r in records]
        statuses = [str(r.get(status_key, "")) for r in records] if status_key else None
        return cls(id_key, status_key, ids, stamps, lambda i, _s: records[i], statuses, rounder)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._stamp

    @property
    def max_stamp(self) -> int:
        return self._keys[-1][0] if self._keys else 0

    def stamp(self, record_id: str) -> int:
        return self._stamp[record_id]

    def status(self, record_id: str) -> str:
        return self._status.get(record_id, "")

    def json(self, record_id: str, rounded: bool = False) -> bytes:
        """The record as the API renders it (`rounded`: unit amounts to 2 decimals); KeyError when absent."""
        cached = self._json.get(record_id)
        if cached is None:
            doc = self._docs.get(record_id)
            if doc is None:
                doc = self._render(self._seeded[record_id], self._stamp[record_id])
                if not self.keep_rendered:  # rendered for this read only (records changed since are kept)
                    fewer = self._rounder(doc) if rounded and self._rounder is not None else None
                    return dumps(doc if fewer is None else fewer)
            cached = self._cache(record_id, doc)
        return self._rounded.get(record_id, cached) if rounded else cached

    def _cache(self, record_id: str, doc: dict) -> bytes:
        cached = self._json[record_id] = dumps(doc)
        if self._rounder is not None:
            rounded = self._rounder(doc)
            if rounded is None:
                self._rounded.pop(record_id, None)
            else:
                self._rounded[record_id] = dumps(rounded)
        return cached

    def seeded(self, index: int) -> dict:
        """Seeded record `index` as it was seeded, whatever happened to it since (not cached; do not modify)."""
        return self._render(index, self._seeded_stamps[index])

    def seeded_ids(self) -> list[str]:
        return self._seeded_ids

    def seeded_stamp(self, index: int) -> int:
        return self._seeded_stamps[index]

    def doc(self, record_id: str) -> dict:
        """A fresh copy of the record (safe to modify)."""
        if record_id not in self._stamp:
            raise KeyError(record_id)
        return json.loads(self.json(record_id))

    def put(self, record: dict, stamp: int) -> None:
        """Add or replace a record, placing it at `stamp` in the order."""
        record_id = str(record[self.id_key])
        old = self._stamp.get(record_id)
        if old is not None:
            del self._keys[bisect_left(self._keys, (old, record_id))]
        self._stamp[record_id] = stamp
        insort(self._keys, (stamp, record_id))
        self._docs[record_id] = record
        self._cache(record_id, record)
        if self.status_key:
            self._status[record_id] = str(record.get(self.status_key, ""))

    def remove(self, record_id: str) -> None:
        """Hard delete: the record is gone from every listing."""
        stamp = self._stamp.pop(record_id)
        del self._keys[bisect_left(self._keys, (stamp, record_id))]
        for store in (self._docs, self._json, self._status, self._rounded):
            store.pop(record_id, None)

    def select(self, since_ms: int | None = None, desc: bool = False,
               keep: Callable[[str], bool] | None = None) -> list[str] | _KeyView:
        """Ids modified at or after `since_ms`, in order; a cheap view when nothing is filtered."""
        start = bisect_left(self._keys, (since_ms, "")) if since_ms is not None else 0
        if keep is None:
            return _KeyView(self._keys, start, desc)
        ids = [rid for _, rid in self._keys[start:] if keep(rid)]
        return ids[::-1] if desc else ids

    def after(self, position: int, since_ms: int | None = None) -> _KeyView:
        """Ids from `position` in the order on, and modified at or after `since_ms` (offset paging)."""
        start = bisect_left(self._keys, (since_ms, "")) if since_ms is not None else 0
        return _KeyView(self._keys, min(len(self._keys), max(start, position)), False)

    def ids(self) -> list[str]:
        return [rid for _, rid in self._keys]


class _KeyView:
    """Ids of `keys[start:]` (optionally reversed), sliceable without copying the whole list."""

    def __init__(self, keys: list[tuple[int, str]], start: int, desc: bool) -> None:
        self._keys, self._start, self._desc = keys, start, desc

    def __len__(self) -> int:
        return len(self._keys) - self._start

    def __getitem__(self, window: slice) -> list[str]:
        lo, hi, _ = window.indices(len(self))
        if not self._desc:
            return [rid for _, rid in self._keys[self._start + lo:self._start + hi]]
        end = len(self._keys)
        return [rid for _, rid in reversed(self._keys[end - hi:end - lo])]

"""Putting seeded records into an organisation's tables: small ones built up front, large ones rendered lazily."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .entities import entity
from .rounding import rounded
from .table import Table

if TYPE_CHECKING:
    from .org import Org

Render = Callable[[int, str, int, str], dict]  # (index, id, stamp ms, status) -> record


def small(org: Org, name: str, records: list[dict], stamps: list[int] | None = None) -> None:
    """A table of records built now; `stamps` orders them (default: as given)."""
    spec = entity(name)
    org.tables[spec.name] = Table.of_records(spec.id_key, spec.status_key, records,
                                             stamps or list(range(len(records))),
                                             rounded if spec.rounded else None)


def lazy(org: Org, name: str, what: str, count: int, render: Render, statuses: list[str]) -> None:
    """A table of `count` records rendered on first read; `what` names their ids and stamps in `org.ctx`."""
    spec = entity(name)
    ctx = org.ctx
    ids, stamps = ctx.ids(what, count), ctx.stamps(what, count)
    ctx.refs[f"{what}_ids"], ctx.refs[f"{what}_stamps"] = ids, stamps
    org.tables[spec.name] = Table(spec.id_key, spec.status_key, ids, stamps,
                                  lambda i, s: render(i, ids[i], s, statuses[i]), statuses,
                                  rounded if spec.rounded else None)
    default = spec.statuses[0] if spec.statuses else ""
    org.generators[spec.name] = lambda i, rid, s: render(i, rid, s, default)

"""The column tables of docs/DATA.md, written from the same table as the views (`python -m storage.typed docs`)."""

from __future__ import annotations

from pathlib import Path

from storage.typed.columns import VIEWS, View

BEGIN, END = "<!-- columns: written by `python -m storage.typed docs` -->", "<!-- end of columns -->"
TYPES = {  # kind: (PostgreSQL, SQLite)
    "text": ("text", "TEXT"), "number": ("numeric", "number as sent"), "integer": ("bigint", "INTEGER"),
    "boolean": ("boolean", "0/1"), "date": ("timestamp", "TEXT `YYYY-MM-DDTHH:MM:SS`"),
    "instant": ("timestamptz", "TEXT `YYYY-MM-DDTHH:MM:SS.SSSZ`"), "json": ("jsonb", "TEXT (JSON)"),
}
_COMMON = {
    "tenant_id": ("text", "TEXT", "the organisation (Xero tenant id)"),
    "line_number": ("bigint", "INTEGER", "the line's place in its list, from 1"),
    "status": ("text", "TEXT", "Xero's status as stored (`DELETED` once the record vanished from Xero)"),
    "deleted": ("boolean", "0/1", "vanished from Xero (hard-deleted) or Xero's status is `DELETED`"),
    "updated_utc": ("timestamptz", "TEXT `…Z`", "when Xero last changed it"),
    "synced_at": ("timestamptz", "TEXT `…Z`", "when the daemon last stored it"),
}


def _row(name: str, pg: str, lite: str, source: str) -> str:
    return f"| `{name}` | {pg} | {lite} | {source} |"


def section(view: View) -> str:
    lines = [f"### `{view.name}`", ""]
    if view.lines:
        lines.append(f"One row per element of `{view.lines}` in each `{view.entity}` record.")
    else:
        lines.append(f"One row per stored `{view.entity}` record.")
    lines += ["", "| column | PostgreSQL | SQLite | from Xero's |", "|---|---|---|---|"]
    lines.append(_row("tenant_id", *_COMMON["tenant_id"]))
    lines.append(_row(view.id_column, "text", "TEXT", f"the record's id ({view.entity})"))
    if view.lines:
        lines.append(_row("line_number", *_COMMON["line_number"]))
    for column in view.columns + view.parent:
        where = " or ".join(f"`{p}`" for p in column.paths)
        lines.append(_row(column.name, *TYPES[column.kind], where + (" (the record's)" if column in view.parent
                                                                       else "")))
    lines.append(_row("status", *_COMMON["status"]))
    lines.append(_row("deleted", *_COMMON["deleted"]))
    if not view.lines:
        stamp = f"`{view.stamp}`" if view.stamp else "NULL: Xero shows no change date for these"
        lines.append(_row("updated_utc", "timestamptz", "TEXT `…Z`", stamp))
        lines.append(_row("synced_at", *_COMMON["synced_at"]))
    return "\n".join(lines) + "\n"


def columns() -> str:
    return BEGIN + "\n\n" + "\n".join(section(view) for view in VIEWS) + "\n" + END


def rewrite(path: Path) -> bool:
    """Write the column tables into docs/DATA.md between the markers; whether it changed."""
    text = path.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new = head + columns() + tail
    path.write_text(new)
    return new != text

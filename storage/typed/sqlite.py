"""The typed views in SQLite's SQL: built-in JSON functions only (any SQLite client can read them).

A record whose JSON is malformed reads NULL in every column taken from it; a field of another kind than the
column's reads NULL. Dates become ISO-8601 text: a document's date `YYYY-MM-DDTHH:MM:SS`, a moment in UTC
`YYYY-MM-DDTHH:MM:SS.SSSZ`. Amounts are JSON numbers as Xero sent them, read as SQLite numbers.
"""

from __future__ import annotations

from storage.typed.columns import VIEWS, Column, View, column_names

# /Date(ms)/ and ISO dates within years 0001-9999 (what both backends can show the same way)
_MIN_MS, _MAX_MS = -62135596800000, 253402300799999
_LARGEST = "1.7976931348623157e308"  # beyond a double (1e999999 reads as infinity): NULL, as on PostgreSQL
_FORMAT = {"date": "%Y-%m-%dT%H:%M:%S", "instant": "%Y-%m-%dT%H:%M:%fZ"}


def _path(path: str) -> str:
    return "'$." + path + "'"


def _date(kind: str, doc: str, path: str) -> str:
    v = f"json_extract({doc}, {_path(path)})"
    inner = f"substr({v}, 7, length({v}) - 8)"
    n = f"CAST({inner} AS INTEGER)"
    fmt = _FORMAT[kind]
    ms = (f"CASE WHEN ({inner} = CAST({n} AS TEXT) OR {inner} GLOB CAST({n} AS TEXT) || '[+-][0-9][0-9][0-9][0-9]')"
          f" AND {n} BETWEEN {_MIN_MS} AND {_MAX_MS} THEN strftime('{fmt}', {n} / 1000.0, 'unixepoch') END")
    iso = (f"CASE WHEN {v} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' AND substr({v}, 1, 4) <> '0000'"
           f" AND date(julianday(substr({v}, 1, 10))) = substr({v}, 1, 10)"
           f" AND (length({v}) = 10 OR substr({v}, 12, 2) < '24') THEN strftime('{fmt}', {v}) END")
    return (f"CASE WHEN json_type({doc}, {_path(path)}) = 'text' THEN"
            f" CASE WHEN {v} GLOB '/Date(*)/' THEN {ms} ELSE {iso} END END")


def value(column_kind: str, doc: str, path: str) -> str:
    """The SQL reading one field of a JSON document `doc` as a column of a kind (NULL when absent or odd)."""
    t, v = f"json_type({doc}, {_path(path)})", f"json_extract({doc}, {_path(path)})"
    if column_kind == "text":
        return f"CASE WHEN {t} = 'text' THEN {v} END"
    if column_kind == "number":
        return f"CASE WHEN {t} IN ('integer', 'real') THEN CASE WHEN abs({v}) <= {_LARGEST} THEN {v} END END"
    if column_kind == "integer":
        # SQLite calls a JSON integer beyond 64 bits "integer" but reads it as a real (whose cast saturates)
        return (f"CASE WHEN {t} IN ('integer', 'real') THEN CASE typeof({v}) WHEN 'integer' THEN {v}"
                f" ELSE CASE WHEN abs({v}) < 9223372036854775807.0 AND {v} = CAST({v} AS INTEGER)"
                f" THEN CAST({v} AS INTEGER) END END END")
    if column_kind == "boolean":
        return f"CASE {t} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"
    if column_kind == "json":
        return f"CASE WHEN {t} IN ('array', 'object') THEN {v} END"
    return _date(column_kind, doc, path)


def _column(column: Column, doc: str) -> str:
    reads = [value(column.kind, doc, path) for path in column.paths]
    return reads[0] if len(reads) == 1 else f"COALESCE({', '.join(reads)})"


_RECORDS = ("(SELECT tenant_id, entity, xero_id, status, deleted, synced_at,"
            " CASE WHEN json_valid(data) THEN data END AS doc FROM records WHERE entity = '{entity}') AS r")
_DELETED = "(r.deleted <> 0 OR COALESCE(r.status = 'DELETED', 0))"


def create_view(view: View) -> str:
    names = column_names(view)
    source = _RECORDS.format(entity=view.entity)
    if view.lines:
        line = "CASE WHEN li.type = 'object' THEN li.value END"
        exprs = ["r.tenant_id", "r.xero_id", "li.key + 1", *(_column(c, line) for c in view.columns),
                 *(_column(c, "r.doc") for c in view.parent), "r.status", _DELETED]
        source += (f",\n     json_each(CASE WHEN json_type(r.doc, {_path(view.lines)}) = 'array'"
                   f" THEN json_extract(r.doc, {_path(view.lines)}) END) AS li")
    else:
        stamp = value("instant", "r.doc", view.stamp) if view.stamp else "NULL"
        exprs = ["r.tenant_id", "r.xero_id", *(_column(c, "r.doc") for c in view.columns), "r.status", _DELETED,
                 stamp, "strftime('%Y-%m-%dT%H:%M:%fZ', r.synced_at, 'unixepoch')"]
    select = ",\n       ".join(f'{expr} AS "{name}"' for expr, name in zip(exprs, names))
    return f"CREATE VIEW {view.name} AS\nSELECT {select}\nFROM {source};\n"


def migration() -> str:
    head = ("-- Typed views over the stored records (written by `python -m storage.typed sqlite`; docs/DATA.md).\n"
            "-- Views only: every row is read from `records` when queried, never copied. A migration that\n"
            "-- replaces `records` must drop and recreate these views (the command above prints them).\n\n")
    return head + "\n".join(create_view(view) for view in VIEWS)

"""The typed views in PostgreSQL's SQL, with the few functions they share (all named `xero_*`).

`records.data` is text holding JSON: `xero_json` casts it to jsonb once per record, and a record PostgreSQL cannot
read as jsonb (malformed, or a number beyond `numeric`) reads NULL in every column taken from it instead of failing
the query; `\\u0000`, which jsonb cannot hold, is read as U+FFFD. A field of another kind than its column's reads
NULL. Amounts are `numeric` (exact), a document's date `timestamp` (Xero's date, no time zone), a moment
`timestamptz`.
"""

from __future__ import annotations

from storage.typed.columns import VIEWS, Column, View, column_names

FUNCTIONS = r"""
CREATE FUNCTION xero_json(doc text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN doc::jsonb;
EXCEPTION WHEN others THEN
    BEGIN
        RETURN replace(doc, '\u0000', '\ufffd')::jsonb;  -- jsonb holds no U+0000
    EXCEPTION WHEN others THEN
        RETURN NULL;  -- not JSON PostgreSQL can read: every column read from it is NULL
    END;
END $$;

CREATE FUNCTION xero_text(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' END $$;

CREATE FUNCTION xero_number(v jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN v::numeric END $$;

CREATE FUNCTION xero_integer(v jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN
       CASE WHEN v::numeric = trunc(v::numeric)
             AND v::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 THEN v::numeric::bigint END
   END $$;

CREATE FUNCTION xero_boolean(v jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(v) = 'boolean' THEN v::boolean END $$;

CREATE FUNCTION xero_document(v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(v) IN ('object', 'array') THEN v END $$;

CREATE FUNCTION xero_list(v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN jsonb_typeof(v) = 'array' THEN v END $$;

-- Xero's dates: '/Date(1514764800000+0000)/' (milliseconds since 1970 UTC; the offset is not applied) or ISO-8601
-- ('2024-03-01T00:00:00', optionally with seconds' fraction and 'Z' or '+hh:mm'), as UTC, within years 1-9999.
-- Simple patterns, then positions: PostgreSQL's regular expressions with counted repeats cost several times more.
CREATE FUNCTION xero_timestamp(v jsonb) RETURNS timestamp LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    s text;
    part text;
    ms bigint;
    y int; mo int; d int; h int := 0; mi int := 0; sec numeric := 0; oh int; om int;
    zone text;
    ts timestamp;
BEGIN
    IF jsonb_typeof(v) IS DISTINCT FROM 'string' THEN
        RETURN NULL;
    END IF;
    s := v #>> '{}';
    IF length(s) > 40 THEN
        RETURN NULL;
    END IF;
    IF s ~ '^/Date\(-?[0-9]+([+-][0-9][0-9][0-9][0-9])?\)/$' THEN
        part := substr(s, 7, length(s) - 8);
        IF length(part) > 5 AND substr(part, length(part) - 4, 1) IN ('+', '-') THEN
            part := left(part, -5);  -- the offset
        END IF;
        IF length(part) > 16 OR part = '-0' OR (left(ltrim(part, '-'), 1) = '0' AND part <> '0') THEN
            RETURN NULL;  -- what SQLite cannot read the same way: leading zeros, too many digits
        END IF;
        ms := part::bigint;
        IF ms < -62135596800000 OR ms > 253402300799999 THEN
            RETURN NULL;
        END IF;
        RETURN timestamp '1970-01-01' + ms * interval '1 millisecond';
    END IF;
    IF s !~ '^[0-9]{4}-[0-9][0-9]-[0-9][0-9]([T ][0-9][0-9]:[0-9][0-9](:[0-9][0-9](\.[0-9]+)?)?(Z|[+-][0-9][0-9]:[0-9][0-9])?)?$' THEN
        RETURN NULL;
    END IF;
    IF right(s, 1) = 'Z' THEN
        s := left(s, -1);
    ELSIF length(s) >= 22 AND substr(s, length(s) - 5, 1) IN ('+', '-') THEN
        zone := right(s, 6);
        s := left(s, -6);
    END IF;
    y := substr(s, 1, 4)::int; mo := substr(s, 6, 2)::int; d := substr(s, 9, 2)::int;
    IF length(s) > 10 THEN
        h := substr(s, 12, 2)::int; mi := substr(s, 15, 2)::int;
    END IF;
    IF length(s) > 16 THEN
        sec := substr(s, 18)::numeric;
    END IF;
    IF y < 1 OR mo NOT BETWEEN 1 AND 12 OR d < 1 OR h > 23 OR mi > 59 OR sec >= 60 THEN
        RETURN NULL;
    END IF;
    IF d > extract(day FROM make_date(y, mo, 1) + interval '1 month' - interval '1 day') THEN
        RETURN NULL;
    END IF;
    ts := make_timestamp(y, mo, d, h, mi, sec::double precision);
    IF zone IS NOT NULL THEN
        oh := substr(zone, 2, 2)::int; om := substr(zone, 5, 2)::int;
        IF oh > 14 OR om > 59 THEN  -- as SQLite: offsets within 14 hours
            RETURN NULL;
        END IF;
        ts := ts - (CASE WHEN left(zone, 1) = '-' THEN -1 ELSE 1 END) * make_interval(hours => oh, mins => om);
    END IF;
    IF ts < timestamp '0001-01-01' OR ts >= timestamp '10000-01-01' THEN
        RETURN NULL;
    END IF;
    RETURN ts;
END $$;

"""

_READ = {"text": "xero_text", "number": "xero_number", "integer": "xero_integer", "boolean": "xero_boolean",
         "date": "xero_timestamp", "json": "xero_document"}


def _field(doc: str, path: str) -> str:
    keys = path.split(".")
    return f"{doc} -> '{keys[0]}'" if len(keys) == 1 else f"{doc} #> '{{{','.join(keys)}}}'"


def value(kind: str, doc: str, path: str) -> str:
    # No function calls another by name: a view binds the functions it names, but a function's body is read with
    # the search_path of whoever queries (a reader of another schema would not find it)
    if kind == "instant":
        return f"(xero_timestamp({_field(doc, path)}) AT TIME ZONE 'UTC')"
    return f"{_READ[kind]}({_field(doc, path)})"


def _column(column: Column, doc: str) -> str:
    reads = [value(column.kind, doc, path) for path in column.paths]
    return reads[0] if len(reads) == 1 else f"COALESCE({', '.join(reads)})"


_RECORDS = "records AS r CROSS JOIN LATERAL xero_json(r.data::text) AS d(doc)"
_DELETED = "(r.deleted::integer <> 0 OR COALESCE(r.status = 'DELETED', false))"


def create_view(view: View) -> str:
    names = column_names(view)
    source = _RECORDS
    if view.lines:
        exprs = ["r.tenant_id", "r.xero_id", "li.n", *(_column(c, "li.line") for c in view.columns),
                 *(_column(c, "d.doc") for c in view.parent), "r.status", _DELETED]
        source += (f"\n     CROSS JOIN LATERAL jsonb_array_elements(xero_list({_field('d.doc', view.lines)}))"
                   " WITH ORDINALITY AS li(line, n)")
    else:
        stamp = value("instant", "d.doc", view.stamp) if view.stamp else "NULL::timestamptz"
        exprs = ["r.tenant_id", "r.xero_id", *(_column(c, "d.doc") for c in view.columns), "r.status", _DELETED,
                 stamp, "to_timestamp(r.synced_at)"]
    select = ",\n       ".join(f'{expr} AS "{name}"' for expr, name in zip(exprs, names))
    return f"CREATE VIEW {view.name} AS\nSELECT {select}\nFROM {source}\nWHERE r.entity = '{view.entity}';\n"


def migration() -> str:
    head = ("-- Typed views over the stored records (written by `python -m storage.typed postgres`; docs/DATA.md).\n"
            "-- Views only: every row is read from `records` when queried, never copied. A migration that\n"
            "-- replaces `records` must drop and recreate these views (the command above prints them).\n")
    return head + FUNCTIONS + "\n" + "\n".join(create_view(view) for view in VIEWS)

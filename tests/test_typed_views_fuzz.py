"""Generated records, odd ones included (fields absent, of another kind, odd dates, huge numbers, lines that are
not objects, documents that are not JSON), stored and read through every typed view: a query never fails, a field
that is well formed reads typed, and one that is absent or malformed reads NULL."""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from daemon.core.crypto import Secrets
from storage import Store
from storage.grants import TokenSet
from storage.records import Row
from storage.typed.columns import VIEWS, Column, View, column_names

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])
MISSING = object()
EPOCH = datetime(1970, 1, 1)
INT64 = 2 ** 63


@pytest.fixture
async def store(database_url):
    store = await Store.open(database_url, Secrets(["k"]))
    async with store.transaction() as tx:
        grant = await store.grants.save_new(tx, TokenSet("a", "r", 100.0, "s"), "u", 0.0)
        await store.orgs.connect(tx, "t1", "Acme", "c", grant, 0.0)
    store.run_id = await store.runs.start("t1", "manual", 1.0)
    yield store
    await store.close()


# --- what goes in ---------------------------------------------------------------------------------------------------
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)  # Xero's JSON holds no lone surrogates
HUGE = st.sampled_from([10 ** 30, -(10 ** 25) - 1, INT64, -INT64 - 1, 1e300, -1.5e200, 2 ** 53 + 1, 123456789.123456])
NUMBER = st.integers(-10 ** 12, 10 ** 12) | st.floats(-1e12, 1e12, allow_nan=False) | HUGE
ODD = st.none() | st.booleans() | TEXT | NUMBER | st.just([]) | st.just({"a": 1}) | st.just([1, "x"])
MS = st.integers(-62135596800000, 253402300799999)
ISO = st.builds(
    lambda day, time, seconds, fraction, zone: day.isoformat() + (time + seconds + fraction + zone if time else ""),
    st.dates(datetime(1000, 1, 1).date(), datetime(9998, 12, 31).date()),
    st.sampled_from(["", "T00:00", "T12:30", " 23:59", "T07:05"]), st.sampled_from(["", ":00", ":59", ":07"]),
    st.sampled_from(["", ".5", ".25", ".125"]), st.sampled_from(["", "Z", "+13:00", "-05:30", "+00:00", "-14:00"]))
XERO_DATE = st.builds(lambda ms, zone: f"/Date({ms}{zone})/", MS, st.sampled_from(["", "+0000", "+1300", "-0500"]))
BAD_DATE = st.sampled_from(["/Date(abc)/", "/Date()/", "/Date(99999999999999999999)/", "/Date(-0)/", "2024-02-30",
                            "2024-13-01", "0000-01-01", "2024-01-01T24:00", "2024-01-01T10:60", "yesterday", "",
                            "/Date(1514764800000+0000)", "2024-1-1", "20240101"])
GOOD = {
    "text": TEXT, "number": NUMBER, "integer": st.integers(-INT64, INT64 - 1) | st.sampled_from([4.0, -12.0, 1e15]),
    "boolean": st.booleans(), "date": XERO_DATE | ISO, "instant": XERO_DATE | ISO,
    "json": st.lists(st.integers() | TEXT, max_size=3) | st.dictionaries(TEXT, st.integers(), max_size=3),
}


def _field(kind: str) -> st.SearchStrategy:
    return st.one_of(st.just(MISSING), GOOD[kind], ODD, BAD_DATE if kind in ("date", "instant") else st.nothing())


def _put(doc: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        doc = doc.setdefault(key, {})
        if not isinstance(doc, dict):
            return
    if value is not MISSING:
        doc[last] = value


@st.composite
def _document(draw, columns: tuple[Column, ...]) -> dict:
    doc: dict = {}
    for column in columns:
        for path in column.paths:
            _put(doc, path, draw(_field(column.kind)))
    nested = sorted({path.split(".")[0] for column in columns for path in column.paths if "." in path})
    for key in draw(st.lists(st.sampled_from(nested), max_size=2)) if nested else ():
        doc[key] = draw(ODD)  # an object Xero nests (Contact, Invoice, Schedule, ...) of another kind
    return doc


@st.composite
def _record(draw, view: View):
    doc = draw(_document(view.columns if not view.lines else view.parent))
    if view.stamp:
        _put(doc, view.stamp, draw(_field("instant")))
    if view.lines:
        line = _document(view.columns) | ODD
        _put(doc, view.lines, draw(st.lists(line, max_size=4) | ODD | st.just(MISSING)))
    shape = draw(st.sampled_from(["object"] * 8 + ["list", "scalar", "not json", "huge"]))
    if shape == "object":
        return doc, json.dumps(doc)
    return shape, {"list": "[1, {\"Total\": 2}]", "scalar": "\"Total\"", "not json": "{\"Total\": 1,",
                   "huge": "{\"Total\": 1e999999, \"Name\": \"x\"}"}[shape]


# --- what should come out -------------------------------------------------------------------------------------------
def _when(kind: str, raw, pg: bool):
    """What a date or instant field reads as on one backend (None: NULL)."""
    if not isinstance(raw, str):
        return None
    if m := re.fullmatch(r"/Date\((0|-?[1-9][0-9]{0,14})([+-][0-9]{4})?\)/", raw):
        moment = EPOCH + timedelta(milliseconds=int(m[1]))
        if not -62135596800000 <= int(m[1]) <= 253402300799999:
            return None
    elif m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?",
                           raw):
        try:
            moment = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0), int(m[6] or 0),
                              round(float(m[7] or 0) * 1e6))
        except ValueError:
            return None
        if m[8] and m[8] != "Z":
            sign = -1 if m[8][0] == "-" else 1
            moment -= sign * timedelta(hours=int(m[8][1:3]), minutes=int(m[8][4:6]))
    else:
        return None
    if pg:
        return moment if kind == "date" else moment.replace(tzinfo=UTC)
    if kind == "date":
        return moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.").rjust(20, "0") + f"{moment.microsecond // 1000:03d}Z"


def _pg_text(value):
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")  # jsonb holds no U+0000
    if isinstance(value, list):
        return [_pg_text(v) for v in value]
    if isinstance(value, dict):
        return {_pg_text(k): _pg_text(v) for k, v in value.items()}
    return value


def expected(kind: str, raw, pg: bool):
    number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    if kind == "text":
        if not isinstance(raw, str):
            return None
        return _pg_text(raw) if pg else raw.split("\x00")[0]  # SQLite's text ends at a U+0000
    if kind == "number":
        if not number:
            return None
        return Decimal(json.dumps(raw)) if pg else (raw if isinstance(raw, int) and -INT64 <= raw < INT64
                                                    else float(raw))
    if kind == "integer":
        exact = Decimal(json.dumps(raw)) if number else None
        return int(exact) if exact is not None and exact == exact.to_integral_value() and -INT64 <= exact < INT64 \
            else None
    if kind == "boolean":
        return (raw if pg else int(raw)) if isinstance(raw, bool) else None
    if kind == "json":
        return (_pg_text(raw) if pg else raw) if isinstance(raw, (list, dict)) else None
    return _when(kind, raw, pg)


def _get(doc, path: str):
    for key in path.split("."):
        if not isinstance(doc, dict) or key not in doc:
            return MISSING
        doc = doc[key]
    return doc


def _column_value(column: Column, doc, pg: bool):
    for path in column.paths:
        value = expected(column.kind, _get(doc, path), pg)
        if value is not None:
            return value
    return None


def _same(got, want, pg: bool) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)):  # SQLite reads JSON numbers as doubles
        return math.isclose(got, want, rel_tol=1e-15) or got == want
    if isinstance(want, (list, dict)) and isinstance(got, str):
        return json.loads(got) == want
    return got == want and type(got) is type(want) or (got == want and not pg and isinstance(got, int))


# --- the property ---------------------------------------------------------------------------------------------------
@FUZZ
@given(view=st.sampled_from(VIEWS), data=st.data())
async def test_every_view_reads_odd_records_without_failing(store, view, data):
    doc, text = data.draw(_record(view))
    pg = store.db.dialect == "postgres"
    if isinstance(doc, str):  # not a JSON object: every column read from it is NULL; SQLite reads the rest of a
        doc = {"Name": "x"} if doc == "huge" and not pg else None  # document holding a number beyond a double
    xero_id, status = uuid.uuid4().hex, data.draw(st.sampled_from([None, "DRAFT", "DELETED"]))
    await store.records.store_page("t1", view.entity, [Row(xero_id, status, 0, text)], run_id=store.run_id, now=2.5)
    for other in VIEWS:  # every view answers, whatever is stored
        await store.db.fetchall(f"SELECT * FROM {other.name}")
    rows = [dict(r) for r in await store.db.fetchall(
        f"SELECT * FROM {view.name} WHERE {view.id_column} = ? ORDER BY {'line_number' if view.lines else 1}",
        (xero_id,))]
    assert all(list(r) == column_names(view) for r in rows)
    if view.lines:
        lines = _get(doc, view.lines) if doc is not None else MISSING
        lines = lines if isinstance(lines, list) else []
        assert [r["line_number"] for r in rows] == list(range(1, len(lines) + 1))
        want = [{c.name: _column_value(c, line, pg) for c in view.columns}
                | {c.name: _column_value(c, doc, pg) for c in view.parent} for line in lines]
    else:
        want = [{c.name: _column_value(c, doc, pg) for c in view.columns}
                | {"updated_utc": _column_value(Column("updated_utc", "instant", (view.stamp,)), doc, pg)
                   if view.stamp else None}]
        assert rows[0]["synced_at"] == (datetime(1970, 1, 1, 0, 0, 2, 500000, tzinfo=UTC) if pg
                                        else "1970-01-01T00:00:02.500Z")
    for got, line in zip(rows, want, strict=True):
        assert (got["tenant_id"], got[view.id_column], got["status"], bool(got["deleted"])) == (
            "t1", xero_id, status, status == "DELETED")
        for name, value in line.items():
            assert (got[name] is None) if value is None else _same(got[name], value, pg), (name, got[name], value)

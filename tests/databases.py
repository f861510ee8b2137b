"""The two backends the suite runs on: a SQLite file per test, and a PostgreSQL schema per test on the server at
TEST_POSTGRES_URL. Without a server the PostgreSQL half is skipped with the reason shown; under CI=true it fails
instead, so CI can never pass without having run it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from contextlib import closing
from urllib.parse import urlsplit

import asyncpg
import pytest

from storage.postgres import numbered
from storage.urls import redact

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_server() -> str:
    """TEST_POSTGRES_URL, once a server answers there; otherwise skip (fail under CI=true)."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    try:
        asyncio.run(_execute(url, "SELECT 1"))
    except Exception as err:  # refused, no such database, bad login: all mean "no server for the tests"
        reason = f"no PostgreSQL server answers at {redact(url)} ({type(err).__name__}: {err}); set TEST_POSTGRES_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}", pytrace=False)
        pytest.skip(reason)
    return url


def with_schema(server: str, schema: str) -> str:
    """The server URL with `search_path` set to `schema`: each test gets empty tables of its own."""
    return f"{server}{'&' if urlsplit(server).query else '?'}search_path={schema}"


def new_schema(server: str) -> tuple[str, str]:
    schema = f"test_{uuid.uuid4().hex[:16]}"
    asyncio.run(_execute(server, f"CREATE SCHEMA {schema}"))
    return schema, with_schema(server, schema)


def drop_schema(server: str, schema: str) -> None:
    # a test that left a transaction open fails here, after 10 s, instead of hanging
    asyncio.run(_execute(server, f"SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE"))


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fetch(url: str, sql: str, params=()) -> list[tuple]:
    """Rows as the database holds them, read around the daemon (what someone with the database would see), as
    plain tuples; `?` placeholders on both backends."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as conn:
            return conn.execute(sql, params).fetchall()
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return [tuple(row) for row in await conn.fetch(numbered(sql), *params)]
    finally:
        await conn.close()

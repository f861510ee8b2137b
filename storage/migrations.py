"""Numbered, append-only migrations (`storage/migrations/<dialect>/NNNN_name.sql`), applied at start-up.

Every migration exists for each backend under the same number. Each runs in one transaction together with the row
that records it, so a crash mid-migration leaves the database as it was before. Never edit a migration that has
shipped: add the next number.
"""

from __future__ import annotations

from importlib import resources

import structlog

from storage.db import Database

log = structlog.get_logger(__name__)

LEDGER = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
              " applied_at TEXT NOT NULL DEFAULT (datetime('now')))",
    "postgres": "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
}


LEDGER_EXISTS = {
    "sqlite": "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    "postgres": "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'schema_migrations'"
                " AND table_schema = current_schema()",
}


def available(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration shipped with the package for one backend, in order."""
    folder = resources.files("storage") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(number), name, entry.read_text()))
    return sorted(found)


async def migrate(db: Database) -> list[int]:
    """Apply every migration not yet recorded; the versions applied now."""
    done = []
    async with db.migrating():
        await db.apply(LEDGER[db.dialect])
        already = await applied(db)
        for version, name, sql in available(db.dialect):
            if version in already:
                continue
            await db.apply(f"{sql}\nINSERT INTO schema_migrations (version, name) VALUES ({version:d}, '{name}');")
            log.info("storage.migration_applied", version=version, name=name)
            done.append(version)
    return done


async def applied(db: Database) -> set[int]:
    """The versions recorded as applied; none for a database (or a PostgreSQL schema) no daemon has migrated."""
    if not (await db.fetchone(LEDGER_EXISTS[db.dialect]))["n"]:
        return set()
    return {row["version"] for row in await db.fetchall("SELECT version FROM schema_migrations")}

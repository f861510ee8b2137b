"""The store: the only package that knows SQL. `Store.open()` connects, migrates, and offers one repository per
kind of record."""

from __future__ import annotations

from pathlib import Path

from daemon.crypto import Secrets
from storage.alerts import Alerts
from storage.db import Database
from storage.grants import Grants
from storage.migrations import migrate
from storage.orgs import Orgs
from storage.records import Records
from storage.runs import Runs
from storage.states import States


class Store:
    def __init__(self, db: Database, secrets: Secrets) -> None:
        self.db = db
        self.grants = Grants(db, secrets)
        self.orgs = Orgs(db)
        self.records = Records(db)
        self.runs = Runs(db)
        self.states = States(db, secrets)
        self.alerts = Alerts(db)

    @classmethod
    async def open(cls, path: Path, secrets: Secrets) -> "Store":
        db = Database(path)
        await db.connect()
        await migrate(db)
        return cls(db, secrets)

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> bool:
        row = await self.db.fetchone("SELECT 1 AS ok")
        return bool(row and row["ok"] == 1)

    def transaction(self):
        return self.db.transaction()

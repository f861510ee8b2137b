"""The store: the only package that knows SQL. `Store.open()` connects (SQLite or PostgreSQL, by the URL),
migrates, and offers one repository per kind of record."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

from storage.alerts import Alerts
from storage.api_keys import ApiKeys
from storage.app_budget import AppBudget
from storage.cipher import Cipher
from storage.db import Database, GiveWay, open_database
from storage.grants import Grants
from storage.home import HomeViews
from storage.migrations import migrate
from storage.orgs import Orgs
from storage.records import Records
from storage.runs import Runs
from storage.states import States
from storage.subscriptions import Subscriptions


class Store:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        # This process's name on the sync leases and Slack messages it takes: readable in the database.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.grants = Grants(db, cipher)
        self.orgs = Orgs(db, self.owner)
        self.records = Records(db)
        self.runs = Runs(db, self.owner)
        self.states = States(db, cipher)
        self.alerts = Alerts(db, self.owner)
        self.home = HomeViews(db)
        self.api_keys = ApiKeys(db)
        self.subscriptions = Subscriptions(db, self.owner)
        self.app_budget = AppBudget(db)

    @classmethod
    async def open(cls, url: str | Path, cipher: Cipher, *, give_way: GiveWay | None = None) -> "Store":
        """Connect to `url` (a DATABASE_URL, or the path of a SQLite file) and apply any migration not yet applied
        (`give_way`: see `storage.db.open_database`)."""
        db = open_database(url, give_way=give_way)
        await db.connect()
        try:
            await migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, cipher)

    @property
    def shared(self) -> bool:
        """Other daemon processes may use this store at the same time (PostgreSQL)."""
        return self.db.shared

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> bool:
        row = await self.db.fetchone("SELECT 1 AS ok")
        return bool(row and row["ok"] == 1)

    def transaction(self):
        return self.db.transaction()

"""The emulator and the daemon as real processes, for tests that kill them (SIGKILL, SIGTERM)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import asyncpg

from daemon.core.crypto import Secrets
from tests import databases
from tests.waiting import eventually_sync
from xero_emulator.harness import EmulatorProcess, daemon_env, free_port

SECRET = "crash-test-secret"


class DaemonProcess:
    """`xero-syncd run` against an emulator, over one database that outlives each process (a SQLite file, unless
    DATABASE_URL is given)."""

    def __init__(self, emulator: EmulatorProcess, data: Path, *, log: Path | None = None,
                 clock: tuple[float, float, float] | None = None, **extra: str) -> None:
        """`clock`: (factor, clock time, the wall-clock time it was read at): run on that ScaledClock (the
        emulator's, as `emulator_clock` reads it) instead of the system clock."""
        self.clock = clock
        self.port = free_port()
        self.log = log or data / f"daemon-{self.port}.log"  # its standard error (never a pipe nobody reads)
        self.db = data / "xero-syncd.db"
        self.env = {
            **os.environ, **daemon_env(emulator.url),
            "SLACK_SIGNING_SECRET": "s", "SECRET_KEY": SECRET, "DATABASE_URL": f"sqlite:///{self.db}",
            "PORT": str(self.port), "PUBLIC_URL": f"http://127.0.0.1:{self.port}", "LOG_LEVEL": "warning", **extra,
        }
        self.database_url = self.env["DATABASE_URL"]
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> None:
        with open(self.log, "a") as stderr:
            command = ["-m", "daemon", "run"] if self.clock is None else [
                "-m", "tests.scaled_daemon", *map(repr, self.clock)]
            self.proc = subprocess.Popen([sys.executable, *command], env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        if wait:
            self.wait_healthy()

    def wait_healthy(self) -> None:
        eventually_sync(lambda: _get(self.url + "/healthz") == 200, f"daemon {self.port} to answer /healthz")

    def kill(self, signum: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(signum)
        return self.proc.wait(timeout=30)

    def helpers(self) -> set[int]:
        """The processes this daemon started (the page-decoder worker, multiprocessing's forkserver and resource
        tracker) and theirs, by pid."""
        found, frontier = set(), {self.proc.pid} if self.proc else set()
        while frontier:
            children = {pid for pid, parent in _parents().items() if parent in frontier}
            found |= children
            frontier = children
        return found

    def connect(self) -> str:
        """Follow a signed /xero auth link through the emulator's auto-approving consent; the result page."""
        token = Secrets([SECRET]).sign_link({"kind": "connect", "user": "U1", "nonce": "n1"}, now=time.time())
        with urllib.request.urlopen(f"{self.url}/oauth/start?link={token}", timeout=30) as resp:
            return resp.read().decode()

    def started_storing(self) -> bool:
        """The daemon has begun creating its store (the SQLite file, or PostgreSQL tables)."""
        if self.database_url.startswith("sqlite:///"):
            return self.db.exists()
        return bool(self.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"))

    def query(self, sql: str, params=()) -> list:
        """Rows of the daemon's database as plain tuples (`?` placeholders); [] while the tables do not exist."""
        if self.database_url.startswith("sqlite:///") and not self.db.exists():
            return []
        try:
            return asyncio.run(databases.fetch(self.database_url, sql, params))
        except (sqlite3.OperationalError, asyncpg.UndefinedTableError):  # the first migration has not run yet
            return []


async def start_all(daemons: list[DaemonProcess]) -> None:
    """Start the processes together (each one's start-up overlapping the others'), then wait until each is healthy."""
    for daemon in daemons:
        daemon.start(wait=False)
    for daemon in daemons:
        await asyncio.to_thread(daemon.wait_healthy)


def emulator_clock(emulator: EmulatorProcess, factor: float) -> tuple[float, float, float]:
    """(factor, the emulator clock's time, the wall-clock time it was read at), for `DaemonProcess(clock=...)`."""
    return (factor, *emulator.clock_now())


def _parents() -> dict[int, int]:
    """Every process's parent pid (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}").exists() else "X"
    return state not in ("Z", "X")  # a zombie has ended; its parent has not collected it yet


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except OSError:
        return None

"""Daemons as processes of their own, for bench/many_orgs.py: a fresh database for a run (a SQLite file, or a
PostgreSQL schema of its own on the server given), `xero-syncd run` timed from start to ready, and replicas on
the emulator's compressed clock (`tests/scaled_daemon.py`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import _harness as h
import asyncpg

from daemon.core.crypto import Secrets
from storage.urls import is_postgres
from xero_emulator.harness import daemon_env, free_port


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A DATABASE_URL nobody has used: a new SQLite file (no url), or a new schema on the PostgreSQL server at
    `url`, dropped afterwards."""
    if not url or not is_postgres(url):
        with tempfile.TemporaryDirectory(prefix="xero-syncd-bench-") as data:
            yield url or f"sqlite:///{data}/xero-syncd.db"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    _execute(url, f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if urlsplit(url).query else '?'}search_path={schema}"
    finally:
        _execute(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _execute(url: str, sql: str) -> None:
    """Run one statement on its own connection, in a thread of its own (callers may be inside an event loop)."""
    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def env_for(emulator_url: str, database_url: str, port: int, **extra: str) -> dict[str, str]:
    return {**os.environ, **daemon_env(emulator_url), "SLACK_SIGNING_SECRET": h.SIGNING_SECRET,
            "SECRET_KEY": h.SECRET, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}", "LOG_LEVEL": "warning", **extra}


class Replica:
    """`xero-syncd run` (or, with `clock`, the same on a ScaledClock: factor, clock time, wall time it was read)."""

    def __init__(self, emulator_url: str, database_url: str, *, clock: tuple[float, float, float] | None = None,
                 **extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.clock = clock
        self.log = tempfile.TemporaryFile()
        command = ["-m", "daemon", "run", "--no-demo"] if clock is None else [
            "-m", "tests.scaled_daemon", *map(repr, clock)]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, *command], cwd=h.ROOT, stdout=subprocess.DEVNULL,
                                     stderr=self.log, env=env_for(emulator_url, database_url, self.port, **extra))

    def wait_ready(self, limit: float = 120.0) -> float:
        """Seconds from the process's start until /readyz answers 200."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the daemon exited: {self.log.read()[-2000:]!r}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.01)
        raise TimeoutError(f"the daemon was not ready within {limit} s")

    def connect(self) -> None:
        """Follow a signed connect link through the emulator's auto-approving consent back to this replica."""
        factor, clock_at, real_at = self.clock or (1.0, time.time(), time.time())
        now = clock_at + (time.time() - real_at) * factor
        token = Secrets([h.SECRET]).sign_link({"kind": "connect", "user": "U_BENCH", "nonce": "bench"}, now=now)
        with urllib.request.urlopen(f"{self.url}/oauth/start?link={token}", timeout=300) as resp:
            resp.read()

    def peak_rss_mb(self) -> float:
        """The process's peak resident set (VmHWM), and its page decoder's, while it runs."""
        total = h._status_kb(self.proc.pid, "VmHWM") / 1024
        for child in _children(self.proc.pid):
            try:
                total += h._status_kb(child, "VmHWM") / 1024
            except OSError:
                pass
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def startup_seconds(emulator_url: str, database_url: str, times: int) -> list[float]:
    """`xero-syncd run` started `times` over the store as the cycle left it: seconds to ready, each time."""
    took = []
    for _ in range(times):
        replica = Replica(emulator_url, database_url, SYNC_INTERVAL=str(10**8))
        try:
            took.append(round(replica.wait_ready(), 2))
        finally:
            replica.stop()
    return took

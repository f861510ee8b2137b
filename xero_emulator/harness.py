"""Starting the emulator for tests, benchmarks and the demo: in this process (`serve`, in `app.py`) or as a
process of its own (`EmulatorProcess`), on a free loopback port, and the settings that point a daemon at it
(`daemon_env`). Imports nothing from the daemon: the settings are plain environment variables."""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .config import EmulatorConfig

API = "/api.xro/2.0/"


def free_port(preferred: int | None = None) -> int:
    """`preferred` when nothing listens there (a port left in TIME_WAIT by a previous run counts as free), else
    any free loopback port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port")


def daemon_env(url: str) -> dict[str, str]:
    """The settings (environment variables) that point a xero-syncd daemon at the emulator at `url`."""
    return {
        "XERO_CLIENT_ID": EmulatorConfig.client_id,
        "XERO_CLIENT_SECRET": EmulatorConfig.client_secret,
        "XERO_AUTHORIZE_URL": f"{url}/identity/connect/authorize",
        "XERO_TOKEN_URL": f"{url}/connect/token",
        "XERO_REVOKE_URL": f"{url}/connect/revocation",
        "XERO_CONNECTIONS_URL": f"{url}/connections",
        "XERO_API_URL": f"{url}/api.xro/2.0",
    }


class EmulatorProcess:
    """`python -m xero_emulator --port 0 --auto-approve ARGS` in its own process, controlled over HTTP."""

    def __init__(self, *args: str, start_limit: float = 300.0) -> None:
        cmd = [sys.executable, "-m", "xero_emulator", "--port", "0", "--auto-approve", *args]
        self.log = tempfile.TemporaryFile()
        root = Path(__file__).resolve().parents[1]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], start_limit)
        line = self.proc.stdout.readline() if ready else ""
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not match:
            self.stop()
            self.log.seek(0)
            raise RuntimeError(f"the emulator did not start: {line!r} {self.log.read()[-2000:]!r}")
        self.url = match.group(0)
        self.start_seconds = time.monotonic() - started

    def control(self, path: str, method: str = "GET", body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read() or b"null")

    def clock_now(self) -> tuple[float, float]:
        """(the emulator clock's time, the wall-clock time it was read at): an unauthenticated GET /connections is
        answered 401 and logged with the emulator clock's time."""
        before = time.time()
        try:
            urllib.request.urlopen(self.url + "/connections", timeout=10).close()
        except urllib.error.HTTPError:
            pass
        after = time.time()
        logged = [c for c in self.control("/_control/calls") if c["path"] == "/connections"]
        return logged[-1]["time"], (before + after) / 2

    def tenants(self) -> list[dict]:
        return self.control("/_control/tenants")

    def api_calls(self) -> list[dict]:
        return [c for c in self.control("/_control/calls") if c["path"].startswith(API)]

    def clear_calls(self) -> None:
        self.control("/_control/calls", "DELETE")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

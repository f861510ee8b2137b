"""`make run` with no settings: a live demo on this machine only.

The bundled Xero emulator with two demo organisations, the daemon against it on a throwaway SQLite file, and a
chat console in the terminal that plays Slack (`daemon/demo/console.py`): type `/xero status`, `/xero auth`, ...
Lines may also come from a file or a pipe; the demo then waits for each command's answers and exits at the end.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, TextIO

from aiohttp import web

from daemon.core import logs
from daemon.core.errors import CommandError
from daemon.core.keys import CLOCK, SERVICE, SLACK_OUTBOX, STORE, TASKS
from daemon.core.settings import Settings, read_dotenv
from daemon.demo.console import CHANNELS, Console, RequestCounter
from daemon.xero.client import RetryPolicy
from xero_emulator.harness import daemon_env, free_port

DEMO_SIGNING_SECRET = "demo-signing-secret"
DEMO_BOT_TOKEN = "xoxb-demo-not-a-real-token"
DEMO_ALERT_CHANNEL = "C0ALERTS"
DEMO_ORGS = ["Aroha Plumbing (NZ)", "Bramble Bakery (UK)"]
DEFAULT_PORT = 8080
# Xero failing (/demo fail) is retried as in production, only sooner: the alert comes in about a second, not 15.
DEMO_RETRY = RetryPolicy(attempts=3, base=0.2, cap=1.0)
# A small business's few years of receivables, per organisation.
REALISTIC = {"invoices": 3000, "contacts": 600, "payments": 1800, "credit_notes": 150, "overpayments": 25,
             "prepayments": 25, "items": 60, "accounts": 45}

INTRO = """\
xero-syncd DEMO: nothing here talks to a real Xero or Slack.
  This terminal plays Slack: type /xero commands as in a channel; replies and the daemon's alerts print here.
To use a real Xero app and Slack workspace instead: copy deploy/xero-syncd.env.example to .env and fill in
  XERO_CLIENT_ID, XERO_CLIENT_SECRET, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_ALERT_CHANNEL (README.md,
  "Set up"), check them with `.venv/bin/xero-syncd check`, then `make run` again.
"""
DETAILS = """\
  Xero is the bundled emulator ({emulator}) with two demo organisations: {orgs}.
  The daemon runs at {public} (try {public}/metrics){port_note}; its logs go to {log}.
  Its data (the SQLite store and its secret key) live in {data}, deleted when the demo ends.
  You are @demo.admin in {channel}; alerts go to {alerts}.

Try: /xero auth (then press Enter to follow the link), /xero status, /xero sync aroha, /demo help, quit
  Another channel: `#team` moves you there, `/invite @xero-syncd` brings the bot, `/xero subscribe aroha syncs`
"""


def demo_settings(emulator_url: str, port: int, data_dir: Path, slack_url: str) -> Settings:
    return Settings.from_env({
        **daemon_env(emulator_url),
        "SLACK_SIGNING_SECRET": DEMO_SIGNING_SECRET,
        "SLACK_BOT_TOKEN": DEMO_BOT_TOKEN,
        "SLACK_API_URL": f"{slack_url}/api/",
        "SLACK_RESPONSE_URL_PREFIXES": f"{slack_url}/respond/",  # the console plays Slack's response_url too
        "SLACK_ALERT_CHANNEL": DEMO_ALERT_CHANNEL,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{data_dir.resolve()}/demo.db",
    })


@dataclass
class Demo:
    """The three running parts; `quiet()` waits until nothing the last command started is still going."""

    emulator: web.AppRunner
    daemon: web.AppRunner
    console: Console
    settings: Settings
    requests: RequestCounter

    @property
    def app(self) -> web.Application:
        return self.daemon.app

    async def quiet(self, *, window: float = 0.15, limit: float = 300.0) -> None:
        """Return once the daemon has been idle for `window` seconds: no request in flight, no sync running, no
        command still answering, no alert waiting to be posted (at most `limit` seconds)."""
        deadline, last, since = time.monotonic() + limit, None, time.monotonic()
        while time.monotonic() < deadline:
            mark = (self.console.requests.count, self.requests.count)
            if mark != last or await self._busy():
                last, since = mark, time.monotonic()
            elif time.monotonic() - since >= window:
                return
            await asyncio.sleep(0.05)

    async def _busy(self) -> bool:
        if self.console.requests.in_flight or self.requests.in_flight or self.app[TASKS].running("slack:", "sync:"):
            return True
        if await self.app[STORE].orgs.due(self.app[CLOCK].time()):  # the scheduler is about to start syncs
            return True
        try:
            if any(status.running for status in await self.app[SERVICE].status()):
                return True
        except CommandError:  # no organisation connected yet
            pass
        outbox = self.app.get(SLACK_OUTBOX)
        try:
            return outbox is not None and await outbox.pending() > 0
        except RuntimeError:  # the outbox is not started (no bot token)
            return False

    async def stop(self) -> None:
        await self.daemon.cleanup()
        await self.console.close()
        await self.emulator.cleanup()


async def start_demo(out: TextIO, data_dir: Path, *, port: int | None = None, sizes: dict | None = None,
                     echo: bool = True) -> Demo:
    from daemon.app import create_app
    from daemon.demo.hooks import demo_hooks
    from xero_emulator import EMULATOR, EmulatorConfig, serve
    from xero_emulator import create_app as create_emulator

    config = EmulatorConfig(orgs=len(DEMO_ORGS), org_names=list(DEMO_ORGS), auto_approve=True,
                            **(REALISTIC if sizes is None else sizes))
    emulator_app = create_emulator(config)
    emulator_app[EMULATOR].prewarm()
    emulator = await serve(emulator_app, "127.0.0.1", free_port())
    emulator_url = f"http://127.0.0.1:{emulator.addresses[0][1]}"
    daemon_port = free_port(port)
    console = Console(f"http://127.0.0.1:{daemon_port}", DEMO_SIGNING_SECRET, out, echo=echo)
    slack_url = await console.start()
    settings = demo_settings(emulator_url, daemon_port, data_dir, slack_url)
    app = create_app(settings, retry=DEMO_RETRY)
    counter = RequestCounter()
    app.middlewares.append(counter.middleware)
    daemon = web.AppRunner(app, access_log=None)
    await daemon.setup()
    await web.TCPSite(daemon, "127.0.0.1", daemon_port).start()
    demo = Demo(emulator, daemon, console, settings, counter)
    console.hooks = demo_hooks(demo, emulator_app[EMULATOR])
    return demo


async def demo_session(lines: AsyncIterator[str], out: TextIO, data_dir: Path, *, port: int | None = None,
                       sizes: dict | None = None, interactive: bool = False, log_path: str = "the log") -> None:
    """The whole demo: start, print the banner, run the console over `lines`, stop."""
    out.write(INTRO)
    out.flush()
    demo = await start_demo(out, data_dir, port=port, sizes=sizes, echo=not interactive)
    try:
        out.write(DETAILS.format(emulator=demo.settings.xero_api_url.rsplit("/api.xro", 1)[0],
                                 orgs=" and ".join(DEMO_ORGS), public=demo.settings.public_url, log=log_path,
                                 port_note=_port_note(port, demo.settings.port), data=data_dir.resolve(),
                                 channel=CHANNELS["C0DEMO"], alerts=CHANNELS[DEMO_ALERT_CHANNEL]))
        out.flush()
        await demo.console.run(lines, after_each=None if interactive else demo.quiet)
        if not interactive:
            await demo.quiet()
    finally:
        await demo.stop()


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed (or piped) on standard input, read on a thread so the daemon keeps running meanwhile."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except RuntimeError:  # the loop closed (Ctrl-C): nothing left to read for
            pass

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


def run_demo() -> int:
    log_path = Path("var/demo.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (open(log_path, "w", encoding="utf-8") as log_file,
          tempfile.TemporaryDirectory(prefix="xero-syncd-demo-") as tmp):
        logs.configure("info", json=True, file=log_file)  # the libraries' own warnings, too
        interactive = sys.stdin.isatty()
        try:
            asyncio.run(demo_session(stdin_lines(), sys.stdout, Path(tmp), port=_port(),
                                     interactive=interactive, log_path=str(log_path)))
        except KeyboardInterrupt:
            pass
    print("demo stopped.")
    return 0


def _port() -> int:
    """PORT from the environment or `.env` (as the daemon reads it), else 8080."""
    import os

    raw = {**read_dotenv(Path(".env")), **os.environ}.get("PORT", "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 65536 else DEFAULT_PORT


def _port_note(asked: int | None, got: int) -> str:
    return f" (port {asked} is taken)" if asked and asked != got else ""

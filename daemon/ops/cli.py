"""The `xero-syncd` command.

  run       the daemon (with no settings at all: the demo against the bundled emulator)
  demo      the demo, always: the emulator, the daemon and a local Slack-like console in this terminal
  migrate   apply the store's migrations and exit
  check     validate the settings and try Xero's and Slack's endpoints; exit 1 when something is wrong
  export    write what has been synced for one org and entity as CSV or JSON lines
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import structlog
from aiohttp import web

from daemon.core import logs
from daemon.core.errors import SettingsError
from daemon.core.settings import VARIABLES, Settings, load, read_dotenv

log = structlog.get_logger(__name__)

# Names common to many programs (DATABASE_URL, PORT, ...) may be set for something else: only this product's own
# XERO_* and SLACK_* variables mean "a configured installation" rather than "show me the demo".
OWN_PREFIXES = ("XERO_", "SLACK_")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run() if args.no_demo or _configured() else _demo()
        if args.command == "demo":
            return _demo()
        if args.command == "check":
            from daemon.ops.check import run_check

            return asyncio.run(run_check(_environ(), sys.stdout))
        if args.command == "export":
            return _export(args)
        return asyncio.run(_migrate(load(require_xero=False, require_slack=False)))
    except SettingsError as err:
        print(f"xero-syncd: setting {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xero-syncd", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="start the daemon (with no settings: the demo against the bundled emulator)")
    run.add_argument("--no-demo", action="store_true",
                     help="never fall back to the demo: missing settings are an error (services, containers)")
    sub.add_parser("demo", help="the live demo: emulator, daemon and a chat console in this terminal")
    sub.add_parser("migrate", help="apply the store's migrations and exit")
    sub.add_parser("check", help="validate the settings and reach Xero's and Slack's endpoints")
    export = sub.add_parser("export", help="write the synced records of one org and entity")
    export.add_argument("--org", required=True, help="organisation: name (case-insensitive prefix) or tenant id")
    export.add_argument("--entity", required=True, help="entity, e.g. Invoices, Contacts, Payments")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="csv (default) or jsonl")
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    return parser


def _environ() -> dict[str, str]:
    """The process environment over an optional `.env` file in the working directory."""
    return {**read_dotenv(Path(".env")), **os.environ}


def _configured() -> bool:
    """Any XERO_* or SLACK_* setting present (environment or `.env`) means a real installation, not the demo."""
    env = _environ()
    return any((env.get(name) or "").strip() for name in VARIABLES if name.startswith(OWN_PREFIXES))


def _demo() -> int:
    from daemon.demo.session import run_demo

    return run_demo()


def _run() -> int:
    settings = load()
    logs.configure(settings.log_level)
    from daemon.app import create_app

    _warn_open_admin(settings)
    log.info("daemon.starting", host=settings.host, port=settings.port, public_url=settings.public_url)
    # backlog: a burst of slash commands must not wait in the kernel for a second (aiohttp defaults to 128)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None,
                backlog=1024)
    return 0


def _warn_open_admin(settings: Settings) -> None:
    if not settings.slack_admin_users:
        log.warning("slack.admins_open", detail="SLACK_ADMIN_USERS is empty: every workspace member is an admin")


async def _migrate(settings: Settings) -> int:
    from daemon.core.crypto import Secrets, load_or_create_key
    from storage import Store
    from storage.urls import redact

    logs.configure(settings.log_level)
    store = await Store.open(settings.database_url,
                             Secrets(settings.secret_key or (load_or_create_key(settings.data_dir),)))
    await store.close()
    print(f"migrations applied: {redact(settings.database_url)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from daemon.ops.export import ExportError, export

    settings = load(require_xero=False, require_slack=False)
    output = Path(args.output) if args.output else None
    try:
        count, label = asyncio.run(export(settings, args.org, args.entity, args.format, output, sys.stdout))
    except ExportError as err:
        print(f"xero-syncd export: {err}", file=sys.stderr)
        return 1
    print(f"exported {count} {label}" + (f" to {output}" if output else ""), file=sys.stderr)
    return 0

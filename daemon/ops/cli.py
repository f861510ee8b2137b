"""The `xero-syncd` command.

  run       the daemon (with no settings at all: the demo against the bundled emulator)
  demo      the demo, always: the emulator, the daemon and a local Slack-like console in this terminal
  migrate   apply the store's migrations and exit
  check     validate the settings and try Xero's and Slack's endpoints; exit 1 when something is wrong
  export    write what has been synced for one org (an entity, invoice line items, or all) as CSV or JSON lines
  api-key   create, list or revoke the keys of the records API (/api/v1)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date
from pathlib import Path

import structlog
from aiohttp import web

from daemon.core import heap, logs
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
        if args.command == "api-key":
            return asyncio.run(_api_key(args, load(require_xero=False, require_slack=False)))
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
    _export_parser(sub)
    keys = sub.add_parser("api-key", help="create, list or revoke the keys of the records API (/api/v1)")
    verbs = keys.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("create", help="make a key; it is printed once, and only its hash is kept").add_argument(
        "name", help="what the key is for (a name you will recognise in `api-key list`)")
    verbs.add_parser("list", help="the keys: name, first characters, made, last used, revoked")
    verbs.add_parser("revoke", help="refuse a key from now on").add_argument("name")
    return parser


EXPORT_HELP = """\
Write what has been synced for one organisation, for the people who use the data.

CSV: xero_id, status, updated (ISO 8601, UTC), deleted, then the record's scalar fields (InvoiceNumber, Total,
Contact.Name, ..., Xero's dates in ISO 8601). InvoiceLineItems: one row per line of each invoice, starting with
invoice_id, invoice_number, invoice_status, invoice_updated and line (1, 2, ...). JSON lines: the same leading
fields and the object as Xero sent it under "data".

examples:
  xero-syncd export --org aroha --entity Invoices --output invoices.csv
  xero-syncd export --org aroha --entity InvoiceLineItems --since 2026-04-01 > lines.csv
  xero-syncd export --org aroha --entity all --output aroha/      one file per entity (and line items)
  xero-syncd export --org aroha --entity all | jq .entity         JSON lines, each with its "entity"
"""


def _export_parser(sub) -> None:
    from daemon.ops.export import TABLES

    export = sub.add_parser("export", help="write the synced records of one org: an entity, line items, or all",
                            description=EXPORT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("--org", required=True, help="organisation: name (case-insensitive prefix) or tenant id")
    export.add_argument("--entity", required=True, metavar="ENTITY",
                        help=f"one of {', '.join(TABLES)}; or all (every one of them)")
    export.add_argument("--format", choices=("csv", "jsonl"),
                        help="csv (the default) or jsonl (the default for --entity all to standard output)")
    export.add_argument("--output", metavar="PATH", type=Path,
                        help="write this file instead of standard output; with --entity all, this folder (made if "
                             "missing), one ENTITY.csv or ENTITY.jsonl file each")
    export.add_argument("--since", metavar="YYYY-MM-DD", type=_day,
                        help="only records updated on or after this day, from midnight in the organisation's time "
                             "zone (UTC when it is not known); records Xero gives no update date are left out")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-04-01") from None


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
    app = create_app(settings)
    app.on_startup.append(heap.settle)  # after every part has started: daemon/core/heap.py
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None, backlog=1024)
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


async def _api_key(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from daemon.core.crypto import Secrets, load_or_create_key
    from storage import Store

    store = await Store.open(settings.database_url,
                             Secrets(settings.secret_key or (load_or_create_key(settings.data_dir),)))
    try:
        if args.verb == "create":
            name = args.name.strip()
            if not name or len(name) > 100 or not name.isprintable():
                print("xero-syncd api-key: a name is 1 to 100 printable characters", file=sys.stderr)
                return 1
            key = await store.api_keys.create(name, time.time())
            if key is None:
                print(f"xero-syncd api-key: a key named {name!r} exists already", file=sys.stderr)
                return 1
            print(key)
            print(f"(the key of {name!r}: it is shown this once; send it as `Authorization: Bearer <key>`)",
                  file=sys.stderr)
            return 0
        if args.verb == "revoke":
            if not await store.api_keys.revoke(args.name, time.time()):
                print(f"xero-syncd api-key: no live key named {args.name!r}", file=sys.stderr)
                return 1
            print(f"revoked: {args.name}")
            return 0
        for key in await store.api_keys.list():
            state = f"revoked {_when(key.revoked_at)}" if key.revoked_at else "live"
            print(f"{key.name}\t{key.prefix}…\tmade {_when(key.created_at)}\tlast used {_when(key.last_used_at)}"
                  f"\t{state}")
        return 0
    finally:
        await store.close()


def _when(ts: float | None) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC") if ts else "never"


def _export(args: argparse.Namespace) -> int:
    from daemon.ops.export import ExportError, ExportRequest, export

    settings = load(require_xero=False, require_slack=False)
    request = ExportRequest(args.org, args.entity, args.format, args.output, args.since)
    try:
        summary = asyncio.run(export(settings, request, sys.stdout))
        sys.stdout.flush()
    except ExportError as err:
        print(f"xero-syncd export: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `export ... | head`: the reader has all it wanted
        _silence_stdout()
        return 0
    print(summary, file=sys.stderr)
    return 0


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush of what is still buffered does not fail
    again at exit ("Exception ignored ... BrokenPipeError"), as the Python documentation advises for SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)

"""`python -m xero_emulator --port N ...`: run the emulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from datetime import UTC, datetime

from clock import Clock, ScaledClock, SystemClock

from .app import create_app, serve
from .config import EmulatorConfig
from .keys import EMULATOR

_SIZES = ("invoices", "contacts", "payments", "credit_notes", "overpayments", "prepayments", "items", "accounts",
          "bank_transactions", "bank_transfers", "manual_journals", "journals", "tracking_categories",
          "purchase_orders", "quotes", "repeating_invoices", "contact_groups", "users", "precise_items")


def _moment(text: str) -> float:
    """Epoch seconds from a number or an ISO 8601 date-time (UTC when no zone is given)."""
    try:
        return float(text)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m xero_emulator", description="Run the Xero emulator.")
    p.add_argument("--port", type=int, required=True, help="0: any free port (the line printed says which)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--orgs", type=int, default=2)
    for size in _SIZES:
        p.add_argument(f"--{size.replace('_', '-')}", type=int, default=getattr(EmulatorConfig, size))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--client-id", default=EmulatorConfig.client_id)
    p.add_argument("--client-secret", default=EmulatorConfig.client_secret)
    p.add_argument("--auto-approve", action="store_true")
    p.add_argument("--webhook-url")
    p.add_argument("--webhook-key")
    p.add_argument("--limits", action="store_true", help="enforce Xero's API limits")
    p.add_argument("--minute-seconds", type=float, default=60.0)
    p.add_argument("--minute-limit", type=int, default=EmulatorConfig.minute_limit, help="calls a minute per org")
    p.add_argument("--app-minute-limit", type=int, default=EmulatorConfig.app_minute_limit,
                   help="calls a minute across the app")
    p.add_argument("--clock-factor", type=float, help="run a ScaledClock this many times faster than real time")
    p.add_argument("--clock-start", type=_moment, help="the ScaledClock's start (epoch seconds or ISO 8601)")
    p.add_argument("--no-prewarm", action="store_true", help="render records on first read instead of at start")
    p.add_argument("--no-keep-rendered", action="store_true",
                   help="render seeded records on every read instead of keeping them (thousands of orgs)")
    p.add_argument("--strict-requests", action="store_true",
                   help="answer 400 to requests whose parameters break Xero's OpenAPI description")
    p.add_argument("--no-gzip", action="store_true", help="never compress answers, whatever Accept-Encoding says")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


def build(args: argparse.Namespace) -> tuple[EmulatorConfig, Clock]:
    config = EmulatorConfig(
        client_id=args.client_id, client_secret=args.client_secret, orgs=args.orgs, seed=args.seed,
        auto_approve=args.auto_approve, webhook_url=args.webhook_url, webhook_key=args.webhook_key,
        limits_enabled=args.limits, minute_seconds=args.minute_seconds, minute_limit=args.minute_limit,
        app_minute_limit=args.app_minute_limit, strict_requests=args.strict_requests, gzip=not args.no_gzip,
        keep_rendered=not args.no_keep_rendered,
        base_url=f"http://{args.host}:{args.port}", **{size: getattr(args, size) for size in _SIZES})
    clock: Clock = SystemClock()
    if args.clock_factor:
        clock = ScaledClock(args.clock_factor, args.clock_start)
    return config, clock


async def run(args: argparse.Namespace) -> None:
    config, clock = build(args)
    app = create_app(config, clock=clock)
    if not args.no_prewarm:
        app[EMULATOR].prewarm()
    runner = await serve(app, args.host, args.port)
    port = runner.addresses[0][1] if runner.addresses else args.port  # --port 0: the one the OS chose
    if args.port == 0:
        app[EMULATOR].config.base_url = f"http://{args.host}:{port}"
    print(f"xero-emulator listening on http://{args.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

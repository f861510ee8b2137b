"""`xero-syncd run` on a ScaledClock, for tests and benchmarks that run daemon processes on the emulator's
compressed time: `python -m tests.scaled_daemon FACTOR CLOCK_AT REAL_AT`, where the clock read CLOCK_AT at the
wall-clock time REAL_AT (so every process started this way, whenever it starts, agrees on the time)."""

from __future__ import annotations

import sys
import time

from aiohttp import web

from clock import ScaledClock
from daemon.app import create_app
from daemon.core import logs
from daemon.core.settings import load


def main(argv: list[str]) -> None:
    factor, clock_at, real_at = (float(x) for x in argv[:3])
    settings = load()
    logs.configure(settings.log_level)
    clock = ScaledClock(factor, clock_at + (time.time() - real_at) * factor)
    web.run_app(create_app(settings, clock=clock), host=settings.host, port=settings.port, print=None,
                access_log=None, backlog=1024)


if __name__ == "__main__":
    main(sys.argv[1:])

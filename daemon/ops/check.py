"""`xero-syncd check`: validate the settings and try every outside endpoint, printing what is wrong.

Each line is `ok`, `warn` (works, but probably not what you want) or `FAIL` (the daemon will not work); the exit
status is 1 when anything failed. Every problem is reported in one run, and no `ok` line contradicts a `FAIL`.
Nothing here prints or logs a secret, and nothing is changed: no token is refreshed, no row is written.

The settings are checked in `check_settings.py`, the endpoints in `check_endpoints.py`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Mapping, TextIO

import aiohttp

from daemon.ops.check_endpoints import TIMEOUT, probes
from daemon.ops.check_settings import check_settings, validate

__all__ = ["Report", "run_check", "validate"]


@dataclass
class Report:
    out: TextIO
    problems: int = 0

    def ok(self, text: str) -> None:
        self._line("ok", text)

    def warn(self, text: str) -> None:
        self._line("warn", text)

    def fail(self, text: str) -> None:
        self.problems += 1
        self._line("FAIL", text)

    def _line(self, tag: str, text: str) -> None:
        print(f"  {tag:<5} {text}", file=self.out, flush=True)


async def run_check(environ: Mapping[str, str], out: TextIO) -> int:
    report = Report(out)
    print("xero-syncd check: settings", file=out)
    checked = check_settings(environ, report)
    print("xero-syncd check: endpoints", file=out)
    async with aiohttp.ClientSession(timeout=TIMEOUT, headers={"User-Agent": "xero-syncd-check/0.1"}) as http:
        for lines in await asyncio.gather(*probes(http, checked.settings, checked.failed)):
            for tag, text in lines:
                getattr(report, tag)(text)
    verdict = "no problems found" if not report.problems else f"{report.problems} problem(s) found"
    print(f"xero-syncd check: {verdict}", file=out)
    return 1 if report.problems else 0

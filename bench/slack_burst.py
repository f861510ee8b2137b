"""Burst: 200 concurrent signed `/xero status` commands while a large sync runs; every one must be acknowledged.

    .venv/bin/python -m bench.slack_burst [--commands 200] [--invoices 50000]

The emulator runs as a subprocess (`python -m xero_emulator`), the daemon and a fake Slack in this process, the
daemon on a real TCP port. The burst starts once the first sync of the large organisation is paging through
Invoices. Prints ack latency (request sent → HTTP response) and reply latency (→ response_url post), p50 / p99 /
max, and writes the figures as JSON to bench/results/slack_burst.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from daemon import logs
from daemon.app import create_app
from daemon.keys import SERVICE, STORE
from daemon.settings import Settings
from tests.fakes.slack import FakeSlack
from tests.slack.support import command_body, signed_headers

SIGNING_SECRET = "bench-signing-secret"
RESULTS = Path(__file__).parent / "results"


def start_emulator(invoices: int) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "xero_emulator", "--port", "0", "--auto-approve", "--orgs", "1",
           "--invoices", str(invoices)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, match.group(0)


def daemon_settings(emulator: str, slack: FakeSlack, port: int, data: str) -> Settings:
    return Settings.from_env({
        "XERO_CLIENT_ID": "emulator-client", "XERO_CLIENT_SECRET": "emulator-secret",
        "XERO_AUTHORIZE_URL": f"{emulator}/identity/connect/authorize", "XERO_TOKEN_URL": f"{emulator}/connect/token",
        "XERO_REVOKE_URL": f"{emulator}/connect/revocation", "XERO_CONNECTIONS_URL": f"{emulator}/connections",
        "XERO_API_URL": f"{emulator}/api.xro/2.0", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack.api_url, "SLACK_ALERT_CHANNEL": "C_ALERTS",
        "PUBLIC_URL": f"http://127.0.0.1:{port}", "DATABASE_URL": f"sqlite:///{data}/bench.db",
        "SECRET_KEY": "bench-secret", "LOG_LEVEL": "warning",
    })


async def connect(http: aiohttp.ClientSession, base: str, link: str) -> None:
    """The consent flow over HTTP: our start link → the emulator's (auto-approving) authorize → our callback."""
    start = urlsplit(link)
    async with http.get(f"{base}{start.path}?{start.query}", allow_redirects=False) as resp:
        authorize = resp.headers["Location"]
    async with http.get(authorize, allow_redirects=False) as resp:
        callback = urlsplit(resp.headers["Location"])
    async with http.get(f"{base}{callback.path}?{callback.query}") as resp:
        assert resp.status == 200, await resp.text()


async def wait_for_large_sync(app: web.Application, tenant: str, timeout: float = 120) -> None:
    """Until the first sync is running and has stored some invoices (it is in the middle of the big entity)."""
    store = app[STORE]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await store.records.counts(tenant)
        if counts.get("Invoices", 0) >= 1000 and await running(app, tenant):
            return
        await asyncio.sleep(0.05)
    raise SystemExit("the large sync did not get going")


async def running(app: web.Application, tenant: str) -> bool:
    return (await app[SERVICE].status(tenant))[0].running


async def one_command(http: aiohttp.ClientSession, base: str, slack: FakeSlack) -> tuple[int, float, str]:
    url, tag = slack.response_url()
    body = command_body("status", user="U_BENCH", response_url=url)
    started = time.perf_counter()
    async with http.post(f"{base}/slack/events", data=body.encode(), headers=signed_headers(body,
                         secret=SIGNING_SECRET)) as resp:
        await resp.read()
        return resp.status, time.perf_counter() - started, tag


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.50) * 1000, 1), "p99_ms": round(pick(0.99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


async def burst(http, base, slack, n: int) -> dict:
    sent_at = time.perf_counter()
    results = await asyncio.gather(*(one_command(http, base, slack) for _ in range(n)))
    tags = {tag: sent_at for _, _, tag in results}
    await slack.wait_for(lambda s: len({c.tag for c in s.responses() if c.tag in tags}) >= n, timeout=300)
    arrived: dict[str, float] = {}
    for call in slack.responses():
        arrived.setdefault(call.tag, call.at)
    return {"acked": sum(status == 200 for status, _, _ in results), "ack": figures([t for _, t, _ in results]),
            "reply": figures([arrived[tag] - sent_at for tag in tags])}


async def main(n: int, invoices: int) -> dict:
    logs.configure("warning", json=True)
    proc, emulator = start_emulator(invoices)
    slack = await FakeSlack(clock=_WallClock()).start()
    try:
        with tempfile.TemporaryDirectory() as data:
            port = _free_port()
            app = create_app(daemon_settings(emulator, slack, port, data))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()  # 200 connects at once
            base = f"http://127.0.0.1:{port}"
            try:
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                    await connect(http, base, app[SERVICE].flows.connect_link(slack_user="U_BENCH"))
                    [org] = await app[STORE].orgs.list()
                    await wait_for_large_sync(app, org.tenant_id)
                    result = await burst(http, base, slack, n)
                    result["sync_still_running_after_burst"] = await running(app, org.tenant_id)
                    result["invoices_stored_at_end_of_burst"] = (await app[STORE].records.counts(org.tenant_id)).get(
                        "Invoices", 0)
            finally:
                await runner.cleanup()
    finally:
        await slack.close()
        proc.terminate()
        proc.wait(timeout=10)
    return {"commands": n, "invoices": invoices, **result}


class _WallClock:
    def time(self) -> float:
        return time.perf_counter()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(result: dict) -> None:
    ack, reply = result["ack"], result["reply"]
    print(f"{result['commands']} concurrent signed /xero status during a {result['invoices']:,}-invoice sync")
    print(f"  acknowledged: {result['acked']}/{result['commands']} (HTTP 200)")
    print(f"  ack latency:   p50 {ack['p50_ms']} ms   p99 {ack['p99_ms']} ms   max {ack['max_ms']} ms")
    print(f"  reply latency: p50 {reply['p50_ms']} ms   p99 {reply['p99_ms']} ms   max {reply['max_ms']} ms"
          " (from the burst's start to the response_url post)")
    print(f"  sync still running after the burst: {result['sync_still_running_after_burst']}"
          f" ({result['invoices_stored_at_end_of_burst']:,} invoices stored by then)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=50000)
    args = parser.parse_args()
    outcome = asyncio.run(main(args.commands, args.invoices))
    report(outcome)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "slack_burst.json").write_text(json.dumps({"recorded_at": time.time(), **outcome}, indent=2) + "\n")
    print(f"  written: {RESULTS / 'slack_burst.json'}")

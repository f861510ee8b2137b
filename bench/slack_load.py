"""Benchmark 4: Slack under load: bursts of 200 concurrent signed `/xero status` commands while benchmark 1's sync
(100,000 invoices, 20,000 contacts, 50,000 payments, from empty) runs, then against the org once it is stored.

    .venv/bin/python bench/slack_load.py [--commands 200 --bursts 5 --idle-bursts 3]
                                         [--invoices 1000000 --contacts 200000 --payments 500000]
                                         [--database-url postgresql://postgres@127.0.0.1:5432/test]

The emulator runs in its own process and the daemon in this one, exactly as in benchmark 1 (listening with the
backlog `xero-syncd run` uses). The commands come from a third process (this script with --fire), so the load
generator's own work neither shares the daemon's event loop nor counts as its CPU: it signs every request as Slack
does (v0 HMAC-SHA256 with the signing secret), opens 200 connections at once to POST /slack/events (plain
sockets in one selectors loop), and receives the answers on its own response_url server. Ack latency is connect
started -> the whole HTTP response read (Slack's 3-second budget); reply latency is burst start -> the status
answer posted to response_url. Bursts start once the sync is writing invoices and repeat while it runs;
`--idle-bursts` more run after it, against the whole org stored on an idle daemon (with --invoices 1000000: the
million-invoice org).
Prints p50 / p99 / max and writes bench/results/slack_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import selectors
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

TARGET_P99_MS = 100  # acks
TARGET_REPLY_P99_MS = 250  # the status replies


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = h.arguments(__doc__)
    p.add_argument("--commands", type=int, default=200)
    p.add_argument("--bursts", type=int, default=5, help="bursts while the sync runs (at most)")
    p.add_argument("--idle-bursts", type=int, default=3, help="bursts once the org is stored, the daemon idle")
    p.add_argument("--limit", type=float, default=600)
    p.add_argument("--backlog", type=int, default=h.BACKLOG,
                   help=f"the daemon's listen backlog (default {h.BACKLOG}, what `xero-syncd run` uses)")
    p.add_argument("--fire", metavar="EVENTS_URL", help=argparse.SUPPRESS)  # the client process
    p.set_defaults(xero_pacing=False)
    return p.parse_args(argv)


# -- the client process -------------------------------------------------------------------------------------------
# One selectors loop over plain non-blocking sockets, no asyncio: the load generator shares the daemon's two cores,
# and every ack it reads late because of its own work is counted as the daemon's. Against a bare aiohttp server
# that answers at once, asyncio streams (a task, a StreamReader and a StreamWriter a connection) measured a p99 of
# 32-66 ms; this loop 27-47 ms (the rest is the server's own cost of 200 connections arriving together).
def fire(url: str, n: int) -> dict:
    """One burst: n signed /xero status commands at once; ack and reply latencies in ms."""
    from slack_sdk.signature import SignatureVerifier

    host, _, rest = url.removeprefix("http://").partition("/")
    ip, port = host.split(":")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # Slack's response_url endpoint
    listener.bind(("127.0.0.1", 0))
    listener.listen(h.BACKLOG)
    listener.setblocking(False)
    reply_base = f"http://127.0.0.1:{listener.getsockname()[1]}/respond/"
    signer, stamp = SignatureVerifier(h.SIGNING_SECRET), str(int(time.time()))
    requests = []
    for i in range(n):
        body = urlencode({"token": "legacy", "team_id": "T_BENCH", "team_domain": "bench", "channel_id": "C_OPS",
                          "channel_name": "ops", "user_id": f"U{i:04d}", "user_name": f"user{i}", "command": "/xero",
                          "text": "status", "api_app_id": "A_XERO", "response_url": f"{reply_base}{i}",
                          "trigger_id": f"{i}.1.2"})
        head = (f"POST /{rest} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"X-Slack-Request-Timestamp: {stamp}\r\n"
                f"X-Slack-Signature: {signer.generate_signature(timestamp=stamp, body=body)}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        requests.append((head + body).encode())
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    sent: list[float] = [0.0] * n
    answers: dict[int, bytearray] = {}
    acks: list[float] = []
    statuses: list[int] = []
    arrived: dict[str, float] = {}
    began = time.perf_counter()
    for i in range(n):  # every connection started at once; each ack is timed from its own start
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sent[i] = time.perf_counter()
        sock.connect_ex((ip, int(port)))
        sel.register(sock, selectors.EVENT_WRITE, i)
    deadline = began + 120
    while (len(acks) < n or len(arrived) < statuses.count(200)) and time.perf_counter() < deadline:  # a reply each ack
        for key, events in sel.select(timeout=1.0):
            sock, i = key.fileobj, key.data
            if sock is listener:  # a reply connection (kept alive by the daemon for its next reply)
                while True:
                    try:
                        conn, _ = listener.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(False)
                    sel.register(conn, selectors.EVENT_READ, bytearray())
            elif isinstance(i, bytearray):  # a reply: HTTP/1.1 requests, answered 200, the connection kept
                chunk = _recv(sock)
                if chunk is None:
                    continue
                if not chunk:
                    sel.unregister(sock)
                    sock.close()
                    continue
                i += chunk
                while (end := i.find(b"\r\n\r\n")) >= 0:
                    length = re.search(rb"(?i)content-length: *(\d+)", i[:end])
                    whole = end + 4 + (int(length.group(1)) if length else 0)
                    if len(i) < whole:
                        break
                    arrived.setdefault(i[:end].split(b" ", 2)[1].rsplit(b"/", 1)[1].decode(), time.perf_counter())
                    del i[:whole]
                    sock.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif events & selectors.EVENT_WRITE:  # connected: the command (~700 bytes: one send)
                try:
                    sock.send(requests[i])
                except OSError:  # refused or reset: no ack (status 0)
                    acks.append(time.perf_counter() - sent[i])
                    statuses.append(0)
                    sel.unregister(sock)
                    sock.close()
                    continue
                sel.modify(sock, selectors.EVENT_READ, i)
            else:  # Connection: close: the whole response, then EOF
                chunk = _recv(sock)
                if chunk is None:
                    continue
                if chunk:
                    answers.setdefault(i, bytearray()).extend(chunk)
                    continue
                acks.append(time.perf_counter() - sent[i])
                answer = answers.pop(i, b"")
                statuses.append(int(answer.split(b" ", 2)[1]) if answer else 0)
                sel.unregister(sock)
                sock.close()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    sel.close()
    replies = [t - began for t in arrived.values()]
    return {"sent": n, "acked_200": statuses.count(200), "replied": len(replies),
            "ack_ms": _figures(acks), "reply_ms": _figures(replies), "acks_ms": [round(a * 1000, 1) for a in acks]}


def _recv(sock: socket.socket) -> bytes | None:
    """What the socket has: b"" once it is closed (or reset), None if nothing is there after all."""
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return None
    except ConnectionError:
        return b""


def _figures(seconds: list[float]) -> dict:
    return {"p50": round(h.percentile(seconds, 50) * 1000, 1), "p99": round(h.percentile(seconds, 99) * 1000, 1),
            "max": round(max(seconds, default=0) * 1000, 1)}


# -- the daemon process -------------------------------------------------------------------------------------------
async def bursts(app, args: argparse.Namespace) -> dict:
    """While benchmark 1's sync runs: wait until it writes invoices, then fire bursts from a separate process."""
    from daemon.core.keys import STORE

    store = app[STORE]
    [org] = await store.orgs.list()
    deadline = time.monotonic() + args.limit
    while True:  # the sync is under way once some invoices are stored
        run = await store.runs.latest(org.tenant_id)
        if run and run.outcome == "running" and run.changed.get("Invoices", 0) >= 2000:
            break
        if time.monotonic() > deadline or (run and run.outcome != "running"):
            raise RuntimeError("the large sync did not get going")
        await asyncio.sleep(0.02)
    done = []
    for _ in range(args.bursts):
        before = await store.runs.latest(org.tenant_id)
        burst = await _burst(app, args)
        after = await store.runs.latest(org.tenant_id)
        burst["invoices_stored_before"] = before.changed.get("Invoices", 0)
        burst["sync_running_throughout"] = after.outcome == "running"
        done.append(burst)
        if after.outcome != "running":
            break
    while (await store.runs.latest(org.tenant_id)).outcome == "running":
        await asyncio.sleep(0.05)
    idle = [await _burst(app, args) for _ in range(max(1, args.idle_bursts))]  # the org stored, the daemon idle
    return {"bursts": done, "idle": idle[-1], "idle_bursts": idle}


async def _burst(app, args: argparse.Namespace) -> dict:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--fire", f"{app['bench_url']}/slack/events", "--commands", str(args.commands),
        stdout=asyncio.subprocess.PIPE, cwd=h.ROOT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=300)
    return json.loads(out)


def show(r: dict) -> None:
    bursts_ = r["during"]["bursts"]
    acks = [a for b in bursts_ for a in b["acks_ms"]]
    overall = {"p50": h.percentile(acks, 50), "p99": h.percentile(acks, 99), "max": max(acks, default=0)}
    r["ack_ms_all_bursts"] = overall
    print(f"{r['commands']} concurrent signed /xero status, {len(bursts_)} burst(s) during the first sync of"
          f" {r['records']:,} records (sync {r['sync_seconds']:.1f} s, {r['records_per_second']:,} records/s)")
    for i, b in enumerate(bursts_, 1):
        print(f"  burst {i}: {b['acked_200']}/{b['sent']} acked 200, ack p50 {b['ack_ms']['p50']} ms"
              f"  p99 {b['ack_ms']['p99']} ms  max {b['ack_ms']['max']} ms; status replies {b['replied']}/{b['sent']},"
              f" p50 {b['reply_ms']['p50']} ms  p99 {b['reply_ms']['p99']} ms  max {b['reply_ms']['max']} ms"
              f"  (sync running throughout: {b['sync_running_throughout']},"
              f" {b['invoices_stored_before']:,} invoices stored at the start)")
    print(f"  all bursts: ack p50 {overall['p50']:.1f} ms  p99 {overall['p99']:.1f} ms  max {overall['max']:.1f} ms"
          f"   target p99 < {TARGET_P99_MS} ms  {h.verdict(overall['p99'] < TARGET_P99_MS)}")
    replies = max((b["reply_ms"]["p99"] for b in bursts_), default=0.0)
    complete = all(b["replied"] == b["sent"] for b in bursts_)
    print(f"  status replies during the sync: worst burst p99 {replies:.1f} ms, all answered {complete}"
          f"   target p99 < {TARGET_REPLY_P99_MS} ms  {h.verdict(complete and replies < TARGET_REPLY_P99_MS)}")
    for i, idle in enumerate(r["during"].get("idle_bursts", [r["during"]["idle"]]), 1):
        ok = idle["replied"] == idle["sent"] and idle["reply_ms"]["p99"] < TARGET_REPLY_P99_MS
        print(f"  idle burst {i}, {r['records']:,} records stored: ack p50 {idle['ack_ms']['p50']} ms"
              f"  p99 {idle['ack_ms']['p99']} ms  max {idle['ack_ms']['max']} ms; replies {idle['replied']}/"
              f"{idle['sent']} p50 {idle['reply_ms']['p50']} ms  p99 {idle['reply_ms']['p99']} ms"
              f"   target p99 < {TARGET_REPLY_P99_MS} ms  {h.verdict(ok)}")
    slow = sum(1 for a in acks if a > 900)
    if slow:
        print(f"  {slow} of {len(acks)} acks took ~1 s: their connection was not accepted at once (listen backlog"
              f" {r['backlog']} < {r['commands']} connections arriving together) and the client's SYN was retried")
    loop = r["loop"]
    print(f"  event loop block {loop['max_overshoot_ms']:.0f} ms (of which {loop['of_which_waiting_for_a_cpu_ms']:.0f}"
          f" ms with no CPU free), slowest callback {loop['slowest_callback_ms']:.0f} ms")


async def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    if args.fire:
        print(json.dumps(fire(args.fire, args.commands)))
        return {}
    import full_sync

    emu = full_sync.start_emulator(args)

    async def work() -> dict:
        result = await full_sync.first_sync(emu, args, during=lambda app: bursts(app, args))
        return {"benchmark": "slack_load", "commands": args.commands, "backlog": args.backlog, **result}

    return await h.measured("slack_load", emu, work(), show, limit=args.limit + 300)


if __name__ == "__main__":
    asyncio.run(main())

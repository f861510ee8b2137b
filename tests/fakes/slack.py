"""A fake Slack on a loopback port: the Web API methods the daemon calls, and the response_url endpoint.

It records every `chat.postMessage`, `chat.update` and response_url post, answers `conversations.info` (the bot is
in every channel but those `not_in` names) (with the fake clock's time when one is
given), can be told to fail the next few Web API calls (HTTP 500, 429 with Retry-After, or `ok: false`), and
lets a test wait for what it expects to arrive (real I/O, bounded by a timeout; never a sleep for time).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str  # chat.postMessage, chat.update, auth.test, ..., or "response" for a response_url post
    body: dict
    at: float | None = None
    tag: str | None = None  # the response_url's tag
    ok: bool = True
    ts: str | None = None  # what Slack answered for a post
    peer: tuple | None = None  # the connection a response_url post came on (the daemon's address and port)

    @property
    def text(self) -> str:
        return self.body.get("text") or ""

    @property
    def blocks(self) -> list[dict]:
        blocks = self.body.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    @property
    def thread_ts(self) -> str | None:
        return self.body.get("thread_ts")

    @property
    def view(self) -> "Call":
        """A views.publish / views.open call's view, as a message (its blocks read as `shown` reads them)."""
        view = self.body.get("view") or {}
        view = json.loads(view) if isinstance(view, str) else view
        return Call("view", {"blocks": view.get("blocks") or [], "text": "", **view}, self.at)

    def buttons(self) -> list[dict]:
        return [e for b in self.blocks if b.get("type") == "actions" for e in b["elements"]]

    def everything(self) -> str:
        """Text and blocks as one string, for 'does it say X' assertions."""
        return self.text + "\n" + json.dumps(self.blocks)

    @property
    def fallback(self) -> str:
        """The plain-text fallback as a notification shows it: dates as their fallback text, entities unescaped."""
        return read(self.text)

    @property
    def shown(self) -> str:
        """The Block Kit as a person reads it: headers, sections, fields ("label: value"), context lines and
        buttons ("[Label]"), one per line, read as `fallback` is."""
        lines: list[str] = []
        for block in self.blocks:
            kind = block.get("type")
            if kind in ("header", "section") and block.get("text"):
                lines.append(read(block["text"]["text"]))
            for item in block.get("fields") or []:
                label, _, value = read(item["text"]).partition("\n")
                lines.append(f"{label.strip('*')}: {value}")
            if kind == "context":
                lines += [read(e.get("text", "")) for e in block["elements"]]
            if kind == "actions":
                lines += [f"[{e['text']['text']}]" for e in block["elements"]]
        return "\n".join(lines)


_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def read(mrkdwn: str) -> str:
    """Slack mrkdwn as read: a date token shows its fallback (what a client without it shows), *bold* is bold,
    &lt; is <."""
    return html.unescape(_BOLD.sub(lambda m: m.group(1), _TOKEN.sub(lambda m: m.group(1), mrkdwn)))


@dataclass
class Failure:
    status: int = 500
    error: str | None = None  # with status 200: {"ok": false, "error": ...}
    retry_after: int | None = None


@dataclass
class FakeSlack:
    clock: object | None = None
    calls: list[Call] = field(default_factory=list)  # accepted calls, in order
    refused: list[Call] = field(default_factory=list)  # calls answered with a failure
    failures: list[Failure] = field(default_factory=list)
    server: TestServer | None = None

    def __post_init__(self) -> None:
        self.outside: dict[str, str | None] = {}  # channels the bot is not in -> the error Slack answers (None: ok)
        self._ts = itertools.count(1)
        self._arrived = asyncio.Event()
        self._sockets: list[web.WebSocketResponse] = []  # Socket Mode connections the daemon opened
        self.socket_acks: dict[str, dict] = {}  # envelope id -> what the daemon acknowledged it with

    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods (conversations.info) by GET
        app.router.add_post("/response/{tag}", self._response)
        app.router.add_get("/socket", self._socket)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    @property
    def response_prefix(self) -> str:
        """What SLACK_RESPONSE_URL_PREFIXES must allow for replies to reach this fake."""
        return self.url + "/response/"

    def response_url(self) -> tuple[str, str]:
        tag = uuid.uuid4().hex[:12]
        return f"{self.url}/response/{tag}", tag

    def fail(self, count: int = 1, *, status: int = 500, error: str | None = None,
             retry_after: int | None = None) -> None:
        """The next `count` Web API calls fail this way."""
        self.failures += [Failure(status, error, retry_after) for _ in range(count)]

    def not_in(self, channel: str, *, error: str | None = None) -> None:
        """The bot is not in `channel`: conversations.info says `is_member: false`, or (a private channel it
        cannot see) answers `error`, e.g. channel_not_found or not_in_channel."""
        self.outside[channel] = error

    def posts_in(self, channel: str) -> list[Call]:
        """Messages posted in one channel (threads included)."""
        return [c for c in self.posts if c.body.get("channel") == channel]

    # -- what arrived ------------------------------------------------------------------------------------------
    @property
    def posts(self) -> list[Call]:
        return [c for c in self.calls if c.method == "chat.postMessage"]

    def published(self, user: str | None = None) -> list[Call]:
        """Home tabs published (for one user)."""
        return [c for c in self.calls if c.method == "views.publish" and (user is None or c.body.get("user_id") == user)]

    @property
    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "chat.update"]

    def responses(self, tag: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "response" and (tag is None or c.tag == tag)]

    def thread(self, ts: str) -> list[Call]:
        return [c for c in self.posts if c.thread_ts == ts]

    async def wait_for(self, predicate: Callable[["FakeSlack"], object], what: str, timeout: float = 10.0):
        """Wait (real I/O) until `predicate(self)` is truthy; return its value. Fails naming `what` after `timeout`
        real seconds."""
        async def until() -> object:
            while True:
                self._arrived.clear()
                if value := predicate(self):
                    return value
                await self._arrived.wait()
        try:
            return await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} at the fake Slack") from None

    async def response(self, tag: str, n: int = 1, timeout: float = 10.0) -> Call:
        """The n-th response_url post for this tag, once it arrives."""
        found = await self.wait_for(lambda s: len(s.responses(tag)) >= n and s.responses(tag),
                                    f"answer {n} to {tag}", timeout)
        return found[n - 1]

    # -- the server ----------------------------------------------------------------------------------------------
    def _now(self) -> float | None:
        return self.clock.time() if self.clock is not None else None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await _body(request)
        call = Call(method, body, self._now())
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return self._refuse(call, Failure(200, "not_authed"))
        if self.failures:
            return self._refuse(call, self.failures.pop(0))
        answer: dict = {"ok": True}
        if method == "chat.postMessage":
            call.ts = f"1700000000.{next(self._ts):06d}"
            answer.update(channel=body.get("channel"), ts=call.ts, message={"text": body.get("text")})
        elif method == "chat.update":
            answer.update(channel=body.get("channel"), ts=body.get("ts"), text=body.get("text"))
        elif method in ("views.publish", "views.open"):
            view = body.get("view")
            answer.update(view={**(json.loads(view) if isinstance(view, str) else view or {}), "id": "V_FAKE"})
        elif method == "apps.connections.open":
            answer.update(url=self.url.replace("http://", "ws://") + "/socket")
        elif method == "auth.test":
            answer.update(team_id="T_FAKE", user_id="U_BOT", bot_id="B_BOT", team="Fake", user="xero-syncd")
        elif method == "conversations.info":
            channel = str(body.get("channel") or "")
            if self.outside.get(channel):
                return self._refuse(call, Failure(200, self.outside[channel]))
            answer.update(channel={"id": channel, "is_member": channel not in self.outside,
                                   "is_im": channel.startswith("D")})
        self._record(call, self.calls)
        return web.json_response(answer)

    def _refuse(self, call: Call, failure: Failure) -> web.Response:
        call.ok = False
        self._record(call, self.refused)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.status == 200:
            return web.json_response({"ok": False, "error": failure.error or "internal_error"})
        if failure.status == 429:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        return web.Response(status=failure.status, text="Slack is having a bad day", headers=headers)

    async def socket_send(self, kind: str, payload: dict, timeout: float = 10.0) -> dict:
        """Deliver an envelope over Socket Mode (`events_api`, `interactive`, `slash_commands`) once the daemon is
        connected; what the daemon acknowledged it with."""
        await self.wait_for(lambda s: [w for w in s._sockets if not w.closed], "a Socket Mode connection", timeout)
        envelope = uuid.uuid4().hex
        ws = [w for w in self._sockets if not w.closed][-1]
        await ws.send_json({"envelope_id": envelope, "type": kind, "payload": payload,
                            "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
                            "retry_reason": ""})
        return await self.wait_for(lambda s: s.socket_acks.get(envelope), f"the ack of {kind}", timeout)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._arrived.set()
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A_XERO"},
                            "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type.name == "TEXT":
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.socket_acks[data["envelope_id"]] = data
                    self._arrived.set()
        return ws

    async def _response(self, request: web.Request) -> web.Response:
        call = Call("response", await _body(request), self._now(), tag=request.match_info["tag"],
                    peer=request.transport.get_extra_info("peername") if request.transport else None)
        self._record(call, self.calls)
        return web.Response(text="ok")

    def _record(self, call: Call, into: list[Call]) -> None:
        into.append(call)
        self._arrived.set()


async def _body(request: web.Request) -> dict:
    if request.method == "GET":
        return dict(request.query)
    raw = await request.text()
    if request.content_type == "application/json":
        return json.loads(raw or "{}")
    return {k: v[0] for k, v in parse_qs(raw).items()}

"""A chat console in the terminal that plays Slack for the demo.

Each `/xero ...` line is sent to the daemon's `/slack/events` as Slack sends a slash command: form-encoded, signed
with the signing secret (v0 HMAC-SHA256 over `v0:timestamp:body`), with a `response_url` that points back here.
The console also serves the small part of Slack's Web API the daemon calls (chat.postMessage, chat.update,
auth.test), so the alerts the daemon posts print here too. Replies and alerts are Block Kit rendered as text.

Besides `/xero ...`: an empty line follows the last link shown (through the emulator's consent page), `click N`
presses a button, `/demo ...` runs the demo's own commands (see `Console.hooks`), `quit` ends.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from typing import AsyncIterator, Awaitable, Callable, TextIO

import aiohttp
from aiohttp import web

from daemon.demo.console_parts import RequestCounter, can_print, page_text, web_api_arguments
from daemon.demo.render import Button, Renderer
from daemon.demo.slack_requests import TEAM, Where, block_actions, signed_headers, slash_command

BOT_USER = "U0BOT"
CHANNELS = {"C0DEMO": "#accounts", "C0ALERTS": "#xero-alerts"}
Hook = Callable[[str], Awaitable[str]]


class Console:
    def __init__(self, daemon_url: str, signing_secret: str, out: TextIO, *, user: str = "U0DEMOADMIN",
                 channel: str = "C0DEMO", hooks: dict[str, Hook] | None = None,
                 now: Callable[[], float] = time.time, echo: bool = True) -> None:
        self.daemon_url = daemon_url.rstrip("/")
        self.url = ""  # where this console listens (set by `start`)
        self._secret = signing_secret
        self._out = out
        self._where = Where(user, "demo.admin", channel, CHANNELS[channel].lstrip("#"))
        self.channels = dict(CHANNELS)  # id -> #name: the demo's two, and any the user types in (`#name`)
        self.joined = set(CHANNELS)  # the channels the bot is in (`/invite @xero-syncd` adds the current one)
        self.hooks = hooks or {}
        self._now = now
        self._echo = echo  # repeat what the user typed (when it comes from a file, not a keyboard)
        self.render = Renderer(emoji=can_print(out, "🚨"), bold=out.isatty(), now=now, users={user: "demo.admin"})
        self.last_link: str | None = None
        self.requests = RequestCounter()  # the demo watches this to know when things are quiet
        self._seq = itertools.count(1)
        self._pressed: dict[str, Button] = {}  # response_url number -> the button whose press it answers
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    # -- the Slack side the daemon talks to ------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(middlewares=[self.requests.middleware])
        app.router.add_post("/api/{method}", self._web_api)
        app.router.add_get("/api/{method}", self._web_api)  # slack_sdk asks conversations.info by GET
        app.router.add_post("/respond/{n}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.url = f"http://{host}:{self._runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.url

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = dict(request.query) if request.method == "GET" else await web_api_arguments(request)
        if method == "conversations.info":  # is the bot in the channel a command was typed in
            channel = str(args.get("channel"))
            if channel not in self.channels:
                return web.json_response({"ok": False, "error": "channel_not_found"})
            return web.json_response({"ok": True, "channel": {"id": channel, "name": self.channels[channel][1:],
                                                              "is_member": channel in self.joined}})
        if method == "auth.test":
            return web.json_response({"ok": True, "url": "https://demo.slack.com/", "team": "Demo workspace",
                                      "user": "xero-syncd", "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0DEMO"})
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            ts = args.get("ts") or f"{int(self._now())}.{next(self._seq):06d}"
            self._show_post(method, {**args, "ts": ts}, ts)
            return web.json_response({"ok": True, "channel": args.get("channel"), "ts": ts,
                                      "message": {"text": args.get("text"), "ts": ts}})
        return web.json_response({"ok": True})

    def _show_post(self, method: str, args: dict, ts: str) -> None:
        where = self.channels.get(str(args.get("channel")), f"#{args.get('channel')}")
        if method == "chat.update":  # Slack redraws the message: buttons it no longer has are gone
            self._retire(lambda b: b.message.get("ts") == ts, "the message it was in has been edited since")
            first = self.render.message({"text": args.get("text")})[0]
            before = len(self.render.buttons)
            self.render.message(args)  # the buttons the edited message has
            still = [f"    [{b.label}]  (type `click {n}` to press it)"
                     for n, b in enumerate(self.render.buttons[before:], start=before + 1) if not b.url]
            self._print(f"{where}  (xero-syncd edited its alert {ts}: {first})", *still)
            return
        thread = f"  (in the thread of {args['thread_ts']})" if args.get("thread_ts") else ""
        self._show(f"{where}  xero-syncd{thread}  [{ts}]", args)

    async def _response_url(self, request: web.Request) -> web.Response:
        payload = await request.json()
        who = "only you can see this" if payload.get("response_type", "ephemeral") == "ephemeral" else "in channel"
        pressed = self._pressed.get(request.match_info["n"])
        if pressed is not None and _true(payload.get("delete_original")):
            self._retire(lambda b: b.message is pressed.message, "the message it was in has been deleted")
            self._print(f"xero-syncd  (deleted the message with [{pressed.label}])")
        elif pressed is not None and _true(payload.get("replace_original")):
            self._retire(lambda b: b.message is pressed.message,
                         f"the message it was in was replaced when you pressed [{pressed.label}]")
            who += f"; in place of the message with [{pressed.label}]"
        if not _true(payload.get("delete_original")):
            self._show(f"xero-syncd  ({who})", payload)
        return web.Response(text="ok")

    def _retire(self, which: Callable[[Button], bool], why: str) -> None:
        for button in self.render.buttons:
            if button.gone is None and which(button):
                button.gone = why

    # -- the user's side -------------------------------------------------------------------------------------------
    async def run(self, lines: AsyncIterator[str], *, after_each: Callable[[], Awaitable[None]] | None = None) -> None:
        """Handle lines until `quit` or the end of input; `after_each` waits for the daemon to go quiet."""
        async for line in lines:
            if line.strip().lower() in ("quit", "exit", "/quit"):
                break
            await self.handle(line)
            if after_each is not None:
                await after_each()

    async def handle(self, line: str) -> None:
        text = line.strip()
        if not text:
            await self.follow()
        elif re.fullmatch(r"/?xero(\s.*)?", text):
            await self.command(text.lstrip("/")[4:].strip())
        elif re.fullmatch(r"#[\w-]+(\s.*)?", text):
            name, _, rest = text.partition(" ")
            self.enter(name)
            if rest.strip():
                await self.handle(rest)
        elif re.fullmatch(r"/invite\s+@?xero-syncd", text):
            self._said(text)
            self.joined.add(self._where.channel)
            self._print(f"{self._where_name}  xero-syncd joined {self._where_name}")
        elif re.fullmatch(r"click\s+\d+", text):
            await self.click(int(text.split()[1]))
        elif text.startswith("/demo") and self.hooks:
            self._said(text)
            name, _, rest = text[5:].strip().partition(" ")
            hook = self.hooks.get(name) or self.hooks["help"]
            self._print(f"demo  {await hook(rest.strip())}")
        else:
            self._print("console  Type /xero help (or /demo help), `click N` to press a button, an empty line to "
                        "follow the last link, `#channel` to type in another channel (`/invite @xero-syncd` "
                        "there), quit to stop.")

    def enter(self, name: str) -> None:
        """Type in `#name` from now on (a channel the demo does not have yet is made; the bot is not in it)."""
        name = "#" + name.lstrip("#").lower()
        found = next((cid for cid, known in self.channels.items() if known == name), None)
        if found is None:
            found = "C0" + re.sub(r"[^A-Z0-9]", "", name.upper())[:9] + str(len(self.channels))
            self.channels[found] = name
        self._where = Where(self._where.user, self._where.user_name, found, name[1:])
        self._print(f"console  You are in {name} now" + ("" if found in self.joined else
                                                        " (xero-syncd is not; `/invite @xero-syncd` to add it)"))

    @property
    def _where_name(self) -> str:
        return self.channels[self._where.channel]

    async def command(self, text: str) -> None:
        self._said(f"/xero {text}".rstrip())
        await self._post_to_daemon(slash_command(self._where, text, self._respond_url(), self._trigger()))

    async def click(self, number: int) -> None:
        if not 1 <= number <= len(self.render.buttons):
            self._print(f"console  There is no button {number}.")
            return
        button = self.render.buttons[number - 1]
        if button.gone:
            self._print(f"console  Button {number} [{button.label}] is not there any more: {button.gone}.")
            return
        if button.url:
            await self.follow(button.url)
            return
        self._said(f"(presses [{button.label}])")
        body = block_actions(self._where, button, self._respond_url(button), self._trigger(), self._now())
        await self._post_to_daemon(body)

    async def follow(self, link: str | None = None) -> None:
        """Open a link as a browser would (redirects followed), through the emulator's consent page."""
        link = link or self.last_link
        if not link:
            self._print("console  No link to follow yet (try /xero auth).")
            return
        self._print(f"browser  opening {link}")
        try:
            async with self._session.get(link, allow_redirects=True) as resp:
                hops = [str(r.url.with_query(None)) for r in resp.history]
                page = await resp.text()
        except aiohttp.ClientError as err:
            self._print(f"browser  could not open it: {type(err).__name__}: {err}")
            return
        for hop in hops[1:]:
            self._print(f"browser  -> {hop}")
        self._print(f"browser  <- {resp.status}: " + " | ".join(page_text(page)))

    # -- details ---------------------------------------------------------------------------------------------------
    @property
    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise RuntimeError("the console is not started")
        return self._http

    def _respond_url(self, pressed: Button | None = None) -> str:
        number = str(next(self._seq))
        if pressed is not None:
            self._pressed[number] = pressed
        return f"{self.url}/respond/{number}"

    def _trigger(self) -> str:
        return f"{next(self._seq)}.demo"

    async def _post_to_daemon(self, body: bytes) -> None:
        timestamp = str(int(self._now()))
        headers = signed_headers(self._secret, timestamp, body)
        try:
            async with self._session.post(f"{self.daemon_url}/slack/events", data=body, headers=headers) as resp:
                status, raw = resp.status, await resp.text()
        except aiohttp.ClientError as err:
            self._print(f"slack  the daemon did not answer: {type(err).__name__}")
            return
        if status != 200:
            self._print(f"slack  the daemon answered HTTP {status}: Slack would show 'dispatch_failed'")
            return
        if raw.strip():
            reply = json.loads(raw) if raw.lstrip().startswith("{") else {"text": raw}
            self._show("xero-syncd  (only you can see this)", reply)

    def _show(self, header: str, message: dict) -> None:
        before = len(self.render.buttons)
        lines = self.render.message(message)
        links = [b.url for b in self.render.buttons[before:] if b.url]
        if links:
            self.last_link = links[-1]
            lines.append("(press Enter to follow the link here, or open it in a browser)")
        self._print(header, *("    " + line for line in lines))

    def _said(self, text: str) -> None:
        if self._echo:
            self._print(f"you  {text}")

    def _print(self, *lines: str) -> None:
        text = "\n".join(lines) + "\n"
        encoding = getattr(self._out, "encoding", None)
        if encoding and not can_print(self._out, text):
            text = text.encode(encoding, "replace").decode(encoding)
        self._out.write(text)
        self._out.flush()


def _true(value: object) -> bool:
    return value is True or str(value).lower() == "true"

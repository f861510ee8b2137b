"""The demo's chat console, driven non-interactively (lines on standard input) as a newcomer's script would.

The console signs each slash command as Slack does; the daemon's bolt app refuses anything else, so every reply
seen here is proof the signature was right. Nothing sleeps here: the console itself waits, after each line, until
the daemon has gone quiet (no request in flight, no sync running, no alert queued)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import socket
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import aiohttp

from daemon.core.settings import VARIABLES
from daemon.demo.console import Console
from daemon.demo.render import Renderer
from daemon.demo.session import demo_session
from daemon.demo.slack_requests import sign
from xero_emulator.harness import free_port

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"invoices": 120, "contacts": 30, "payments": 40, "credit_notes": 5, "overpayments": 2, "prepayments": 2,
         "items": 8, "accounts": 12}


async def lines(*items: str):
    for item in items:
        yield item + "\n"


def turns(transcript: str) -> list[tuple[str, str]]:
    """Each thing the user typed, with what followed it up to the next one."""
    parts = re.split(r"^you  (.*)$", transcript, flags=re.M)
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


async def test_console_shows_status_auth_sync_and_an_alert(tmp_path):
    out = io.StringIO()
    script = lines("/xero status", "/xero auth", "", "/xero status", "/xero sync aroha", "/demo break bramble",
                   "/xero sync bramble", "/xero status bramble")
    await asyncio.wait_for(demo_session(script, out, tmp_path, sizes=SMALL), timeout=50)
    text = out.getvalue()
    assert text.startswith("xero-syncd DEMO")
    said = turns(text)
    assert [typed for typed, _ in said] == ["/xero status", "/xero auth", "/xero status", "/xero sync aroha",
                                           "/demo break bramble", "/xero sync bramble", "/xero status bramble"]
    empty, auth, status, sync, broke, failed, broken = (reply for _, reply in said)

    assert "No Xero organisation is connected yet" in empty
    link = re.search(r"\[Connect Xero\] (http://127\.0\.0\.1:\d+/oauth/start\?link=\S+)", auth)
    assert link, auth
    assert f"browser  opening {link.group(1)}" in auth  # the empty line followed it
    assert "Xero is connected" in auth and "Aroha Plumbing (NZ) (new)" in auth
    assert "#xero-alerts  xero-syncd" in auth  # the channel hears which orgs were connected

    assert "LAST SUCCESSFUL SYNC" in status and "Invoices 120" in status
    assert "Synced Aroha Plumbing (NZ)" in sync

    assert "demo  Bramble Bakery (UK) was disconnected" in broke
    alert = failed[failed.index("#xero-alerts  xero-syncd"):]
    assert "Bramble Bakery (UK)" in alert and "[Re-authorize Xero] http://127.0.0.1:" in alert
    assert "needs re-authorization" in broken


def test_demo_runs_from_standard_input_as_make_run_does(tmp_path):
    """`make run` with no settings, fed from a pipe: banner first, then the replies, exit 0 at the end of input."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(PORT=str(free_port()), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "daemon", "run"], input="/xero help\n/xero auth\n\n/xero status aroha\n",
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=55)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    first = out.splitlines()
    assert first[0].startswith("xero-syncd DEMO") and "XERO_CLIENT_ID" in "\n".join(first[:5])
    assert "[Connect Xero]" in out and "Xero is connected" in out and "Invoices 3,000" in out
    runs = [json.loads(line) for line in (tmp_path / "var" / "demo.log").read_text().splitlines()
            if '"sync.run_finished"' in line]
    assert len(runs) == 2  # one canonical JSON line per sync run
    assert {"tenant_id", "run_id", "trigger", "outcome", "records", "api_calls", "duration_ms", "error"} <= set(runs[0])


def test_signature_is_slacks_v0_scheme():
    # The example from Slack's "Verifying requests from Slack" guide.
    body = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
            b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    assert sign("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body) == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")


def test_block_kit_is_rendered_as_readable_text():
    render = Renderer(emoji=False, tz=UTC)
    message = {"text": "fallback", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": ":rotating_light: *Sync failed* for <@U1> &amp; co"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Since*\n<!date^1700000000^{date_num}|11/14/23>"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "see <https://example.com/x|the docs>"}]},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Retry now"}, "action_id": "retry_sync"},
            {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "o", "url": "https://x.y/z"}]},
    ]}
    assert render.message(message) == [
        ":rotating_light: Sync failed for @U1 & co",
        "  Since: 2023-11-14",
        "  see the docs (https://example.com/x)",
        "  [Retry now]  (type `click 1` to press it)",
        "  [Open] https://x.y/z",
    ]


async def steps(out: io.StringIO, *items):
    """Lines for the console; a callable item is given the transcript so far (to find a button's number)."""
    for item in items:
        yield (item(out.getvalue()) if callable(item) else item) + "\n"


def click(label: str, which: int = -1):
    """`click N` for a button with this label, the last one shown unless told (-2: the one before it)."""
    def pick(transcript: str) -> str:
        return "click " + re.findall(rf"\[{re.escape(label)}\]  \(type `click (\d+)`", transcript)[which]
    return pick


def said_after(transcript: str, typed: str, which: int = -1) -> str:
    return [reply for said, reply in turns(transcript) if said == typed][which]


async def test_demo_shows_a_failure_with_retry_now_its_recovery_and_a_paused_org(tmp_path):
    out = io.StringIO()
    script = steps(out, "/xero auth", "", "/demo help", "/demo fail bramble", "/xero sync bramble",
                   "/demo heal bramble", click("Retry now"),
                   "/demo pause aroha", "/xero sync aroha", "/xero status aroha", "/demo resume aroha",
                   "/xero sync aroha")
    await asyncio.wait_for(demo_session(script, out, tmp_path, sizes=SMALL), timeout=60)
    text = out.getvalue()
    for command in ("/demo fail [org]", "/demo heal [org]", "/demo pause [org]", "/demo resume [org]"):
        assert command in text  # /demo help

    assert "demo  Xero now answers HTTP 500 to every call for Bramble Bakery (UK)" in text
    failed = said_after(text, "/xero sync bramble")
    alert = failed[failed.index("#xero-alerts  xero-syncd"):]
    assert "Bramble Bakery (UK)" in alert and "[Retry now]  (type `click" in alert
    assert "demo  Xero answers Bramble Bakery (UK) normally again" in said_after(text, "/demo heal bramble")
    retried = said_after(text, "(presses [Retry now])")
    thread = retried[retried.index("#xero-alerts  xero-syncd  (in the thread of"):]
    assert "recovered" in thread.lower() and "Bramble Bakery (UK)" in thread

    paused = said_after(text, "/xero sync aroha", 0)
    alert = paused[paused.index("#xero-alerts  xero-syncd"):]
    assert "paused" in alert.lower() and "resumes" in alert and "[Retry now]" not in alert
    assert "demo  Aroha Plumbing (NZ) has spent today's Xero API calls" in said_after(text, "/demo pause aroha")
    assert "daily limit" in said_after(text, "/xero status aroha")
    resumed = said_after(text, "/xero sync aroha", 1)
    assert "in the thread of" in resumed and "recovered" in resumed.lower()


async def test_buttons_of_a_replaced_or_edited_message_are_gone(tmp_path):
    out = io.StringIO()
    script = steps(out, "/xero auth", "", "/xero delete bramble", click("Confirm delete"), click("Cancel"))
    await asyncio.wait_for(demo_session(script, out, tmp_path, sizes=SMALL), timeout=60)
    text = out.getvalue()
    confirmed = said_after(text, "(presses [Confirm delete])")
    assert "in place of the message with [Confirm delete]" in confirmed
    assert "console  Button 3 [Cancel] is not there any more: the message it was in was replaced when you pressed "\
           "[Confirm delete]." in confirmed  # not "Cancelled: nothing was deleted"
    assert "Cancelled" not in text

    # an alert edited by the daemon (chat.update) keeps only the buttons it still has
    console = Console("http://127.0.0.1:9", "unused", io.StringIO())
    await console.start()
    try:
        retry = {"type": "actions", "elements": [{"type": "button", "action_id": "retry_sync", "value": "t1",
                                                  "text": {"type": "plain_text", "text": "Retry now"}}]}
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{console.url}/api/chat.postMessage",
                                 json={"channel": "C0ALERTS", "text": "failed", "blocks": [retry]}) as resp:
                ts = (await resp.json())["ts"]
            await http.post(f"{console.url}/api/chat.update", json={"channel": "C0ALERTS", "ts": ts,
                                                                    "text": "recovered", "blocks": []})
        await console.click(1)
        assert ("console  Button 1 [Retry now] is not there any more: the message it was in has been edited since."
                in console._out.getvalue())
    finally:
        await console.close()


async def test_a_button_for_an_org_deleted_since_says_it_is_no_longer_connected(tmp_path):
    out = io.StringIO()
    script = steps(out, "/xero auth", "", "/demo fail bramble", "/xero sync bramble", "/xero delete bramble",
                   "/xero delete bramble", click("Confirm delete", -2), click("Confirm delete"), click("Retry now"))
    await asyncio.wait_for(demo_session(script, out, tmp_path, sizes=SMALL), timeout=60)
    text = out.getvalue()
    assert "Deleted Bramble Bakery (UK)" in said_after(text, "(presses [Confirm delete])", 0)
    again = said_after(text, "(presses [Confirm delete])", 1)
    assert "no longer connected" in again and "No organisation matches" not in again
    retried = said_after(text, "(presses [Retry now])") if "(presses [Retry now])" in text else ""
    assert "no longer connected" in retried or "[Retry now] is not there any more" in text


def time_wait_on(port: int) -> None:
    """Leave 127.0.0.1:`port` in TIME_WAIT, as a daemon that closed its connections and stopped does."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        with socket.create_connection(("127.0.0.1", port)) as client:
            conn, _ = server.accept()
            conn.close()  # the listening side closes first: its end stays in TIME_WAIT
            client.recv(1)


async def test_the_banner_says_where_the_data_lives_and_port_survives_a_restart(tmp_path):
    port = free_port()
    time_wait_on(port)
    out = io.StringIO()
    await asyncio.wait_for(demo_session(lines("/xero help"), out, tmp_path, sizes=SMALL, port=port), timeout=60)
    banner = out.getvalue()
    assert f"The daemon runs at http://127.0.0.1:{port} (try" in banner
    assert f"Its data (the SQLite store and its secret key) live in {tmp_path.resolve()}, deleted when" in banner
    assert "its logs go to" in banner

    with socket.socket() as taken:  # another program listens there: the demo says so and runs elsewhere
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", port))
        taken.listen()
        out = io.StringIO()
        await asyncio.wait_for(demo_session(lines(), out, tmp_path, sizes=SMALL, port=port), timeout=60)
    assert f"(port {port} is taken)" in out.getvalue()


async def test_commands_typed_in_another_channel_act_there_and_the_bot_must_be_invited(tmp_path):
    out = io.StringIO()
    script = steps(out, "/xero auth", "", "#team /xero subscribe aroha syncs", "/invite @xero-syncd",
                   "/xero subscribe aroha syncs", "/xero sync aroha", "#accounts /xero subscriptions")
    await asyncio.wait_for(demo_session(script, out, tmp_path, sizes=SMALL), timeout=60)
    text = out.getvalue()
    assert "console  You are in #team now (xero-syncd is not; `/invite @xero-syncd` to add it)" in text
    refused = said_after(text, "/xero subscribe aroha syncs", 0)
    assert "I am not in this channel, so I could not post alerts here; nothing was subscribed" in refused
    assert "#team  xero-syncd joined #team" in said_after(text, "/invite @xero-syncd")
    assert "This channel now receives syncs alerts for Aroha Plumbing (NZ)" in \
        said_after(text, "/xero subscribe aroha syncs", 1)
    synced = said_after(text, "/xero sync aroha")
    line = synced[synced.index("#team  xero-syncd"):]
    assert re.search(r"Aroha Plumbing \(NZ\) synced \(manual, by @demo\.admin\) in [\d.]+ s", line), line
    listed = said_after(text, "/xero subscriptions")
    assert "This channel receives no Xero alerts" in listed  # #accounts subscribed to nothing

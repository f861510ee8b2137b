"""`docs/slack.md`: every `/xero` reply and every alert-channel message as the daemon really sends it, produced by
driving a daemon through signed requests and the emulator, so the page cannot drift from the code.

The test fails when the page differs from what the daemon sends now; `make docs` rewrites it (this test with
UPDATE_DOCS=1). Links (signed, single-use, different each time) are shortened to `…`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from daemon.core.entities import scopes_for
from daemon.xero.client import RetryPolicy
from tests.fakes.slack import Call, read
from tests.slack.support import ADMIN, CHANNEL, MEMBER, acked, click, command, home_action_body, post_signed, reply
from tests.slack.test_slack_home import open_home, press
from tests.support import follow_consent

DOC = Path(__file__).resolve().parents[2] / "docs" / "slack.md"
NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"

INTRO = """# What xero-syncd says in Slack

Every reply to `/xero` and every message in the alert channel, exactly as the daemon sends them today: this page is
written by `tests/slack/test_slack_doc.py`, which drives a daemon through signed Slack requests against the Xero
emulator (two organisations, Auckland and London), and fails when the page and the daemon disagree. `make docs`
rewrites it.

How to read it:

- **Notification text** is the message's `text`: what Slack shows in notifications, and in clients that cannot draw
  blocks. Emoji are Slack's `:codes:`.
- **As laid out** is the Block Kit, line by line: a header in capitals, `*bold*` as written, fields as
  `Label: value`, context (small grey text) indented, buttons as `[Label]`.
- Dates are Slack date tokens (`<!date^…>`): each reader sees them in their own time zone and locale, with "ago"
  kept fresh (for example "Nov 24th at 10:00 PM (2 hours ago)"). Here they show their fallback, which is the
  organisation's own local time, day before month, with its zone.
- The Block Kit JSON of each message is under it, to paste into Slack's Block Kit Builder.
- Command replies are ephemeral (only the person who asked sees them); alert-channel messages are for everyone.
"""


class Page:
    def __init__(self) -> None:
        self.parts: list[str] = [INTRO]

    def heading(self, title: str, note: str = "") -> None:
        self.parts.append(f"## {title}\n" + (f"\n{note}\n" if note else ""))

    def add(self, title: str, call: Call, note: str = "") -> None:
        body = [f"### {title}\n"]
        if note:
            body.append(note + "\n")
        if call.thread_ts:
            body.append("*In the alert's thread.*\n")
        if call.method == "chat.update":
            body.append("*The alert itself, edited (`chat.update`).*\n")
        body.append("Notification text:\n\n" + _quote(_links(read(call.text))) + "\n")
        if call.blocks:
            body.append("As laid out:\n\n```text\n" + _links(_laid_out(call.blocks)) + "\n```\n")
            blocks = _links(json.dumps(call.blocks, indent=1, ensure_ascii=False))
            body.append(f"<details><summary>Block Kit JSON</summary>\n\n```json\n{blocks}\n```\n\n</details>\n")
        self.parts.append("\n".join(body))

    def add_view(self, title: str, call: Call, note: str = "") -> None:
        """A Home tab or a modal: no notification text, only its blocks."""
        view = call.view
        body = [f"### {title}\n"] + ([note + "\n"] if note else [])
        body.append("As laid out:\n\n```text\n" + _links(_laid_out(view.blocks)) + "\n```\n")
        shown = {k: v for k, v in view.body.items() if k not in ("text", "id")}
        blocks = _links(json.dumps(shown, indent=1, ensure_ascii=False))
        body.append(f"<details><summary>Block Kit JSON</summary>\n\n```json\n{blocks}\n```\n\n</details>\n")
        self.parts.append("\n".join(body))

    def text(self) -> str:
        return "\n".join(self.parts).rstrip() + "\n"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def _links(text: str) -> str:
    return re.sub(r"(https?://[^\s\"|>)]*?link=)[A-Za-z0-9_\-=%.]+", r"\1…", text)


def _laid_out(blocks: list[dict]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(read(block["text"]["text"]).upper())
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "section":
            if block.get("text"):
                lines += _mrkdwn(block["text"]["text"]).splitlines()
            for item in block.get("fields") or []:
                label, _, value = _mrkdwn(item["text"]).partition("\n")
                lines.append(f"{label.strip('*')}: {value.replace(chr(10), ' / ')}")
        elif kind == "context":
            lines += ["    " + _mrkdwn(e.get("text", "")) for e in block["elements"]]
        elif kind == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif kind == "input":
            element = block["element"]
            hint = f" ({block['hint']['text']})" if block.get("hint") else ""
            lines.append(f"{block['label']['text']}: <{element['type']}>{hint}")
    return "\n".join(lines)


def _mrkdwn(text: str) -> str:
    """Dates as their fallback and entities unescaped; *bold* stays marked, as it is the layout."""
    return re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text).replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&")


class Channel:
    """What the alert channel got since the last look."""

    def __init__(self, slack) -> None:
        self.slack = slack
        self.seen = 0

    def new(self) -> list[Call]:
        """In the order sent, except that two orgs' messages (their syncs ran side by side, so either may come
        first) are grouped by org, the Auckland one first: the page is the same at every run."""
        calls = [c for c in self.slack.calls[self.seen:] if c.method in ("chat.postMessage", "chat.update")]
        self.seen = len(self.slack.calls)
        return sorted(calls, key=lambda c: (NZ not in c.text, UK not in c.text) if NZ in c.text or UK in c.text
                      else (False, False))


async def test_docs_slack_md_is_what_the_daemon_sends(make_daemon, emulator, slack, database_url, settings):
    daemon = await make_daemon(retry=RetryPolicy(jitter=False))  # Xero's retries wait the same every time
    page, channel = Page(), Channel(slack)

    page.heading("Commands", "`/xero` followed by a command; `[org]` is a name (or its start) or a tenant id, and "
                             "may be left out when one organisation is connected.")
    page.add("`/xero help`", await acked(daemon, slack, "help"))
    page.add("An unknown word: `/xero frobnicate`", await acked(daemon, slack, "frobnicate"))
    page.add("A command only admins may run, from someone else", await acked(daemon, slack, "sync", user=MEMBER))
    page.add("Anything, before an organisation is connected", await acked(daemon, slack, "status"))
    auth = await reply(daemon, slack, "auth")
    page.add("`/xero auth`", auth)
    await follow_consent(daemon, emulator, auth.buttons()[0]["url"])
    await daemon.advance(0)
    await daemon.flush()
    connect_posts = channel.new()

    page.add("`/xero status`", await reply(daemon, slack, "status"))
    sent = await command(daemon, slack, "test")
    page.add("`/xero test`: acknowledged at once", await sent.acked())
    page.add("`/xero test`: the answer", await slack.response(sent.tag))
    page.add("An organisation that names several: `/xero sync demo`", await acked(daemon, slack, "sync demo"))
    page.add("No organisation named, several connected: `/xero sync`", await acked(daemon, slack, "sync"))
    page.add("Words that are not what the command takes: `/xero reset nz tomorrow`",
             await acked(daemon, slack, "reset demo company (nz) tomorrow"))
    await daemon.clock.advance(120)
    sent = await command(daemon, slack, "sync demo company (nz)")
    page.add("`/xero sync [org]`: acknowledged at once", await sent.acked())
    page.add("`/xero sync [org]`: the answer", await slack.response(sent.tag))
    page.add("`/xero sync [org] [entity]`", await reply(daemon, slack, "sync demo company (nz) invoices"))
    page.add("`/xero reset [org] [date]`", await reply(daemon, slack, "reset demo company (nz) 2024-07-01"))
    page.add("`/xero reset [org] [entity]`", await reply(daemon, slack, "reset demo company (nz) contacts"))
    page.add("`/xero reset [org]`", await reply(daemon, slack, "reset demo company (nz)"))
    page.add("A reset date in the future where the organisation is",
             await reply(daemon, slack, "reset demo company (uk) 2026-11-25"))
    page.add("`/xero sync all`", await reply(daemon, slack, "sync all"))
    page.add("`/xero disable [org]`", await reply(daemon, slack, "disable demo company (uk)"))
    page.add("`/xero enable [org]`", await reply(daemon, slack, "enable demo company (uk)"))
    await daemon.flush()
    audit_posts = channel.new()

    nz, uk = (t.tenant_id for t in emulator.state.tenants)
    emulator.state.inject_fault("500", tenant_id=nz, fraction=1.0)
    emulator.state.disconnect_tenant(uk)
    await daemon.advance(3600)
    await daemon.flush()
    failure_posts = channel.new()
    page.add("`/xero status` when something is wrong", await reply(daemon, slack, "status"))
    page.add("`/xero test` when an organisation is disconnected", await reply(daemon, slack, "test demo company (uk)"))
    sent = await command(daemon, slack, "sync demo company (nz)")
    page.add("`/xero sync` that fails", (await daemon.until(lambda: slack.responses(sent.tag), "the answer"))[0])
    page.add("`/xero sync` that Xero refuses", await reply(daemon, slack, "sync demo company (uk)"))
    page.add("`/xero history [org] [N]`", await reply(daemon, slack, "history demo company (nz) 5"))
    await daemon.flush()
    repeat_posts = channel.new()

    emulator.state.clear_faults()
    alert = next(c for c in failure_posts if c.method == "chat.postMessage" and "Xero sync failed" in c.text)
    retry = alert.buttons()[0]
    pressed = await click(daemon, slack, retry["action_id"], value=retry["value"])
    await slack.response(pressed.tag, 2)
    await daemon.flush()
    retry_posts = channel.new()
    reauth = next(c for c in failure_posts if c.method == "chat.postMessage" and "re-authorization" in c.text)
    await follow_consent(daemon, emulator, reauth.buttons()[0]["url"])
    await daemon.advance(0)
    await daemon.flush()
    reconnect_posts = channel.new()

    ask = await reply(daemon, slack, "delete demo company (uk)")
    page.add("`/xero delete [org]`: it asks first", ask)
    confirm = ask.buttons()[0]
    done = await click(daemon, slack, confirm["action_id"], value=confirm["value"])
    page.add("\"Confirm delete\" pressed", await slack.response(done.tag))
    stale = await click(daemon, slack, confirm["action_id"], value=confirm["value"])
    page.add("A button for an organisation deleted since", await slack.response(stale.tag))
    await daemon.flush()
    delete_posts = channel.new()

    # from here on the syncs are run one at a time (not by the hourly schedule, whose slots would race the
    # outbox's pacing on a loaded machine), so every time on the page is the same at each run
    await daemon.store.orgs.update(nz, daemon.clock.time(), enabled=0)
    secret = emulator.state.config.client_secret
    emulator.state.config.client_secret = "rotated-in-the-developer-portal"
    await daemon.clock.advance(3600)  # the access token (30 minutes) needs refreshing, and that is refused
    await daemon.finish(daemon.service.sync(nz))
    await daemon.flush()
    emulator.state.config.client_secret = secret
    await daemon.finish(daemon.service.sync(nz))
    await daemon.flush()
    credentials_posts = channel.new()
    limits = emulator.state.limiter.config
    limits.limits_enabled, limits.day_limit = True, 3  # today's calls are all but spent
    await daemon.finish(daemon.service.sync(nz))
    await daemon.flush()
    paused_posts = channel.new()

    page.heading("The Home tab", "The app's Home tab is the integration page: published when someone opens it, "
                                 "redrawn when an organisation's state changes. Admins (SLACK_ADMIN_USERS) get the "
                                 "buttons; everyone else reads the page. Here with the organisation left after the "
                                 "deletion above, paused.")
    page.add_view("What an admin sees", await open_home(daemon, slack, ADMIN))
    page.add_view("What everyone else sees", await open_home(daemon, slack, MEMBER))
    opened = len([c for c in slack.calls if c.method == "views.open"])
    await post_signed(daemon, home_action_body("home_reset", user=ADMIN, value=nz))
    await daemon.settled()
    modal = (await slack.wait_for(lambda s: [c for c in s.calls if c.method == "views.open"][opened:], "modal"))[0]
    page.add_view("Reset… on a card: the Reset window", modal)
    synced = await press(daemon, slack, "home_test", nz)
    page.add_view("After pressing Test connection: the outcome at the top", synced)

    # a new day (the pause is over), at a set hour: what the run before did took a varying number of clock
    # seconds (retries, the outbox's pacing), and the times on the page from here on must not
    new_day = (daemon.clock.time() // 86400 + 1) * 86400 + 3600
    daemon.clock.set(datetime.fromtimestamp(new_day, UTC))
    limits.limits_enabled = False
    await daemon.finish(daemon.service.sync(nz))
    await daemon.flush()
    resumed_posts = channel.new()
    # the operator adds Journals to SYNC_ENTITIES: the grant consented before lacks its scope
    await daemon.client.close()
    entities = (*settings.sync_entities, "Journals")
    daemon = await make_daemon(settings_=replace(settings, sync_entities=entities, xero_scopes=scopes_for(entities)),
                               retry=RetryPolicy(jitter=False))
    await daemon.finish(daemon.service.sync(nz))
    await daemon.flush()
    access_posts = channel.new()
    emulator.state.disconnect_tenant(nz)  # in Xero, while it is disabled: no sync would notice
    daemon.clock.set(datetime.fromtimestamp(new_day + 86400 - 60, UTC))  # a set time, as above
    await daemon.advance(60)  # a day on: the grant's daily check of /connections
    await daemon.flush()
    upkeep_posts = channel.new()

    page.heading("In the alert channel", "Everyone in `SLACK_ALERT_CHANNEL` sees these. One alert per failure "
                                         "episode per organisation; what follows goes in its thread, and the alert "
                                         "is edited to its resolved state when the episode ends.")
    for title, calls in (("Organisations connected, and each first sync", connect_posts),
                         ("The audit trail (SLACK_AUDIT)", audit_posts),
                         ("A sync fails; Xero refuses an organisation's authorization", failure_posts),
                         ("The failures repeat", repeat_posts),
                         ("Someone presses \"Retry now\", and it recovers", retry_posts),
                         ("Someone re-authorizes", reconnect_posts),
                         ("An organisation is deleted", delete_posts),
                         ("Xero refuses the app's own credentials, then accepts them again", credentials_posts),
                         ("Xero's daily API limit is spent", paused_posts),
                         ("The next day's sync", resumed_posts),
                         ("The entities configured need a scope the grant lacks", access_posts),
                         ("The daily check of the grants finds an organisation disconnected in Xero", upkeep_posts)):
        for n, call in enumerate(calls, 1):
            page.add(f"{title} ({n} of {len(calls)})" if len(calls) > 1 else title, call)

    await _subscriptions(daemon, slack, emulator, page, channel, nz)

    text = page.text()
    if os.environ.get("UPDATE_DOCS") and database_url.startswith("sqlite"):
        DOC.write_text(text)
    if DOC.read_text() != text:
        diff = difflib.unified_diff(DOC.read_text().splitlines(), text.splitlines(), "docs/slack.md", "sent now",
                                    lineterm="", n=1)
        pytest.fail("docs/slack.md is not what the daemon sends now: run `make docs` and read the difference\n"
                    + "\n".join(list(diff)[:60]))


def _steady(call: Call) -> Call:
    """A sync line with its duration shown as `1.0 s`: a manual sync's takes what the machine takes (the
    scheduler's pacing may or may not wait a second), and the page must be the same at every run."""
    text = json.dumps(call.body)
    return Call(call.method, json.loads(re.sub(r"in \d+(\.\d)? s:", "in 1.0 s:", text)), call.at, ts=call.ts)


async def _subscriptions(daemon, slack, emulator, page: Page, channel: Channel, nz: str) -> None:
    """Alerts routed per channel: the commands typed in #team (C_TEAM), then what #team receives."""
    emulator.state.limiter.config.limits_enabled = False
    page.heading("Alerts where the people are", "`/xero subscribe` in a channel routes alerts there (the bot must "
                                                "be in it); these were typed in a channel other than the alert "
                                                "channel, #team.")
    team = "C_TEAM"
    page.add("`/xero subscribe [org] [kinds]`",
             await reply(daemon, slack, f"subscribe {NZ} failures syncs changes", channel=team))
    page.add("`/xero subscribe all daily`", await reply(daemon, slack, "subscribe all daily", channel=team))
    page.add("`/xero subscriptions`", await reply(daemon, slack, "subscriptions", channel=team))
    page.add("`/xero subscriptions` in the alert channel", await reply(daemon, slack, "subscriptions",
                                                                       channel=CHANNEL))
    page.add("`/xero unsubscribe [org] [kinds]`", await reply(daemon, slack, f"unsubscribe {NZ} syncs", channel=team))
    page.add("A word that is not a kind of alert", await acked(daemon, slack, f"subscribe {NZ} sometimes",
                                                               channel=team))
    slack.not_in("C_ELSEWHERE")
    page.add("`/xero subscribe` in a channel the bot is not in", await reply(daemon, slack, "subscribe",
                                                                            channel="C_ELSEWHERE"))
    await daemon.flush()
    channel.new()
    invoice = emulator.state.records(nz, "Invoices")[0]
    emulator.state.update_record(nz, "Invoices", invoice["InvoiceID"], {"Reference": "changed for the page"})
    await daemon.finish(daemon.service.sync(nz))
    await daemon.flush()
    changes = [_steady(c) for c in channel.new() if c.body.get("channel") == team]
    due = (int(daemon.clock.time()) // 86400 + 1) * 86400 + 8 * 3600  # the next 08:00 UTC (DIGEST_HOUR)
    if due - 86400 > daemon.clock.time():
        due -= 86400
    await daemon.advance(due - daemon.clock.time())
    await daemon.flush()
    digest = [c for c in channel.new() if c.body.get("channel") == team]
    for title, calls in (("A sync that changed records (changes)", changes), ("The daily digest (daily)", digest)):
        for n, call in enumerate(calls, 1):
            page.add(f"In #team: {title} ({n} of {len(calls)})" if len(calls) > 1 else f"In #team: {title}", call)

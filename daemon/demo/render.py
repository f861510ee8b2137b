"""Slack messages as terminal text, for the demo console: Block Kit blocks and mrkdwn rendered readably.

Sections and their fields, context lines, dividers and buttons ("[Label] url" for link buttons, "[Label] (type
`click N`)" for action buttons). mrkdwn links and mentions become plain text, emoji codes their characters
(`emoji.py`), and Slack's date tokens the date a reader would see, in the terminal's time zone (`slack_dates.py`).
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Callable

from daemon.demo.emoji import EMOJI
from daemon.demo.slack_dates import slack_date

_SPECIAL = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


@dataclass
class Button:
    label: str
    action_id: str
    value: str | None
    url: str | None
    block_id: str | None
    message: dict = field(default_factory=dict)  # the message it was part of (for the action payload)
    gone: str | None = None  # why it is not there any more (its message was replaced, edited or deleted)


class Renderer:
    """Turns messages into lines; collects the buttons it shows so the console can click or follow them."""

    def __init__(self, *, emoji: bool = True, bold: bool = False, now: Callable[[], float] = time.time,
                 tz: tzinfo | None = None, users: dict[str, str] | None = None) -> None:
        self.emoji = emoji
        self.users = users or {}  # user id -> display name, as Slack shows a mention
        self.bold = bold
        self.now = now
        self.tz = tz  # None: the terminal's local time zone
        self.buttons: list[Button] = []

    def message(self, message: dict) -> list[str]:
        blocks = message.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not blocks:
            return self.mrkdwn(str(message.get("text") or "")).splitlines() or [""]
        lines: list[str] = []
        for block in blocks:
            lines += self.block(block, message)
        return lines

    def block(self, block: dict, message: dict) -> list[str]:
        kind = block.get("type")
        if kind == "section":
            lines = self.mrkdwn(_text(block.get("text"))).splitlines() if block.get("text") else []
            for item in block.get("fields") or []:
                label, _, value = self.mrkdwn(_text(item)).partition("\n")
                lines.append(f"  {label}: {value.replace(chr(10), ' / ')}" if value else f"  {label}")
            if (block.get("accessory") or {}).get("type") == "button":
                lines.append(self.button(block["accessory"], block.get("block_id"), message))
            return lines
        if kind == "header":
            return [self.mrkdwn(_text(block.get("text"))).upper()]
        if kind == "context":
            parts = [self.mrkdwn(_text(e)) for e in block.get("elements") or [] if e.get("type") != "image"]
            return ["  " + line for line in " ".join(parts).splitlines()]
        if kind == "divider":
            return ["  " + "-" * 40]
        if kind == "actions":
            return [self.button(e, block.get("block_id"), message)
                    for e in block.get("elements") or [] if e.get("type") == "button"]
        if kind == "image":
            return [f"  [image: {block.get('alt_text', '')}]"]
        return [self.mrkdwn(_text(block.get("text")))] if block.get("text") else []

    def button(self, element: dict, block_id: str | None, message: dict) -> str:
        label = self.mrkdwn(_text(element.get("text")))
        if element.get("url"):
            self.buttons.append(Button(label, element.get("action_id", ""), element.get("value"), element["url"],
                                       block_id, message))
            return f"  [{label}] {element['url']}"
        self.buttons.append(Button(label, element.get("action_id", ""), element.get("value"), None, block_id,
                                   message))
        return f"  [{label}]  (type `click {len(self.buttons)}` to press it)"

    def mrkdwn(self, text: str) -> str:
        text = _SPECIAL.sub(self._special, text)
        text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)) if self.emoji else m.group(0), text)
        text = _BOLD.sub(lambda m: f"\033[1m{m.group(1)}\033[0m" if self.bold else m.group(1), text)
        return html.unescape(text)

    def _special(self, match: re.Match) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("!date^"):
            return slack_date(target[len("!date^"):], self.now(), self.tz) or label or target
        if target.startswith("@") and not label and target[1:] in self.users:
            return "@" + self.users[target[1:]]
        if target.startswith(("@", "#")):
            return label and target[0] + label or target
        if target.startswith("!"):
            return "@" + (label or target[1:])
        return f"{label} ({target})" if label and label != target else target


def _text(obj: object) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return "" if obj is None else str(obj)

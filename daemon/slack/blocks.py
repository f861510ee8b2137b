"""Block Kit pieces and time in the user's terms, shared by command replies and alerts.

Every message is a `Reply`: Block Kit blocks plus the plain-text fallback Slack shows in notifications and
clients without blocks. Times read like "6/5/17 @ 3:51PM UTC, 2 hours ago"; in blocks they are wrapped in
Slack's `<!date^…>` token so each reader sees their own time zone, with the UTC text as fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_TEXT = 2900  # a section's text may hold 3,000 characters

# action ids of the buttons this app posts
CONNECT_ACTION = "connect_xero"
REAUTH_ACTION = "reauthorize_xero"
RETRY_ACTION = "retry_sync"
DELETE_ACTION = "delete_confirm"
CANCEL_DELETE_ACTION = "delete_cancel"


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict] = field(default_factory=list)

    def kwargs(self) -> dict:
        return {"text": self.text, "blocks": self.blocks} if self.blocks else {"text": self.text}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}}


def fields(pairs: list[tuple[str, str]]) -> dict:
    """A section of labelled values, two columns (Slack allows 10 fields)."""
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": _clip(f"*{k}*\n{v}", 1900)}
                                          for k, v in pairs[:10]]}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text)}]}


def divider() -> dict:
    return {"type": "divider"}


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}


def button(label: str, action_id: str, *, value: str | None = None, url: str | None = None,
           style: str | None = None) -> dict:
    element: dict = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}
    if value is not None:
        element["value"] = value
    if url is not None:
        element["url"] = url
    if style is not None:
        element["style"] = style
    return element


def escape(text: str) -> str:
    """Text from elsewhere (org names, Xero's error messages) shown as text, never as Slack markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- time ------------------------------------------------------------------------------------------------------
def stamp(ts: float) -> str:
    """6/5/17 @ 3:51PM UTC"""
    d = datetime.fromtimestamp(ts, UTC)
    return f"{d.month}/{d.day}/{d:%y} @ {d.hour % 12 or 12}:{d:%M}{d:%p} UTC"


def ago(ts: float, now: float) -> str:
    seconds = now - ts
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now" if not future else "in under a minute"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            words = f"{n} {unit}{'' if n == 1 else 's'}"
            return f"in {words}" if future else f"{words} ago"
    raise AssertionError


def when(ts: float | None, now: float, *, never: str = "never") -> str:
    """Plain text: '6/5/17 @ 3:51PM UTC, 2 hours ago'."""
    return never if ts is None else f"{stamp(ts)}, {ago(ts, now)}"


def rich_when(ts: float | None, now: float, *, never: str = "never") -> str:
    """mrkdwn: the same, with the date in each reader's own time zone."""
    if ts is None:
        return never
    return f"<!date^{int(ts)}^{{date_num}} @ {{time}}|{stamp(ts)}>, {ago(ts, now)}"


def day(ts: float | None, *, never: str = "the whole history") -> str:
    if ts is None:
        return never
    d = datetime.fromtimestamp(ts, UTC)
    return f"{d.month}/{d.day}/{d:%y} ({d:%Y-%m-%d})"

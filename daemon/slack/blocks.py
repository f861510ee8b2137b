"""Block Kit pieces and time in the user's terms, shared by command replies and alerts.

Every message is a `Reply`: Block Kit blocks plus the plain-text fallback Slack shows in notifications and
clients without blocks. Times are Slack's `<!date^…>` tokens, in the text as in the blocks (see `moment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from daemon.core.zones import zone_of

MAX_TEXT = 2900  # a section's text may hold 3,000 characters

# action ids of the buttons this app posts
CONNECT_ACTION = "connect_xero"
REAUTH_ACTION = "reauthorize_xero"
RETRY_ACTION = "retry_sync"
SYNC_ACTION = "sync_now"
ENABLE_ACTION = "enable_sync"
DELETE_ACTION = "delete_confirm"
CANCEL_DELETE_ACTION = "delete_cancel"


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict] = field(default_factory=list)

    def kwargs(self) -> dict:
        return {"text": self.text, "blocks": self.blocks} if self.blocks else {"text": self.text}


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


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
           style: str | None = None, confirm: dict | None = None) -> dict:
    element: dict = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}
    if confirm is not None:
        element["confirm"] = confirm
    if value is not None:
        element["value"] = value
    if url is not None:
        element["url"] = url
    if style is not None:
        element["style"] = style
    return element


def confirm(title: str, text: str, yes: str, *, danger: bool = False) -> dict:
    """Slack's own "are you sure?" dialog before a button's action is sent."""
    dialog = {"title": plain(title, 100), "text": {"type": "mrkdwn", "text": _clip(text, 300)}, "confirm": plain(yes, 30),
              "deny": plain("Cancel", 30)}
    if danger:
        dialog["style"] = "danger"
    return dialog


def plain(text: str, limit: int = 150) -> dict:
    return {"type": "plain_text", "text": _clip(text, limit)}


def escape(text: str) -> str:
    """Text from elsewhere (org names, Xero's error messages) shown as text, never as Slack markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- time ------------------------------------------------------------------------------------------------------
# Times are Slack date tokens: each reader sees them in their own zone and locale, and "ago" stays true however old
# the message is. The fallback (clients that cannot render a token, and the demo console's plain text) is the time
# in the organisation's own zone, day before month: "Tue 24 Nov 2026, 10:00 PM NZDT".
def moment(ts: float | None, tz: str | None = None, *, never: str = "never") -> str:
    """When something happened or will: the date, the time, and how long ago (or how soon)."""
    if ts is None:
        return never
    return f"<!date^{int(ts)}^{{date_short_pretty}} at {{time}} ({{ago}})|{local(ts, tz)}>"


def since(ts: float | None, tz: str | None = None, *, never: str = "the whole history") -> str:
    """A point to read from (SYNC FROM DATE): the date and time, no "ago"."""
    if ts is None:
        return never
    return f"<!date^{int(ts)}^{{date_long_pretty}} at {{time}}|{local(ts, tz)}>"


def day_from(ts: float | None, tz: str | None = None, *, never: str = "the whole history") -> str:
    """A reset's date as it was chosen, the org's midnight, then as each reader sees that moment:
    "2024-07-01, midnight Pacific/Auckland time (<token>)"."""
    if ts is None:
        return never
    day = datetime.fromtimestamp(ts, zone_of(tz)).date()
    return f"{day}, midnight {tz or 'UTC'} time ({since(ts, tz)})"


def local(ts: float, tz: str | None = None) -> str:
    """The org's own time, day before month, its zone named: "Tue 24 Nov 2026, 10:00 PM NZDT"."""
    d = datetime.fromtimestamp(ts, zone_of(tz))
    return f"{d:%a} {d.day} {d:%b %Y}, {d.hour % 12 or 12}:{d:%M} {d:%p} {d.tzname()}"


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"

"""Slack's date tokens as Slack shows them to a reader, for the demo console.

`<!date^EPOCH^FORMAT|fallback>` (optionally `<!date^EPOCH^FORMAT^LINK|fallback>`): FORMAT's `{date_num}`,
`{date}`, `{date_short}`, `{date_long}`, their `_pretty` forms (today / yesterday / tomorrow), `{time}`,
`{time_secs}` and `{ago}` are written in the reader's time zone (here: the terminal's), the way Slack's
documentation shows them ("2014-02-18", "February 18th, 2014", "Feb 18, 2014", "Tuesday, February 18th, 2014",
"6:39 AM", "6:39:42 AM", "3 minutes ago"); anything else in FORMAT is kept as written.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

_TOKEN = re.compile(r"\{(date_num|date_short_pretty|date_long_pretty|date_pretty|date_short|date_long|date|"
                    r"time_secs|time|ago)\}")
_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


def slack_date(token: str, now: float, tz: tzinfo | None = None) -> str | None:
    """The text of a date token's body (`EPOCH^FORMAT[^LINK]`, after `!date^`), or None when it is malformed."""
    epoch, _, rest = token.partition("^")
    fmt = rest.split("^", 1)[0]
    try:
        moment = datetime.fromtimestamp(int(epoch), tz) if tz else datetime.fromtimestamp(int(epoch)).astimezone()
    except (ValueError, OverflowError, OSError):
        return None
    if not fmt:
        return None
    today = datetime.fromtimestamp(now, moment.tzinfo).date()
    return _TOKEN.sub(lambda m: _part(m.group(1), moment, today, now), fmt)


def _part(name: str, moment: datetime, today, now: float) -> str:
    if name == "ago":
        return ago(moment.timestamp(), now)
    if name == "time":
        return _clock(moment, "%I:%M %p")
    if name == "time_secs":
        return _clock(moment, "%I:%M:%S %p")
    if name == "date_num":
        return moment.strftime("%Y-%m-%d")
    if name.endswith("_pretty"):
        days = (moment.date() - today).days
        relative = {0: "today", -1: "yesterday", 1: "tomorrow"}.get(days)
        if relative:
            return relative
        name = name.removesuffix("_pretty")
    long_form = f"{moment.strftime('%B')} {_ordinal(moment.day)}, {moment.year}"
    if name == "date_short":
        return f"{moment.strftime('%b')} {moment.day}, {moment.year}"
    if name == "date_long":
        return f"{moment.strftime('%A')}, {long_form}"
    return long_form


def ago(then: float, now: float) -> str:
    """"3 minutes ago", "in 2 hours", "just now": whole units, rounded down."""
    delta = now - then
    seconds = abs(delta)
    if seconds < 60:
        return "just now" if delta >= 0 else "in under a minute"
    unit, size = next((unit, size) for unit, size in _UNITS if seconds >= size)
    count = int(seconds // size)
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{text} ago" if delta > 0 else f"in {text}"


def _clock(moment: datetime, pattern: str) -> str:
    return moment.strftime(pattern).lstrip("0")


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"

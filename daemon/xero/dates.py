"""Xero's date formats: `/Date(1573755038314+0000)/` in JSON, ISO timestamps in some places, RFC 3339 in the
`If-Modified-Since` the spec declares (`format: date-time`), HTTP dates in `Date` and `Retry-After`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MS_DATE = re.compile(r"/Date\((-?\d{1,15})([+-]\d{4})?\)/")  # more digits cannot be a date (year 33658 and on)
MIN_MS = int(datetime(1, 1, 1, tzinfo=UTC).timestamp() * 1000)
MAX_MS = int(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)


def json_date_ms(value: object) -> int | None:
    """The milliseconds of a `/Date(ms+hhmm)/` value (the offset is informational only); None for anything else,
    and for a value outside the years 1 to 9999."""
    match = _MS_DATE.fullmatch(value) if isinstance(value, str) else None
    ms = int(match.group(1)) if match else None
    return ms if ms is not None and MIN_MS <= ms <= MAX_MS else None


def to_ms(value: object) -> int | None:
    """Milliseconds since the epoch from a Xero date: `/Date(…)/`, or an ISO timestamp (UTC unless it says)."""
    if not isinstance(value, str) or not value:
        return None
    ms = json_date_ms(value)
    if ms is not None or value.startswith("/Date("):
        return ms
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def if_modified_since(ms: int) -> str:
    """The `If-Modified-Since` value for a time in ms: RFC 3339 in UTC, whole seconds (`2016-05-12T20:37:24Z`)."""
    seconds = min(max(0, ms // 1000), MAX_MS // 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(value: str | None) -> float | None:
    """Epoch seconds of an HTTP date (`Date`, `Retry-After`); None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()

"""Xero's date formats: `/Date(1573755038314+0000)/` in JSON, ISO timestamps in some places."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def to_ms(value: object) -> int | None:
    """Milliseconds since the epoch from a Xero date; the offset in `/Date(ms+hhmm)/` is informational only."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.fullmatch(value)
    if match:
        return int(match.group(1))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def if_modified_since(ms: int, overlap_seconds: int) -> str:
    """The `If-Modified-Since` value for a watermark, backed off by `overlap_seconds` (whole seconds, UTC)."""
    seconds = max(0, ms // 1000 - overlap_seconds)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def from_epoch(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)

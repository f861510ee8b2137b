"""Xero's date formats: `/Date(1573755038314+0000)/` in JSON, ISO timestamps in some places."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def json_date_ms(value: object) -> int | None:
    """The milliseconds of a `/Date(ms+hhmm)/` value (the offset is informational only); None for anything else."""
    match = _MS_DATE.fullmatch(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def to_ms(value: object) -> int | None:
    """Milliseconds since the epoch from a Xero date: `/Date(…)/`, or an ISO timestamp (UTC unless it says)."""
    if not isinstance(value, str) or not value:
        return None
    ms = json_date_ms(value)
    if ms is not None:
        return ms
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


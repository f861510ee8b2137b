"""Xero's date formats: `/Date(ms+0000)/`, `DateString`, and parsing `If-Modified-Since`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache

DAY_MS = 86_400_000
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def ms_date(ms: int) -> str:
    """`/Date(1573755038314+0000)/`, as Xero renders UpdatedDateUTC, Date and DueDate."""
    return f"/Date({ms}+0000)/"


def ms_plain(ms: int) -> str:
    """`/Date(1573755038314)/`, as Xero renders the envelope's DateTimeUTC."""
    return f"/Date({ms})/"


def day_start(ms: int) -> int:
    """Midnight UTC of the day holding `ms`."""
    return ms - ms % DAY_MS


@lru_cache(maxsize=4096)
def date_string(ms: int) -> str:
    """`2019-11-14T00:00:00`, the DateString/DueDateString form."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def utc_string(ms: int) -> str:
    """`2018-11-02T16:31:30Z`, the UpdatedDateUTCString form."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def connection_stamp(seconds: float) -> str:
    """`2019-12-07T18:46:19.5165400`, as the connections endpoint renders its dates (no zone, UTC)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def webhook_stamp(seconds: float) -> str:
    """`2024-06-21T01:15:39.902`, the eventDateUtc form."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def expiry_text(seconds: float) -> str:
    """`11/24/2026 09:30:00`, the time in a TokenExpired detail."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%m/%d/%Y %H:%M:%S")


def parse_if_modified_since(value: str | None) -> int | None:
    """Epoch milliseconds of an ISO 8601 (zone optional, UTC assumed) or RFC 1123 date; None when absent/invalid.

    An invalid value is ignored, as HTTP servers ignore an If-Modified-Since they cannot parse.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if _ISO.match(text) \
            else parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)

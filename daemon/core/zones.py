"""An organisation's time zone as stored (`Org.timezone`, an IANA name learnt from Xero by
`daemon/xero/timezones.py`), as a tzinfo: replies show dates, and reset dates mean midnight, there."""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=64)
def zone_of(iana: str | None) -> tzinfo:
    """The zone `iana` names; UTC until the org's first sync has read it (or if this system lacks it)."""
    try:
        return ZoneInfo(iana) if iana else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC

"""An organisation's time zone as Xero gives it (`Organisation.Timezone`: a Windows zone name, upper-cased without
spaces, such as `NEWZEALANDSTANDARDTIME`), as an IANA zone the standard library can use (`Pacific/Auckland`).

The Windows-to-IANA table is CLDR's, as tzlocal keeps it (a well-kept copy, updated with Windows' own changes);
Xero's list (the spec's `TimeZone` enum) also has two zones Windows retired, mapped here by hand."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

RETIRED = {"KAMCHATKASTANDARDTIME": "Asia/Kamchatka", "MIDATLANTICSTANDARDTIME": "Atlantic/South_Georgia"}


def _key(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper())


@cache
def _table() -> dict[str, str]:
    return {**{_key(windows): iana for windows, iana in win_tz.items()}, **RETIRED}


def iana_zone(xero_timezone: object) -> str | None:
    """The IANA name for Xero's `Organisation.Timezone`; None when it is missing or unknown."""
    if not isinstance(xero_timezone, str):
        return None
    name = _table().get(_key(xero_timezone))
    try:
        return name if name and ZoneInfo(name) else None
    except (ZoneInfoNotFoundError, ValueError):  # a zone this system's database lacks
        return None


"""Xero's `Organisation.Timezone` (a Windows zone name, upper case without spaces) as the IANA zone replies and
reset dates use: every name in the spec's `TimeZone` enum maps to a zone this machine has."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from daemon.xero.timezones import iana_zone

SPEC = Path(__file__).resolve().parents[2] / "shared" / "xero-openapi" / "xero_accounting.yaml"


def test_every_zone_in_xeros_enum_is_known():
    enum = yaml.safe_load(SPEC.read_text())["components"]["schemas"]["TimeZone"]["enum"]
    assert len(enum) > 100
    unknown = [name for name in enum if iana_zone(name) is None]
    assert unknown == []


def test_the_zones_are_the_right_ones():
    assert iana_zone("NEWZEALANDSTANDARDTIME") == "Pacific/Auckland"
    assert iana_zone("GMTSTANDARDTIME") == "Europe/London"
    assert iana_zone("AUSEASTERNSTANDARDTIME") == "Australia/Sydney"
    assert iana_zone("EASTERNSTANDARDTIME") == "America/New_York"
    assert iana_zone("Central Standard Time (Mexico)") == "America/Mexico_City"  # spaces and case do not matter
    noon = datetime(2026, 1, 15, 12).replace(tzinfo=ZoneInfo(iana_zone("INDIASTANDARDTIME")))
    assert noon.utcoffset().total_seconds() == 5.5 * 3600
    assert iana_zone("ATLANTISSTANDARDTIME") is None and iana_zone(None) is None and iana_zone(42) is None

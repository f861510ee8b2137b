"""An organisation's time zone: Xero's `Organisation.Timezone` is a Windows zone name without spaces, in capitals
(`NEWZEALANDSTANDARDTIME`); here it becomes the IANA zone the Unicode CLDR maps it to (its `windowsZones`, the
territory "001" row), so `export --since DATE` can start at that day's midnight where the organisation is.
"""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ZONES = """
AFGHANISTAN Asia/Kabul; ALASKAN America/Anchorage; ALEUTIAN America/Adak; ALTAI Asia/Barnaul; ARABIAN Asia/Dubai
ARABIC Asia/Baghdad; ARAB Asia/Riyadh; ARGENTINA America/Argentina/Buenos_Aires; ASTRAKHAN Europe/Astrakhan
ATLANTIC America/Halifax; AUSCENTRAL Australia/Darwin; AUSCENTRALW Australia/Eucla; AUSEASTERN Australia/Sydney
AZERBAIJAN Asia/Baku; AZORES Atlantic/Azores; BAHIA America/Bahia; BANGLADESH Asia/Dhaka; BELARUS Europe/Minsk
BOUGAINVILLE Pacific/Bougainville; CANADACENTRAL America/Regina; CAPEVERDE Atlantic/Cape_Verde
CAUCASUS Asia/Yerevan; CENAUSTRALIA Australia/Adelaide; CENTRALAMERICA America/Guatemala
CENTRALASIA Asia/Bishkek; CENTRALBRAZILIAN America/Cuiaba; CENTRALEUROPEAN Europe/Warsaw
CENTRALEUROPE Europe/Budapest; CENTRALPACIFIC Pacific/Guadalcanal; CENTRAL America/Chicago
CENTRAL(MEXICO) America/Mexico_City; CHATHAMISLANDS Pacific/Chatham; CHINA Asia/Shanghai; CUBA America/Havana
DATELINE Etc/GMT+12; EAFRICA Africa/Nairobi; EASTERISLAND Pacific/Easter; EASTERN America/New_York
EASTERN(MEXICO) America/Cancun; EAUSTRALIA Australia/Brisbane; EEUROPE Europe/Chisinau; EGYPT Africa/Cairo
EKATERINBURG Asia/Yekaterinburg; ESOUTHAMERICA America/Sao_Paulo; FIJI Pacific/Fiji; FLE Europe/Helsinki
GEORGIAN Asia/Tbilisi; GMT Europe/London; GREENLAND America/Nuuk; GREENWICH Atlantic/Reykjavik
GTB Europe/Bucharest; HAITI America/Port-au-Prince; HAWAIIAN Pacific/Honolulu; INDIA Asia/Kolkata
IRAN Asia/Tehran; ISRAEL Asia/Jerusalem; JORDAN Asia/Amman; KALININGRAD Europe/Kaliningrad
KAMCHATKA Asia/Kamchatka; KOREA Asia/Seoul; LIBYA Africa/Tripoli; LINEISLANDS Pacific/Kiritimati
LORDHOWE Australia/Lord_Howe; MAGADAN Asia/Magadan; MAGALLANES America/Punta_Arenas
MARQUESAS Pacific/Marquesas; MAURITIUS Indian/Mauritius; MIDATLANTIC Etc/GMT+2; MIDDLEEAST Asia/Beirut
MONTEVIDEO America/Montevideo; MOROCCO Africa/Casablanca; MOUNTAIN America/Denver
MOUNTAIN(MEXICO) America/Mazatlan; MYANMAR Asia/Yangon; NAMIBIA Africa/Windhoek
NCENTRALASIA Asia/Novosibirsk; NEPAL Asia/Kathmandu; NEWFOUNDLAND America/St_Johns
NEWZEALAND Pacific/Auckland; NORFOLK Pacific/Norfolk; NORTHASIAEAST Asia/Irkutsk; NORTHASIA Asia/Krasnoyarsk
NORTHKOREA Asia/Pyongyang; OMSK Asia/Omsk; PACIFICSA America/Santiago; PACIFIC America/Los_Angeles
PACIFIC(MEXICO) America/Tijuana; PAKISTAN Asia/Karachi; PARAGUAY America/Asuncion; QYZYLORDA Asia/Qyzylorda
ROMANCE Europe/Paris; RUSSIAN Europe/Moscow; SAEASTERN America/Cayenne; SAINTPIERRE America/Miquelon
SAKHALIN Asia/Sakhalin; SAMOA Pacific/Apia; SAOTOME Africa/Sao_Tome; SAPACIFIC America/Bogota
SARATOV Europe/Saratov; SAWESTERN America/La_Paz; SEASIA Asia/Bangkok; SINGAPORE Asia/Singapore
SOUTHAFRICA Africa/Johannesburg; SOUTHSUDAN Africa/Juba; SRILANKA Asia/Colombo; SUDAN Africa/Khartoum
SYRIA Asia/Damascus; TAIPEI Asia/Taipei; TASMANIA Australia/Hobart; TOCANTINS America/Araguaina
TOKYO Asia/Tokyo; TOMSK Asia/Tomsk; TONGA Pacific/Tongatapu; TRANSBAIKAL Asia/Chita; TURKEY Europe/Istanbul
TURKSANDCAICOS America/Grand_Turk; ULAANBAATAR Asia/Ulaanbaatar; USEASTERN America/Indiana/Indianapolis
USMOUNTAIN America/Phoenix; VENEZUELA America/Caracas; VLADIVOSTOK Asia/Vladivostok
VOLGOGRAD Europe/Volgograd; WAUSTRALIA Australia/Perth; WCENTRALAFRICA Africa/Lagos; WESTASIA Asia/Tashkent
WESTBANK Asia/Hebron; WESTPACIFIC Pacific/Port_Moresby; WEUROPE Europe/Berlin; WMONGOLIA Asia/Hovd
YAKUTSK Asia/Yakutsk; YUKON America/Whitehorse
"""
# Windows zone names that do not end in STANDARDTIME.
_OTHERS = {"UTC": "UTC", "UTC+12": "Etc/GMT-12", "UTC+13": "Etc/GMT-13", "UTC02": "Etc/GMT+2",
           "UTC08": "Etc/GMT+8", "UTC09": "Etc/GMT+9", "UTC11": "Etc/GMT+11", "RUSSIATIMEZONE3": "Europe/Samara",
           "RUSSIATIMEZONE10": "Asia/Srednekolymsk", "RUSSIATIMEZONE11": "Asia/Kamchatka"}



def _full(short: str) -> str:
    """`NEWZEALAND` -> `NEWZEALANDSTANDARDTIME`; `CENTRAL(MEXICO)` -> `CENTRALSTANDARDTIME(MEXICO)`."""
    base, paren, rest = short.partition("(")
    return f"{base}STANDARDTIME{paren}{rest}"


WINDOWS_ZONES: dict[str, str] = {
    **{_full(windows): iana for windows, iana in
       (pair.split() for line in _ZONES.strip().splitlines() for pair in line.split(";"))},
    **_OTHERS,
}


def org_zone(windows_name: object) -> tuple[tzinfo, str] | None:
    """The zone and its IANA name for Xero's `Organisation.Timezone`, or None when unknown (or the machine has no
    time zone database)."""
    name = WINDOWS_ZONES.get(str(windows_name or "").strip().upper())
    if name is None:
        return None
    try:
        return ZoneInfo(name), name
    except ZoneInfoNotFoundError:
        return None

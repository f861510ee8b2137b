"""Checking an Accounting API request's query parameters and headers against what Xero's OpenAPI description
declares for that GET endpoint.

What is checked: every declared parameter that is present must match its schema (integer, number, boolean; the
`date-time`, `date` and `uuid` string formats; enums; comma-separated arrays item by item), and every required
one must be there. `date-time` is RFC 3339's: a date, `T`, a time and a UTC offset (`Z` or `+hh:mm`), so
`2016-05-12T20:37:24` (no offset) and HTTP dates are not valid. What is not: parameters the description does not
declare for that path (Xero ignores unknown query parameters, and clients send headers of their own), path
parameters, and what a `where` or `order` expression says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from .spec_params_data import PARAMS

_INTEGER = re.compile(r"^[+-]?\d+$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _endpoints() -> dict[tuple[str, bool], dict[str, dict]]:
    """(entity in lower case, one record?) -> declared parameters."""
    table: dict[tuple[str, bool], dict[str, dict]] = {}
    for path, params in PARAMS.items():
        parts = path.strip("/").split("/")
        table.setdefault((parts[0].lower(), len(parts) == 2), params)
    return table


ENDPOINTS = _endpoints()


def declared(entity: str, single: bool) -> dict[str, dict] | None:
    """The parameters declared for `GET /<entity>` (or `/<entity>/{id}`); None for a path the spec lacks."""
    return ENDPOINTS.get((entity.lower(), single))


def _date_time(text: str) -> bool:
    match = _DATE_TIME.match(text)
    if not match:
        return False
    offset = match.group(4).upper().replace("Z", "+00:00")
    try:
        datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{offset}")
    except ValueError:
        return False
    return True


def _calendar_date(text: str) -> bool:
    try:
        return bool(_DATE.match(text)) and bool(date.fromisoformat(text))
    except ValueError:
        return False


def _scalar_problem(value: str, schema: dict) -> str | None:
    kind, fmt = schema.get("type", "string"), schema.get("format")
    if kind == "integer" and not _INTEGER.match(value.strip()):
        return "is not a whole number"
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return "is not a number"
    if kind == "boolean" and value.strip().lower() not in ("true", "false"):
        return "is not true or false"
    if kind == "string" and fmt == "date-time" and not _date_time(value.strip()):
        return "is not an RFC 3339 date-time with a UTC offset, e.g. 2016-05-12T20:37:24Z"
    if kind == "string" and fmt == "date" and not _calendar_date(value.strip()):
        return "is not a date (YYYY-MM-DD)"
    if kind == "string" and fmt == "uuid" and not _UUID.match(value.strip()):
        return "is not a UUID"
    if "enum" in schema and value.strip() not in schema["enum"]:
        return f"is not one of {', '.join(map(str, schema['enum']))}"
    return None


def _problem(value: str, schema: dict) -> str | None:
    if schema.get("type") != "array":
        return _scalar_problem(value, schema)
    for part in value.split(","):
        problem = _scalar_problem(part, schema.get("items") or {})
        if problem:
            return f"has {part.strip()!r}, which {problem}"
    return None


def problems(params: Mapping[str, dict], query: Mapping[str, str], headers: Mapping[str, str]) -> list[str]:
    """What in this request breaks the declared parameters (empty: nothing). Query names match case-insensitively,
    as Xero binds them."""
    found: list[str] = []
    lowered = {name.lower(): value for name, value in query.items()}
    for name, schema in params.items():
        value = headers.get(name) if schema["in"] == "header" else lowered.get(name.lower())
        if value is None:
            if schema.get("required"):
                found.append(f"{name} ({schema['in']}) is required")
            continue
        problem = _problem(value, schema)
        if problem:
            found.append(f"{name} ({schema['in']}): {value!r} {problem}")
    return found

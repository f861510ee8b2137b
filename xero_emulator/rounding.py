"""Unit amounts as Xero serves them: rounded to 2 decimals unless the request asks `unitdp=4`.

Xero keeps unit amounts (a line item's `UnitAmount`, an item's sales and purchase `UnitPrice`) to four decimals
and rounds them, half away from zero, to two in every answer that does not opt in with `unitdp=4`. Line amounts
and totals are always 2 decimals. The emulator keeps the exact value and renders a rounded copy of each record that
needs one, once, beside the exact rendering.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def two(value: float) -> float:
    """`value` rounded to 2 decimals, half away from zero (12.345 -> 12.35), as Xero rounds amounts."""
    return float(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def _precise(value: object) -> bool:
    return isinstance(value, float) and round(value, 2) != value


def _round_lines(lines: list) -> list | None:
    if not any(isinstance(line, dict) and _precise(line.get("UnitAmount")) for line in lines):
        return None
    return [{**line, "UnitAmount": two(line["UnitAmount"])} if _precise(line.get("UnitAmount")) else line
            for line in lines]


def _round_details(doc: dict) -> dict | None:
    changed = {}
    for key in ("SalesDetails", "PurchaseDetails"):
        details = doc.get(key)
        if isinstance(details, dict) and _precise(details.get("UnitPrice")):
            changed[key] = {**details, "UnitPrice": two(details["UnitPrice"])}
    return {**doc, **changed} if changed else None


def rounded(doc: dict) -> dict | None:
    """The record with its unit amounts rounded to 2 decimals; None when it has none with more decimals."""
    lines = doc.get("LineItems")
    if isinstance(lines, list):
        new_lines = _round_lines(lines)
        return None if new_lines is None else {**doc, "LineItems": new_lines}
    return _round_details(doc)

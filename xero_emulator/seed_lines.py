"""Line items of the documents beyond receivables (bank transactions, purchase orders, quotes, repeating invoices)."""

from __future__ import annotations

from .seed_reference import item_code
from .seedutil import Dice, OrgContext, money


def tracking(ctx: OrgContext, rng: Dice, share: float = 0.4) -> list[dict]:
    """A line's tracking: an active option of an active category, for about `share` of lines."""
    categories = ctx.refs.get("tracking") or []
    if not categories or rng.random() >= share:
        return []
    category_id, name, options = rng.pick(categories)
    option_id, option = rng.pick(options)
    return [{"TrackingCategoryID": category_id, "TrackingOptionID": option_id, "Name": name, "Option": option}]


def _unit(ctx: OrgContext, rng: Dice, precise_share: float) -> tuple[dict, float]:
    prices = ctx.refs["item_prices"]
    if prices and rng.random() < 0.5:
        index = rng.below(len(prices))
        code = item_code(index)
        return {"ItemCode": code, "Description": f"Item {code}"}, money(prices[index])
    if rng.random() < precise_share:  # four decimals, e.g. a fuel price per litre
        return {"Description": "Metered usage"}, (rng.between(100, 90_000) * 10 + 7) / 10_000
    return {"Description": "Services"}, money(rng.between(1000, 90_000) / 100)


def lines(ctx: OrgContext, rng: Dice, sales: bool, count: int, precise_share: float = 0.0) -> list[dict]:
    """`count` lines on the org's sales (or expense) accounts and tax rate; some unit amounts with 4 decimals."""
    codes = ctx.refs["sales_codes"] if sales else ctx.refs["expense_codes"]
    tax_type = ctx.country.output_type if sales else ctx.country.input_type
    result = []
    for _ in range(count):
        quantity = float(rng.between(1, 11))
        what, unit = _unit(ctx, rng, precise_share)
        line = {"LineItemID": rng.uuid(), **what, "Quantity": quantity, "UnitAmount": unit,
                "AccountCode": rng.pick(codes), "TaxType": tax_type, "Tracking": tracking(ctx, rng)}
        line["LineAmount"] = money(quantity * unit)
        line["TaxAmount"] = money(line["LineAmount"] * ctx.country.rate / 100)
        result.append(line)
    return result


def totals(lines_: list[dict]) -> dict:
    """SubTotal, TotalTax and Total of tax-exclusive lines."""
    subtotal = money(sum(x["LineAmount"] for x in lines_))
    tax = money(sum(x["TaxAmount"] for x in lines_))
    return {"SubTotal": subtotal, "TotalTax": tax, "Total": money(subtotal + tax)}


def pick_status(rng: Dice, options: tuple[tuple[str, float], ...]) -> str:
    """A status drawn from (status, share) pairs; the first when the shares run out."""
    value, acc = rng.random(), 0.0
    for status, share in options:
        acc += share
        if value < acc:
            return status
    return options[0][0]

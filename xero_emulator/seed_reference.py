"""Reference data of one organisation: Organisation, Currencies, TaxRates, Accounts, Items."""

from __future__ import annotations

from .dates import ms_date, ms_plain
from .seedutil import YEAR_MS, OrgContext, money

_OTHER_CURRENCIES = (("USD", "United States Dollar"), ("AUD", "Australian Dollar"), ("EUR", "Euro"),
                     ("NZD", "New Zealand Dollar"), ("GBP", "British Pound"))
_NAMES = {"NZD": "New Zealand Dollar", "GBP": "British Pound", "AUD": "Australian Dollar"}

# Code, Name, Type, TaxType kind ("out", "in", "none"), Class, SystemAccount
_CHART = (
    ("090", "Business Bank Account", "BANK", "none", "ASSET", ""),
    ("200", "Sales", "REVENUE", "out", "REVENUE", ""),
    ("260", "Other Revenue", "REVENUE", "out", "REVENUE", ""),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "in", "EXPENSE", ""),
    ("400", "Advertising", "OVERHEADS", "in", "EXPENSE", ""),
    ("404", "Bank Fees", "OVERHEADS", "none", "EXPENSE", ""),
    ("420", "Entertainment", "OVERHEADS", "in", "EXPENSE", ""),
    ("429", "General Expenses", "OVERHEADS", "in", "EXPENSE", ""),
    ("445", "Light, Power, Heating", "OVERHEADS", "in", "EXPENSE", ""),
    ("469", "Rent", "OVERHEADS", "in", "EXPENSE", ""),
    ("489", "Telephone & Internet", "OVERHEADS", "in", "EXPENSE", ""),
    ("610", "Accounts Receivable", "CURRENT", "none", "ASSET", "DEBTORS"),
    ("800", "Accounts Payable", "CURRLIAB", "none", "LIABILITY", "CREDITORS"),
    ("820", "Sales Tax", "CURRLIAB", "none", "LIABILITY", "GST"),
    ("960", "Retained Earnings", "EQUITY", "none", "EQUITY", "RETAINEDEARNINGS"),
)
_ITEM_WORDS = ("Consulting hour", "Support plan", "Laptop", "Monitor", "Licence", "Installation", "Cable kit",
               "Router", "Backup service", "Training day", "Firewall", "Printer toner", "Desk phone", "Audit")


def organisation(ctx: OrgContext, short_code: str) -> dict:
    c = ctx.country
    return {
        "APIKey": "", "Name": ctx.name, "LegalName": ctx.name, "PaysTax": True, "Version": c.version,
        "OrganisationType": "COMPANY", "BaseCurrency": c.currency, "CountryCode": c.country_code,
        "IsDemoCompany": False, "OrganisationStatus": "ACTIVE", "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3, "SalesTaxBasis": "ACCRUALS", "SalesTaxPeriod": "TWOMONTHS",
        "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_plain(ctx.anchor_ms - 3 * 365 * 86_400_000), "OrganisationEntityType": "COMPANY",
        "Timezone": c.timezone, "ShortCode": short_code, "OrganisationID": ctx.tenant_id, "Edition": "BUSINESS",
        "Class": "PREMIUM", "Addresses": [], "Phones": [], "ExternalLinks": [], "PaymentTerms": {},
    }


def currencies(ctx: OrgContext) -> list[dict]:
    base = ctx.country.currency
    rows = [(base, _NAMES[base])] + [(code, name) for code, name in _OTHER_CURRENCIES if code != base][:3]
    return [{"Code": code, "Description": name} for code, name in rows]


def _tax_rate(name: str, tax_type: str, report: str, rate: float, revenue: bool, label: str) -> dict:
    return {
        "Name": name, "TaxType": tax_type, "ReportTaxType": report, "CanApplyToAssets": True,
        "CanApplyToEquity": True, "CanApplyToExpenses": not revenue, "CanApplyToLiabilities": True,
        "CanApplyToRevenue": revenue, "DisplayTaxRate": rate, "EffectiveRate": rate, "Status": "ACTIVE",
        "TaxComponents": [{"Name": label, "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}],
    }


def tax_rates(ctx: OrgContext) -> list[dict]:
    c = ctx.country
    pct = f"{c.rate:g}%"
    return [
        _tax_rate(f"{pct} {c.tax_label} on Income", c.output_type, "OUTPUT", c.rate, True, c.tax_label),
        _tax_rate(f"{pct} {c.tax_label} on Expenses", c.input_type, "INPUT", c.rate, False, c.tax_label),
        _tax_rate(f"No {c.tax_label}", "NONE", "NONE", 0.0, True, c.tax_label),
        _tax_rate(f"{c.tax_label} Exempt Income", "EXEMPTOUTPUT", "EXEMPTOUTPUT", 0.0, True, c.tax_label),
    ]


def tax_type(ctx: OrgContext, kind: str) -> str:
    return {"out": ctx.country.output_type, "in": ctx.country.input_type}.get(kind, "NONE")


def accounts(ctx: OrgContext, count: int, ids: list[str], stamps: list[int]) -> list[dict]:
    rows = []
    for i in range(count):
        if i < len(_CHART):
            code, name, typ, kind, klass, system = _CHART[i]
        else:
            code, name, typ, kind, klass, system = f"{500 + i}", f"Expense account {i + 1}", "EXPENSE", "in", \
                "EXPENSE", ""
        row = {
            "AccountID": ids[i], "Code": code, "Name": name, "Status": "ACTIVE", "Type": typ,
            "TaxType": tax_type(ctx, kind), "Class": klass, "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": typ in ("OVERHEADS", "EXPENSE"), "BankAccountType": "",
            "ReportingCode": klass[:3], "ReportingCodeName": klass.title(), "HasAttachments": False,
            "UpdatedDateUTC": ms_date(stamps[i]), "AddToWatchlist": False,
        }
        if system:
            row["SystemAccount"] = system
        if typ == "BANK":
            row.update(BankAccountNumber=f"{ctx.country.phone_code}0209087654321", BankAccountType="BANK",
                       CurrencyCode=ctx.country.currency, EnablePaymentsToAccount=True)
        rows.append(row)
    return rows


def savings_account(ctx: OrgContext) -> tuple[dict, int]:
    """A second bank account (bank transfers need two), and its UpdatedDateUTC: in the year before the anchor."""
    rng = ctx.rng("savings-account")
    stamp = ctx.anchor_ms - YEAR_MS + rng.below(YEAR_MS)
    row = {
        "AccountID": rng.uuid(), "Code": "091", "Name": "Business Savings Account", "Status": "ACTIVE",
        "Type": "BANK", "TaxType": "NONE", "Class": "ASSET", "EnablePaymentsToAccount": True,
        "ShowInExpenseClaims": False, "BankAccountNumber": f"{ctx.country.phone_code}0209087654322",
        "BankAccountType": "BANK", "CurrencyCode": ctx.country.currency, "ReportingCode": "ASS",
        "ReportingCodeName": "Asset", "HasAttachments": False, "UpdatedDateUTC": ms_date(stamp),
        "AddToWatchlist": False,
    }
    return row, stamp


def item_price(ctx: OrgContext, index: int, precise: bool = False) -> float:
    """An item's sales price: 2 decimals, or (`precise`) 4 decimals that do not round to 2."""
    if precise:
        return round(ctx.rng("item-price-4dp", index).between(50_000, 25_000_000) // 10 * 10 / 10_000 + 0.0007, 4)
    return money(ctx.rng("item-price", index).between(500, 250_000) / 100)


def item_code(index: int) -> str:
    return f"ITEM-{index + 1:03d}"


def item(ctx: OrgContext, index: int, item_id: str, stamp: int, precise: bool = False) -> dict:
    word = _ITEM_WORDS[index % len(_ITEM_WORDS)]
    price = item_price(ctx, index, precise)
    purchase = round(price * 0.6, 4) if precise else money(price * 0.6)
    return {
        "ItemID": item_id, "Code": item_code(index), "Name": f"{word} {index + 1}"[:50],
        "Description": f"{word} (sales)", "PurchaseDescription": f"{word} (purchase)",
        "UpdatedDateUTC": ms_date(stamp), "IsTrackedAsInventory": False, "IsSold": True, "IsPurchased": True,
        "SalesDetails": {"UnitPrice": price, "AccountCode": "200", "TaxType": ctx.country.output_type},
        "PurchaseDetails": {"UnitPrice": purchase, "AccountCode": "310", "TaxType": ctx.country.input_type},
    }

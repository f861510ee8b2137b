"""Settings of one emulator instance."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ORG_NAMES = ("Demo Company (NZ)", "Demo Company (UK)")


@dataclass
class EmulatorConfig:
    """Everything that shapes an emulator: credentials, data sizes, consent, webhooks and API limits.

    Sizes are per organisation. Tax rates and currencies are a small fixed set per organisation. `journals` is a
    ceiling: the seeded general ledger holds one journal per posted seeded document, up to that many (spread over
    the year). `precise_items`: how many of the seeded items (the last ones) have unit prices with 4 decimals,
    which their invoice and credit-note lines carry too (0 keeps every seeded amount to 2 decimals).
    """

    client_id: str = "emulator-client"
    client_secret: str = "emulator-secret"
    orgs: int = 2
    org_names: list[str] | None = None
    invoices: int = 50
    contacts: int = 20
    payments: int = 20
    credit_notes: int = 5
    overpayments: int = 3
    prepayments: int = 3
    items: int = 10
    accounts: int = 15
    bank_transactions: int = 40
    bank_transfers: int = 6
    manual_journals: int = 12
    journals: int = 250
    tracking_categories: int = 3
    purchase_orders: int = 20
    quotes: int = 20
    repeating_invoices: int = 6
    contact_groups: int = 4
    users: int = 5
    precise_items: int = 0
    seed: int = 1
    auto_approve: bool = False
    webhook_url: str | None = None
    webhook_key: str | None = None
    limits_enabled: bool = False
    minute_limit: int = 60
    day_limit: int = 5000
    concurrent_limit: int = 5
    app_minute_limit: int = 10000
    minute_seconds: float = 60.0
    # Requests are checked against the parameters Xero's OpenAPI description declares for each GET endpoint;
    # every violation is kept in `Emulator.violations`. With `strict_requests`, such a request is answered 400.
    strict_requests: bool = False
    # Answers of the Accounting API and /connections are gzipped when the request's Accept-Encoding allows it.
    gzip: bool = True
    # Seeded records rendered for a read are kept (as JSON bytes) for the next; off, each read renders them anew:
    # 2,000 orgs of 2,000 records would otherwise hold some 6 GB after one cycle.
    keep_rendered: bool = True
    # Extras (not part of Xero's surface): the app name echoed as ProviderName, the base URL used in webhook
    # resourceUrls, the redirect URIs the "registered app" accepts (None: any), how long webhook events are
    # batched (real seconds).
    provider_name: str = "xero-syncd (emulator)"
    base_url: str = "https://api.xero.com"
    redirect_uris: list[str] | None = None
    webhook_batch_seconds: float = 0.2
    extra: dict[str, object] = field(default_factory=dict)

    def names(self) -> list[str]:
        """One display name per organisation."""
        given = list(self.org_names or DEFAULT_ORG_NAMES)
        return [given[i] if i < len(given) else f"Demo Company {i + 1}" for i in range(self.orgs)]

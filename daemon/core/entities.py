"""The Xero entities the product knows how to sync: each one's endpoint, identity and status fields, whether Xero
pages it, the granular scope it needs, and whether it is synced by default. The one table: the settings' defaults
(SYNC_ENTITIES, and the scopes asked at consent) are derived from it, and the sync engine reads it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    name: str                 # endpoint path and the list key in the response
    id_field: str             # the record's identity
    status_field: str | None  # where Xero keeps its status, if it has one
    paged: bool               # read with page/pageSize and If-Modified-Since; otherwise read whole each time
    scope: str                # the granular scope Xero requires to read it
    list_key: str | None = None
    params: tuple[tuple[str, str], ...] = ()  # always sent (Xero hides archived contacts unless asked)
    default: bool = True      # synced unless SYNC_ENTITIES says otherwise

    @property
    def key(self) -> str:
        return self.list_key or self.name


SETTINGS, CONTACTS = "accounting.settings.read", "accounting.contacts.read"
INVOICES, PAYMENTS = "accounting.invoices.read", "accounting.payments.read"
ARCHIVED = (("includeArchived", "true"),)
EXACT = (("unitdp", "4"),)  # unit amounts to 4 decimals (Xero rounds them to 2 unless asked), where the spec offers it

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("Organisation", "OrganisationID", "OrganisationStatus", False, SETTINGS, list_key="Organisations"),
        Entity("Contacts", "ContactID", "ContactStatus", True, CONTACTS, params=ARCHIVED),
        Entity("Invoices", "InvoiceID", "Status", True, INVOICES, params=ARCHIVED + EXACT),
        Entity("CreditNotes", "CreditNoteID", "Status", True, INVOICES, params=EXACT),
        Entity("Payments", "PaymentID", "Status", True, PAYMENTS),
        Entity("Overpayments", "OverpaymentID", "Status", True, PAYMENTS, params=EXACT),
        Entity("Prepayments", "PrepaymentID", "Status", True, PAYMENTS, params=EXACT),
        Entity("Items", "ItemID", None, False, SETTINGS, params=EXACT),
        Entity("Accounts", "AccountID", "Status", False, SETTINGS),
        Entity("TaxRates", "TaxType", "Status", False, SETTINGS),
        Entity("Currencies", "Code", None, False, SETTINGS),
    )
}

DEFAULT_ENTITIES = tuple(name for name, entity in ENTITIES.items() if entity.default)
IDENTITY_SCOPES = ("openid", "profile", "email", "offline_access")  # who consented, and refresh tokens

PAGE_SIZE = 1000


def scopes_for(entities: tuple[str, ...]) -> tuple[str, ...]:
    """The scopes to ask at consent for syncing `entities`."""
    return IDENTITY_SCOPES + tuple(sorted({ENTITIES[name].scope for name in entities}))

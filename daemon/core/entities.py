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
    page_size: bool = True    # paged: `pageSize` is offered (Quotes: pages of 100, no pageSize)
    offset: bool = False      # Journals: read by `offset` (the last JournalNumber read), 100 a call, not by page
    stamp: str | None = "UpdatedDateUTC"  # the date a change moves (None: Xero shows none)
    deletes: str = "status"   # how a delete is seen: its status, or (read whole) the record vanishing, or never

    @property
    def key(self) -> str:
        return self.list_key or self.name

    @property
    def per_call(self) -> int:
        """The most records one call answers: a batch of journals, a page (of 1000, or Quotes' fixed 100)."""
        return OFFSET_BATCH if self.offset else PAGE_SIZE if self.page_size else FIXED_PAGE


# The granular read scopes Xero documents (apps created since March 2026 can ask for no broader ones): invoices
# covers credit notes, purchase orders, quotes, repeating invoices and items; payments covers overpayments and
# prepayments; banktransactions covers bank transfers; settings covers the organisation, accounts, tax rates,
# currencies, tracking categories and users. Journals needs its own scope (and Xero's advanced tier).
SETTINGS, CONTACTS = "accounting.settings.read", "accounting.contacts.read"
INVOICES, PAYMENTS = "accounting.invoices.read", "accounting.payments.read"
BANK, MANUAL, JOURNALS = "accounting.banktransactions.read", "accounting.manualjournals.read", "accounting.journals.read"
ARCHIVED = (("includeArchived", "true"),)
EXACT = (("unitdp", "4"),)  # unit amounts to 4 decimals (Xero rounds them to 2 unless asked), where the spec offers it

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("Organisation", "OrganisationID", "OrganisationStatus", False, SETTINGS, list_key="Organisations",
               stamp=None),
        Entity("Contacts", "ContactID", "ContactStatus", True, CONTACTS, params=ARCHIVED),
        Entity("Invoices", "InvoiceID", "Status", True, INVOICES, params=ARCHIVED + EXACT),
        Entity("CreditNotes", "CreditNoteID", "Status", True, INVOICES, params=EXACT),
        Entity("Payments", "PaymentID", "Status", True, PAYMENTS),
        Entity("Overpayments", "OverpaymentID", "Status", True, PAYMENTS, params=EXACT),
        Entity("Prepayments", "PrepaymentID", "Status", True, PAYMENTS, params=EXACT),
        Entity("Items", "ItemID", None, False, SETTINGS, params=EXACT, deletes="vanishes"),
        Entity("Accounts", "AccountID", "Status", False, SETTINGS),
        Entity("TaxRates", "TaxType", "Status", False, SETTINGS, stamp=None),
        Entity("Currencies", "Code", None, False, SETTINGS, stamp=None, deletes="vanishes"),
        # beyond receivables: synced when SYNC_ENTITIES names them
        Entity("BankTransactions", "BankTransactionID", "Status", True, BANK, params=EXACT, default=False),
        Entity("BankTransfers", "BankTransferID", "Status", False, BANK, params=(("includeDeleted", "true"),),
               default=False, stamp="CreatedDateUTC"),
        Entity("ManualJournals", "ManualJournalID", "Status", True, MANUAL, default=False),
        Entity("Journals", "JournalID", None, False, JOURNALS, default=False, offset=True, stamp="CreatedDateUTC",
               deletes="never: journals are never changed; a voided document adds reversing journals"),
        Entity("TrackingCategories", "TrackingCategoryID", "Status", False, SETTINGS, params=ARCHIVED,
               default=False, stamp=None),
        Entity("PurchaseOrders", "PurchaseOrderID", "Status", True, INVOICES, default=False),
        Entity("Quotes", "QuoteID", "Status", True, INVOICES, default=False, page_size=False),
        Entity("RepeatingInvoices", "RepeatingInvoiceID", "Status", False, INVOICES, default=False, stamp=None),
        Entity("ContactGroups", "ContactGroupID", "Status", False, CONTACTS, default=False, stamp=None),
        Entity("Users", "UserID", "OrganisationRole", False, SETTINGS, default=False),
    )
}

DEFAULT_ENTITIES = tuple(name for name, entity in ENTITIES.items() if entity.default)
IDENTITY_SCOPES = ("openid", "profile", "email", "offline_access")  # who consented, and refresh tokens

PAGE_SIZE = 1000   # pageSize asked of paged entities (Xero's largest)
FIXED_PAGE = 100   # a page of an entity whose endpoint offers no pageSize (Quotes)
OFFSET_BATCH = 100  # journals one `offset` call answers at most


def scopes_for(entities: tuple[str, ...]) -> tuple[str, ...]:
    """The scopes to ask at consent for syncing `entities`."""
    return IDENTITY_SCOPES + tuple(sorted({ENTITIES[name].scope for name in entities}))


# Scopes that also cover a granular read scope: its write scope, and the broad scopes Xero is retiring (apps older
# than March 2026 keep them until September 2027). Items can be read with the invoices scope as well as settings.
_COVERS = {
    INVOICES: ("accounting.invoices", "accounting.transactions", "accounting.transactions.read"),
    PAYMENTS: ("accounting.payments", "accounting.transactions", "accounting.transactions.read"),
    BANK: ("accounting.banktransactions", "accounting.transactions", "accounting.transactions.read"),
    MANUAL: ("accounting.manualjournals", "accounting.transactions", "accounting.transactions.read"),
    SETTINGS: ("accounting.settings",),
    CONTACTS: ("accounting.contacts",),
    JOURNALS: (),
}


def missing_scopes(entities: tuple[str, ...], granted: str) -> dict[str, str]:
    """The entities a grant with scopes `granted` (space-separated, as Xero returns them) cannot read, and the
    scope each needs. Nothing is missing when the grant's scopes are not known (an empty string)."""
    have = set(granted.split())
    if not have:
        return {}
    missing = {}
    for name in entities:
        need = ENTITIES[name].scope
        covering = {need, *_COVERS.get(need, ())} | ({INVOICES, "accounting.invoices"} if name == "Items" else set())
        if not covering & have:
            missing[name] = need
    return missing

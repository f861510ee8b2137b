"""The accounting entities the emulator serves, and what each needs (scope, paging, key, statuses, changes).

Paging, If-Modified-Since and `unitdp` follow the parameters Xero's OpenAPI description declares for each GET
endpoint. Scopes: Xero's granular scope family (its `.read` variant is accepted too), plus the old broad
`accounting.transactions` where Xero still accepts it (apps created before March 2026, until September 2027).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpec:
    name: str                      # path segment and envelope key, e.g. "Invoices"
    id_key: str                    # the record's identifier field
    scope: str                     # granular scope family; ".read" variant also accepted
    paged: bool = False            # `page` is honoured
    modified_since: bool = False   # honours If-Modified-Since
    status_key: str | None = "Status"
    statuses: tuple[str, ...] = ()
    webhook_category: str | None = None
    transactions: bool = False     # also reachable with the old broad accounting.transactions scope
    envelope_key: str = ""         # the list's key in a response, when it differs from `name`
    also: tuple[str, ...] = ()     # other scope families that reach it (Items: accounting.invoices)
    page_size: bool = True         # paged: `pageSize` honoured and a `pagination` object sent (Quotes: neither)
    offset: bool = False           # Journals: `offset` by JournalNumber, at most 100 a call
    unitdp: bool = False           # `unitdp=4` asks for unit amounts with four decimals
    rounded: bool = False          # unit amounts are served rounded to 2 decimals unless `unitdp=4`
    stamp_key: str | None = "UpdatedDateUTC"  # the field a change moves (None: the change time is not shown)
    created_key: str | None = None            # set once, when a record is added (CreatedDateUTC)
    hidden: tuple[str, str] | None = None     # (query flag, status): records of that status need the flag
    status_filter: str = "Statuses"           # the query parameter that filters by status
    void: str | None = None        # the status `void` gives
    archive: str | None = None     # the status `archive` gives
    delete: str | None = None      # the status `delete` gives
    void_from: tuple[str, ...] = ()    # the statuses `void` is allowed from (empty: any)
    delete_from: tuple[str, ...] = ()  # the statuses `delete` is allowed from (empty: any)
    hard_delete: bool = False      # `delete` removes the record (Items)
    immutable: bool = False        # no change at all once added (Journals)

    @property
    def key(self) -> str:
        return self.envelope_key or self.name


_DOC_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
_DRAFTS = ("DRAFT", "SUBMITTED")
_ROLES = ("READONLY", "INVOICEONLY", "STANDARD", "FINANCIALADVISER", "MANAGEDCLIENT", "CASHBOOKCLIENT", "UNKNOWN",
          "REMOVED")
_PAGED = {"paged": True, "modified_since": True}

_SPECS = (
    EntitySpec("Organisation", "OrganisationID", "accounting.settings", status_key="OrganisationStatus",
               statuses=("ACTIVE",), envelope_key="Organisations"),
    EntitySpec("Contacts", "ContactID", "accounting.contacts", **_PAGED, status_key="ContactStatus",
               statuses=("ACTIVE", "ARCHIVED", "GDPRREQUEST"), webhook_category="CONTACT",
               hidden=("includeArchived", "ARCHIVED"), archive="ARCHIVED"),
    EntitySpec("Invoices", "InvoiceID", "accounting.invoices", **_PAGED, statuses=_DOC_STATUSES,
               webhook_category="INVOICE", transactions=True, unitdp=True, rounded=True, void="VOIDED",
               delete="DELETED", delete_from=_DRAFTS),
    EntitySpec("CreditNotes", "CreditNoteID", "accounting.invoices", **_PAGED, statuses=_DOC_STATUSES,
               transactions=True, unitdp=True, rounded=True, void="VOIDED", delete="DELETED", delete_from=_DRAFTS),
    EntitySpec("Payments", "PaymentID", "accounting.payments", **_PAGED, statuses=("AUTHORISED", "DELETED"),
               transactions=True, void="DELETED", delete="DELETED"),
    EntitySpec("Overpayments", "OverpaymentID", "accounting.payments", **_PAGED,
               statuses=("AUTHORISED", "PAID", "VOIDED"), transactions=True, unitdp=True, rounded=True,
               void="VOIDED"),
    EntitySpec("Prepayments", "PrepaymentID", "accounting.payments", **_PAGED,
               statuses=("AUTHORISED", "PAID", "VOIDED"), transactions=True, unitdp=True, rounded=True,
               void="VOIDED"),
    EntitySpec("Items", "ItemID", "accounting.settings", modified_since=True, status_key=None,
               also=("accounting.invoices",), unitdp=True, rounded=True, hard_delete=True),
    EntitySpec("Accounts", "AccountID", "accounting.settings", modified_since=True,
               statuses=("ACTIVE", "ARCHIVED", "DELETED"), archive="ARCHIVED", delete="DELETED"),
    EntitySpec("TaxRates", "TaxType", "accounting.settings", statuses=("ACTIVE", "DELETED", "ARCHIVED", "PENDING"),
               archive="ARCHIVED", delete="DELETED"),
    EntitySpec("Currencies", "Code", "accounting.settings", status_key=None),
    # --- beyond receivables ------------------------------------------------------------------------------------
    EntitySpec("BankTransactions", "BankTransactionID", "accounting.banktransactions", **_PAGED,
               statuses=("AUTHORISED", "DELETED", "VOIDED"), transactions=True, unitdp=True, rounded=True,
               void="VOIDED", delete="DELETED"),
    EntitySpec("BankTransfers", "BankTransferID", "accounting.banktransactions", modified_since=True,
               statuses=("AUTHORISED", "DELETED"), transactions=True, stamp_key=None,
               created_key="CreatedDateUTC", hidden=("includeDeleted", "DELETED"), delete="DELETED"),
    EntitySpec("ManualJournals", "ManualJournalID", "accounting.manualjournals", **_PAGED,
               statuses=("DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED"), transactions=True, void="VOIDED",
               void_from=("POSTED",), archive="ARCHIVED", delete="DELETED", delete_from=("DRAFT",)),
    EntitySpec("Journals", "JournalID", "accounting.journals", modified_since=True, status_key=None, offset=True,
               stamp_key=None, created_key="CreatedDateUTC", immutable=True),
    EntitySpec("TrackingCategories", "TrackingCategoryID", "accounting.settings",
               statuses=("ACTIVE", "ARCHIVED", "DELETED"), stamp_key=None, hidden=("includeArchived", "ARCHIVED"),
               archive="ARCHIVED", delete="DELETED"),
    EntitySpec("PurchaseOrders", "PurchaseOrderID", "accounting.invoices", **_PAGED,
               statuses=("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED"), transactions=True, rounded=True,
               status_filter="Status", delete="DELETED"),
    EntitySpec("Quotes", "QuoteID", "accounting.invoices", **_PAGED, page_size=False,
               statuses=("DRAFT", "SENT", "DECLINED", "ACCEPTED", "INVOICED", "DELETED"), transactions=True,
               rounded=True, status_filter="Status", delete="DELETED"),
    EntitySpec("RepeatingInvoices", "RepeatingInvoiceID", "accounting.invoices",
               statuses=("DRAFT", "AUTHORISED", "DELETED"), transactions=True, rounded=True, stamp_key=None,
               delete="DELETED"),
    EntitySpec("ContactGroups", "ContactGroupID", "accounting.contacts", statuses=("ACTIVE", "DELETED"),
               stamp_key=None, delete="DELETED"),
    EntitySpec("Users", "UserID", "accounting.settings", modified_since=True, status_key="OrganisationRole",
               statuses=_ROLES, delete="REMOVED"),
)

ENTITIES: dict[str, EntitySpec] = {spec.name.lower(): spec for spec in _SPECS}


def entity(name: str) -> EntitySpec:
    """The spec for an entity name, case-insensitively (Xero's paths are); KeyError when unknown."""
    try:
        return ENTITIES[name.lower()]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}") from None


def scope_allows(spec: EntitySpec, scopes: set[str]) -> bool:
    """Whether a token's scopes reach this entity (granular scopes, or the old broad ones)."""
    families = [spec.scope, *spec.also]
    if spec.transactions:
        families.append("accounting.transactions")
    return any(f in scopes or f"{f}.read" in scopes for f in families)

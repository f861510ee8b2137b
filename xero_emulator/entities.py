"""The accounting entities the emulator serves, and what each needs (scope, paging, key, status field)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpec:
    name: str                      # path segment and envelope key, e.g. "Invoices"
    id_key: str                    # the record's identifier field
    scope: str                     # granular scope family; ".read" variant also accepted
    paged: bool = False
    modified_since: bool = False   # honours If-Modified-Since
    status_key: str | None = "Status"
    statuses: tuple[str, ...] = ()
    webhook_category: str | None = None
    transactions: bool = False     # also reachable with the old broad accounting.transactions scope
    envelope_key: str = ""         # the list's key in a response, when it differs from `name`

    @property
    def key(self) -> str:
        return self.envelope_key or self.name


_DOC_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")

ENTITIES: dict[str, EntitySpec] = {
    spec.name.lower(): spec
    for spec in (
        EntitySpec("Organisation", "OrganisationID", "accounting.settings", status_key="OrganisationStatus",
                   statuses=("ACTIVE",), envelope_key="Organisations"),
        EntitySpec("Contacts", "ContactID", "accounting.contacts", paged=True, modified_since=True,
                   status_key="ContactStatus", statuses=("ACTIVE", "ARCHIVED", "GDPRREQUEST"),
                   webhook_category="CONTACT"),
        EntitySpec("Invoices", "InvoiceID", "accounting.invoices", paged=True, modified_since=True,
                   statuses=_DOC_STATUSES, webhook_category="INVOICE", transactions=True),
        EntitySpec("CreditNotes", "CreditNoteID", "accounting.invoices", paged=True, modified_since=True,
                   statuses=_DOC_STATUSES, transactions=True),
        EntitySpec("Payments", "PaymentID", "accounting.payments", paged=True, modified_since=True,
                   statuses=("AUTHORISED", "DELETED"), transactions=True),
        EntitySpec("Overpayments", "OverpaymentID", "accounting.payments", paged=True, modified_since=True,
                   statuses=("AUTHORISED", "PAID", "VOIDED"), transactions=True),
        EntitySpec("Prepayments", "PrepaymentID", "accounting.payments", paged=True, modified_since=True,
                   statuses=("AUTHORISED", "PAID", "VOIDED"), transactions=True),
        EntitySpec("Items", "ItemID", "accounting.settings", modified_since=True, status_key=None),
        EntitySpec("Accounts", "AccountID", "accounting.settings", modified_since=True,
                   statuses=("ACTIVE", "ARCHIVED", "DELETED")),
        EntitySpec("TaxRates", "TaxType", "accounting.settings",
                   statuses=("ACTIVE", "DELETED", "ARCHIVED", "PENDING")),
        EntitySpec("Currencies", "Code", "accounting.settings", status_key=None),
    )
}


def entity(name: str) -> EntitySpec:
    """The spec for an entity name, case-insensitively (Xero's paths are); KeyError when unknown."""
    try:
        return ENTITIES[name.lower()]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}") from None


def scope_allows(spec: EntitySpec, scopes: set[str]) -> bool:
    """Whether a token's scopes reach this entity (granular scopes, or the old broad ones)."""
    families = [spec.scope]
    if spec.transactions:
        families.append("accounting.transactions")
    return any(f in scopes or f"{f}.read" in scopes for f in families)

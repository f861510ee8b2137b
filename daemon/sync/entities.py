"""What is synced: each entity's endpoint, key field, status field, and whether Xero pages it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    name: str                 # endpoint path and the list key in the response
    id_field: str             # the record's identity
    status_field: str | None  # where Xero keeps its status, if it has one
    paged: bool               # read with page/pageSize and If-Modified-Since; otherwise read whole each time
    list_key: str | None = None
    params: tuple[tuple[str, str], ...] = ()  # always sent (Xero hides archived contacts unless asked)

    @property
    def key(self) -> str:
        return self.list_key or self.name


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("Organisation", "OrganisationID", "OrganisationStatus", paged=False, list_key="Organisations"),
        Entity("Contacts", "ContactID", "ContactStatus", paged=True, params=(("includeArchived", "true"),)),
        Entity("Invoices", "InvoiceID", "Status", paged=True, params=(("includeArchived", "true"),)),
        Entity("CreditNotes", "CreditNoteID", "Status", paged=True),
        Entity("Payments", "PaymentID", "Status", paged=True),
        Entity("Overpayments", "OverpaymentID", "Status", paged=True),
        Entity("Prepayments", "PrepaymentID", "Status", paged=True),
        Entity("Items", "ItemID", None, paged=False),
        Entity("Accounts", "AccountID", "Status", paged=False),
        Entity("TaxRates", "TaxType", "Status", paged=False),
        Entity("Currencies", "Code", None, paged=False),
    )
}

PAGE_SIZE = 1000
OVERLAP_SECONDS = 10  # re-read a little before each watermark: the upsert makes the overlap free

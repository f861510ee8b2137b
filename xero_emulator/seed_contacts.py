"""Seeded contacts: unique names, a few archived, addresses and phones as Xero renders them."""

from __future__ import annotations

from .dates import ms_date
from .seedutil import OrgContext

_FIRST = ("Ava", "Liam", "Mia", "Noah", "Zoe", "Ethan", "Ruby", "Oscar", "Isla", "Leo", "Grace", "Hugo")
_LAST = ("Smith", "Ngata", "Brown", "Wilson", "Taylor", "Patel", "Walker", "Clarke", "Young", "Khan", "Reid")
_ADJ = ("Bayside", "Summit", "Northern", "Harbour", "Golden", "Silver", "Coastal", "Alpine", "Urban", "Pioneer",
        "Redwood", "Bluewater", "Ironbark", "Kauri", "Southern", "Eastside", "Westgate", "Highland", "Riverside",
        "Lakeside")
_NOUN = ("Plumbing", "Dental", "Logistics", "Bakery", "Motors", "Legal", "Consulting", "Builders", "Florists",
         "Print", "Fitness", "Accounting", "Cafe", "Engineering", "Pharmacy", "Vets", "Electrical", "Design",
         "Joinery", "Travel")
_SUFFIX = ("Ltd", "Limited", "& Co", "Group", "Partners")
ARCHIVED_SHARE = 0.03


def contact_name(index: int) -> str:
    """A unique company name for contact `index`."""
    combos = len(_ADJ) * len(_NOUN) * len(_SUFFIX)
    n = (index * 7919) % combos
    name = f"{_ADJ[n % len(_ADJ)]} {_NOUN[(n // len(_ADJ)) % len(_NOUN)]} {_SUFFIX[n // (len(_ADJ) * len(_NOUN))]}"
    return name if index < combos else f"{name} {index // combos + 1}"


def statuses(ctx: OrgContext, count: int) -> list[str]:
    rng = ctx.rng("contact-status")
    return ["ARCHIVED" if rng.random() < ARCHIVED_SHARE else "ACTIVE" for _ in range(count)]


def contact(ctx: OrgContext, index: int, contact_id: str, stamp: int, status: str) -> dict:
    rng = ctx.rng("contact", index)
    first, last = rng.pick(_FIRST), rng.pick(_LAST)
    name = contact_name(index)
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:24] or "example"
    code = ctx.country.phone_code
    street = f"{rng.between(1, 400)} {rng.pick(_ADJ)} Road"
    return {
        "ContactID": contact_id, "ContactNumber": f"C{index + 1:06d}", "AccountNumber": f"A{index + 1:06d}",
        "ContactStatus": status, "Name": name, "FirstName": first, "LastName": last,
        "EmailAddress": f"{first.lower()}.{last.lower()}@{domain}.example", "BankAccountDetails": "",
        "TaxNumber": f"{rng.between(100, 999)}-{rng.between(100, 999)}-{rng.between(100, 999)}",
        "Addresses": [
            {"AddressType": "POBOX", "AddressLine1": f"PO Box {rng.between(100, 9999)}",
             "City": ctx.country.city, "Region": "", "PostalCode": f"{rng.between(1000, 9999)}",
             "Country": "", "AttentionTo": f"{first} {last}"},
            {"AddressType": "STREET", "AddressLine1": street, "City": ctx.country.city, "Region": "",
             "PostalCode": f"{rng.between(1000, 9999)}", "Country": "", "AttentionTo": ""},
        ],
        "Phones": [
            {"PhoneType": kind, "PhoneNumber": f"{rng.between(100, 999)}-{rng.between(1000, 9999)}",
             "PhoneAreaCode": f"{rng.between(2, 9)}", "PhoneCountryCode": code}
            for kind in ("DEFAULT", "DDI", "FAX", "MOBILE")
        ],
        "UpdatedDateUTC": ms_date(stamp), "ContactGroups": [], "IsSupplier": index % 7 == 0,
        "IsCustomer": index % 7 != 0, "DefaultCurrency": ctx.country.currency, "ContactPersons": [],
        "HasAttachments": False, "HasValidationErrors": False,
    }


def contact_ref(contact_id: str, index: int) -> dict:
    """The contact summary embedded in invoices, credit notes, payments."""
    return {"ContactID": contact_id, "Name": contact_name(index), "Addresses": [], "Phones": [],
            "ContactGroups": [], "ContactPersons": [], "HasValidationErrors": False}

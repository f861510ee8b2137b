"""Seeded tracking categories (with options), contact groups and users."""

from __future__ import annotations

from .dates import ms_date
from .seed_contacts import contact_name
from .seedutil import OrgContext

# Xero allows two ACTIVE tracking categories; further ones are seeded ARCHIVED.
_CATEGORIES = (
    ("Region", ("North", "South", "East", "West", "Central")),
    ("Department", ("Sales", "Support", "Projects", "Admin")),
    ("Legacy projects", ("Fit-out 2019", "Relocation")),
)
_GROUPS = ("Preferred customers", "Wholesale", "Overdue watch", "Former suppliers", "Newsletter")
_PEOPLE = (("Aroha", "Tane", "STANDARD"), ("Jack", "Miller", "FINANCIALADVISER"), ("Priya", "Shah", "STANDARD"),
           ("Tom", "Okafor", "READONLY"), ("Lena", "Vogel", "INVOICEONLY"))


def tracking_categories(ctx: OrgContext, count: int) -> list[dict]:
    """ACTIVE categories first (at most two), then ARCHIVED ones; each has options, the last one ARCHIVED."""
    rows = []
    for index in range(count):
        name, options = _CATEGORIES[index] if index < len(_CATEGORIES) else (f"Category {index + 1}", ("A", "B"))
        rng = ctx.rng("tracking-category", index)
        category_id = rng.uuid()
        status = "ACTIVE" if index < 2 else "ARCHIVED"
        rows.append({
            "Name": name, "Status": status, "TrackingCategoryID": category_id,
            "Options": [{"TrackingOptionID": rng.uuid(), "Name": option, "TrackingCategoryID": category_id,
                         "Status": "ARCHIVED" if n == len(options) - 1 and len(options) > 2 else "ACTIVE"}
                        for n, option in enumerate(options)],
        })
    ctx.refs["tracking"] = [
        (row["TrackingCategoryID"], row["Name"],
         [(o["TrackingOptionID"], o["Name"]) for o in row["Options"] if o["Status"] == "ACTIVE"])
        for row in rows if row["Status"] == "ACTIVE"]
    return rows


def tracking_category(ctx: OrgContext, index: int, category_id: str) -> dict:
    """A category added later (ARCHIVED: the two ACTIVE places are taken by the seeded ones)."""
    rng = ctx.rng("new-tracking-category", index)
    return {"Name": f"Category {index + 1}", "Status": "ARCHIVED", "TrackingCategoryID": category_id,
            "Options": [{"TrackingOptionID": rng.uuid(), "Name": "Option 1", "TrackingCategoryID": category_id,
                         "Status": "ACTIVE"}]}


def contact_group(ctx: OrgContext, index: int, group_id: str, status: str = "ACTIVE") -> dict:
    """A group of a few seeded contacts (as Xero shows them in a group: id and name)."""
    rng = ctx.rng("contact-group", index)
    contact_ids = ctx.refs.get("contact_ids") or []
    members = sorted({rng.below(len(contact_ids)) for _ in range(3)}) if contact_ids else []
    name = _GROUPS[index] if index < len(_GROUPS) else f"Group {index + 1}"
    return {"ContactGroupID": group_id, "Name": name, "Status": status,
            "Contacts": [{"ContactID": contact_ids[i], "Name": contact_name(i)} for i in members],
            "HasValidationErrors": False}


def contact_group_statuses(count: int) -> list[str]:
    """The fourth group (when there is one) was deleted."""
    return ["DELETED" if index == 3 else "ACTIVE" for index in range(count)]


def user_roles(count: int) -> list[str]:
    """The seeded users' roles: the fifth one was removed from the organisation."""
    return ["REMOVED" if index == 4 else _PEOPLE[index % len(_PEOPLE)][2] for index in range(count)]


def user(ctx: OrgContext, index: int, user_id: str, stamp: int, role: str) -> dict:
    """The subscriber first, then other users."""
    first, last, _ = _PEOPLE[index % len(_PEOPLE)]
    if index >= len(_PEOPLE):
        first = f"{first}{index + 1}"
    domain = "".join(ch for ch in ctx.name.lower() if ch.isalnum()) or "example"
    return {"UserID": user_id, "EmailAddress": f"{first.lower()}.{last.lower()}@{domain}.example",
            "FirstName": first, "LastName": last, "UpdatedDateUTC": ms_date(stamp), "IsSubscriber": index == 0,
            "OrganisationRole": role}

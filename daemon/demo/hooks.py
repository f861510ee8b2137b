"""The demo's own `/demo ...` commands: things that happen on Xero's side, so the console can show what the daemon
does about them (an alert, a re-authorization, changed records picked up by the next sync)."""

from __future__ import annotations

from typing import Awaitable, Callable

from daemon.core.errors import CommandError
from daemon.sync.matching import match_orgs

HELP = """\
/demo change [org]   someone edits the org in Xero: 3 new invoices, 1 voided, 1 new contact (then /xero sync it)
/demo break [org]    someone disconnects the org from the app in Xero (then /xero sync it: an alert with a
                     Re-authorize link; press Enter to follow it and see the org reconnect)
/demo help           this list"""


def demo_hooks(demo, emulator) -> dict[str, Callable[[str], Awaitable[str]]]:
    """`demo` is the running Demo, `emulator` the emulator's state (its Python control API)."""

    async def help_(args: str) -> str:
        return "\n" + HELP

    async def break_(args: str) -> str:
        org = _org(emulator, args)
        if isinstance(org, str):
            return org
        emulator.disconnect_tenant(org.tenant_id)
        return (f"{org.name} was disconnected from the app in Xero. Its next sync will fail with an authorization "
                f"error: try /xero sync {_short(org.name)}")

    async def change(args: str) -> str:
        org = _org(emulator, args)
        if isinstance(org, str):
            return org
        new = [emulator.add_record(org.tenant_id, "Invoices")["InvoiceNumber"] for _ in range(3)]
        voided = next((doc for doc in emulator.records(org.tenant_id, "Invoices")
                       if doc.get("Status") == "AUTHORISED" and doc.get("InvoiceNumber") not in new), None)
        if voided is not None:
            emulator.void(org.tenant_id, "Invoices", voided["InvoiceID"])
        contact = emulator.add_record(org.tenant_id, "Contacts")
        what = f"invoices {', '.join(new)} added" + (f", {voided['InvoiceNumber']} voided" if voided else "")
        return (f"In Xero, {org.name}: {what}; contact {contact.get('Name')} added. "
                f"Pick them up with /xero sync {_short(org.name)}")

    return {"help": help_, "break": break_, "change": change}


def _org(emulator, query: str):
    """The emulator's org `query` names, matched as the Slack commands match (daemon/sync/matching.py), or why not."""
    try:
        return match_orgs(emulator.tenants, query)[0]
    except CommandError as err:
        return str(err)


def _short(name: str) -> str:
    return name.split()[0].lower()

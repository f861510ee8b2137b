"""The demo's own `/demo ...` commands: things that happen on Xero's side, so the console can show what the daemon
does about them (an alert with Retry now and its recovery, a re-authorization, a paused org, changed records picked
up by the next sync)."""

from __future__ import annotations

from typing import Awaitable, Callable

from daemon.core.errors import CommandError
from daemon.demo.trouble import Trouble
from daemon.sync.matching import match_orgs

HELP = """\
/demo change [org]   someone edits the org in Xero: 3 new invoices, 1 voided, 1 new contact (then /xero sync it)
/demo break [org]    someone disconnects the org from the app in Xero (then /xero sync it: an alert with a
                     Re-authorize link; press Enter to follow it and see the org reconnect)
/demo fail [org]     Xero answers HTTP 500 for the org (then /xero sync it: an alert with a Retry now button)
/demo heal [org]     Xero answers normally again (then press Retry now: the alert's thread hears it recovered)
/demo pause [org]    the org's daily Xero API limit is spent (then /xero sync it: the org pauses, and the alert
                     says when syncing resumes)
/demo resume [org]   the daily limit is back (then /xero sync it, or wait for the time the alert said)
/demo help           this list"""

Hook = Callable[[str], Awaitable[str]]


def demo_hooks(demo, emulator) -> dict[str, Hook]:
    """`demo` is the running Demo, `emulator` the emulator's state (its Python control API)."""
    trouble = Trouble(emulator)

    async def help_(org) -> str:
        return "\n" + HELP

    async def break_(org) -> str:
        emulator.disconnect_tenant(org.tenant_id)
        return (f"{org.name} was disconnected from the app in Xero. Its next sync will fail with an authorization "
                f"error: try /xero sync {_short(org.name)}")

    async def change(org) -> str:
        new = [emulator.add_record(org.tenant_id, "Invoices")["InvoiceNumber"] for _ in range(3)]
        voided = next((doc for doc in emulator.records(org.tenant_id, "Invoices")
                       if doc.get("Status") == "AUTHORISED" and doc.get("InvoiceNumber") not in new), None)
        if voided is not None:
            emulator.void(org.tenant_id, "Invoices", voided["InvoiceID"])
        contact = emulator.add_record(org.tenant_id, "Contacts")
        what = f"invoices {', '.join(new)} added" + (f", {voided['InvoiceNumber']} voided" if voided else "")
        return (f"In Xero, {org.name}: {what}; contact {contact.get('Name')} added. "
                f"Pick them up with /xero sync {_short(org.name)}")

    async def fail(org) -> str:
        if not trouble.fail(org.tenant_id):
            return f"Xero is already failing for {org.name} (/demo heal {_short(org.name)} ends it)."
        return (f"Xero now answers HTTP 500 to every call for {org.name}, until /demo heal {_short(org.name)}. "
                f"Try /xero sync {_short(org.name)}: a few quick retries, then an alert with a Retry now button.")

    async def heal(org) -> str:
        if not trouble.heal(org.tenant_id):
            return f"Xero was not failing for {org.name} (/demo fail {_short(org.name)} makes it)."
        return (f"Xero answers {org.name} normally again. Press Retry now on the alert (click N), or "
                f"/xero sync {_short(org.name)}: the alert's thread hears that it recovered.")

    async def pause(org) -> str:
        trouble.limits.spent.add(org.tenant_id)
        return (f"{org.name} has spent today's Xero API calls (the daily limit, 5,000 in Xero): Xero refuses the "
                f"next ones with 429 and a Retry-After. Try /xero sync {_short(org.name)}: the org pauses, and the "
                f"alert says when syncing resumes. /demo resume {_short(org.name)} gives the calls back.")

    async def resume(org) -> str:
        if org.tenant_id not in trouble.limits.spent:
            return f"{org.name}'s daily limit was not spent (/demo pause {_short(org.name)} spends it)."
        trouble.limits.spent.discard(org.tenant_id)
        return (f"{org.name}'s daily limit is back. The daemon resumes at the time its alert said, or now with "
                f"/xero sync {_short(org.name)}.")

    per_org = {"break": break_, "change": change, "fail": fail, "heal": heal, "pause": pause, "resume": resume}
    hooks: dict[str, Hook] = {name: _for_org(emulator, hook) for name, hook in per_org.items()}
    hooks["help"] = help_
    return hooks


def _for_org(emulator, hook: Callable) -> Hook:
    """The hook run for the org its argument names, or the reason there is none (unknown, ambiguous)."""

    async def run(args: str) -> str:
        try:
            org = match_orgs(emulator.tenants, args)[0]
        except CommandError as err:  # matched as the Slack commands match (daemon/sync/matching.py)
            return str(err)
        return await hook(org)

    return run


def _short(name: str) -> str:
    return name.split()[0].lower()

"""What the `/xero` replies say (help, refusals, errors, auth, sync, reset, enable/disable, delete, history): Block
Kit with a plain-text fallback, each outcome a sentence. Formatting only, no decisions."""

from __future__ import annotations

from daemon.slack.blocks import (CANCEL_DELETE_ACTION, CONNECT_ACTION, DELETE_ACTION, REAUTH_ACTION, Reply, actions,
                                 button, context, escape, day_from, header, moment, section)
from daemon.slack.wording.runs import OUTCOMES, all_summary, calls, changes, summary, took


def help_reply(commands, unknown: str | None = None) -> Reply:
    lines = [f"`/xero {c.usage}`: {c.summary}{' (admins)' if c.admin else ''}" for c in commands]
    intro = f"I don't know `{escape(_clip(unknown, 40))}`. " if unknown else ""
    text = intro + "Commands:\n" + "\n".join(lines)
    blocks = [section(f"{intro}*Xero sync commands*"), section("\n".join(lines)),
              context("`[org]` is an organisation's name (or the start of it) or its tenant id; with one "
                      "organisation connected you can leave it out. `[entity]` is one of what is synced, e.g. "
                      "Invoices. Dates are YYYY-MM-DD, in the organisation's own time zone. `[kinds]` of alert: failures, "
                      "auth, syncs, changes, daily.")]
    return Reply(text, blocks)


def refusal(command: str, admins: tuple[str, ...]) -> Reply:
    who = ", ".join(f"<@{escape(u)}>" for u in admins)
    return note(f":no_entry: Only admins can run `/xero {escape(command)}`. Admins: {who}.")


def error(message: str) -> Reply:
    return note(f":warning: {escape(message)}")


def stale(what: str) -> Reply:
    return note(f":hourglass: This button is stale: {escape(what)}")


def apology() -> Reply:
    return note(":face_with_head_bandage: Sorry, something went wrong on our side. It has been logged; please "
                "try again.")


def auth_reply(link: str) -> Reply:
    text = ("Connect Xero: open the link and pick the organisations to connect. "
            "It works once, for you only, within 10 minutes.")
    return Reply(text, [section(text), actions(button("Connect Xero", CONNECT_ACTION, url=link, style="primary"))])


def working() -> Reply:
    return note(":hourglass_flowing_sand: Working on it; I'll reply here.")


def testing(orgs) -> str:
    names = escape(orgs[0].name) if len(orgs) == 1 else f"{len(orgs)} organisations"
    return f":hourglass_flowing_sand: Testing the connection to {names}…"


def sync_started(org, entity: str | None) -> str:
    what = f"{escape(entity)} of {escape(org.name)}" if entity else escape(org.name)
    return f":arrows_counterclockwise: Syncing {what} now; I'll reply here when it finishes."


def sync_reply(report, reauth_link: str | None = None) -> Reply:
    org, run, name = report.org, report.run, f"*{escape(report.org.name)}*"
    head = {
        "success": f":white_check_mark: Synced {name} in {took(run)}: {changes(run)}; {calls(run)}.",
        "failed": f":x: The sync of {name} failed after {took(run)}: {escape(run.error or 'unknown error')}. The "
                  "next scheduled sync will try again.",
        "auth_failed": f":closed_lock_with_key: The sync of {name} stopped: Xero refused its authorization "
                       f"({escape(run.error or 'unknown reason')}). Automatic syncing waits until someone "
                       "re-authorizes Xero.",
        "paused": f":hourglass: The sync of {name} paused: Xero's daily API limit is spent. It resumes "
                  f"{moment(org.paused_until, org.timezone, never='when the limit resets')}.",
        "interrupted": f":double_vertical_bar: The sync of {name} was interrupted after {took(run)} "
                       f"({escape(run.error or 'no reason given')}); the next sync carries on from what it finished.",
    }.get(run.outcome, f"The sync of {name} ended: {escape(run.outcome)}.")
    notes = [escape(n) for n in run.notes]
    if report.joined:
        notes.append(f"A sync of {name} was already running, so I joined it instead of starting another.")
    if not org.enabled:
        notes.append(f"Automatic hourly sync of {name} is disabled; manual sync still works (`/xero enable` "
                     "resumes the schedule).")
    blocks = [section(head)] + [context(n) for n in notes]
    if reauth_link:
        blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_link, style="primary")))
    return Reply("\n".join([head, *notes]), blocks)


def sync_all_started(count: int, entity: str | None) -> str:
    what = f"{escape(entity)} of " if entity else ""
    return (f":arrows_counterclockwise: Syncing {what}all {count} organisation{'s' if count != 1 else ''} now; "
            "I'll reply here when every one has finished.")


def sync_all_reply(reports, left_out: list) -> Reply:
    """One summary for "sync all": the totals, then each org that did not succeed, with its error."""
    runs = [r.run for r in reports]
    head = f":arrows_counterclockwise: {all_summary(runs, len(left_out))}."
    problems = [f"• *{escape(r.org.name)}* {OUTCOMES.get(r.run.outcome, r.run.outcome)}: "
                f"{escape(r.run.error or 'no reason given')}" for r in reports if r.run.outcome != "success"]
    problems += [f"• *{escape(o.name)}* needs re-authorizing (`/xero status` has its button)" for o in left_out]
    shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
    blocks = [section(head)] + ([section("\n".join(shown))] if shown else [])
    return Reply("\n".join([head, *shown]), blocks)


def reset_reply(report) -> Reply:
    tz, name = report.org.timezone, f"*{escape(report.org.name)}*"
    when = day_from(report.since, tz)
    if report.entity:
        head = f":rewind: The next sync reads {escape(report.entity)} of {name} from {when}."
    else:
        head = f":rewind: SYNC FROM DATE of {name} is now {when}: the next sync asks Xero for everything changed since then."
    tail = (" A sync of it is running now: it finishes with what it has read, and the reset applies to the next."
            if report.running else "")
    return note(head + tail + " Nothing already stored is lost.")


def enabled_reply(org) -> Reply:
    if org.enabled:
        return note(f":arrow_forward: Automatic hourly sync of *{escape(org.name)}* is enabled.")
    return note(f":double_vertical_bar: Automatic hourly sync of *{escape(org.name)}* is disabled. Manual "
                "`/xero sync` still works.")


def delete_confirm(org) -> Reply:
    text = (f":warning: Delete *{escape(org.name)}*? This removes its Xero connection, revokes the grant when no "
            f"other organisation uses it, and deletes its stored data.")
    return Reply(text, [section(text), actions(
        button("Confirm delete", DELETE_ACTION, value=org.tenant_id, style="danger"),
        button("Cancel", CANCEL_DELETE_ACTION, value=org.tenant_id))])


def deleted(org, problems: list[str]) -> Reply:
    text = f":wastebasket: Deleted *{escape(org.name)}*: its connection and stored data are gone."
    if problems:
        text += " But " + escape("; ".join(problems)) + "."
    return note(text)


def history_reply(org, runs) -> Reply:
    title = f"Last {len(runs)} syncs of {org.name}" if len(runs) > 1 else f"Last sync of {org.name}"
    if not runs:
        return Reply(f"{escape(org.name)} has not synced yet.", [section(f"*{escape(org.name)}* has not synced yet.")])
    lines = [summary(run, org.timezone) for run in runs]
    blocks = [header(title[:150])] + [section(line) for line in lines[:45]]
    return Reply(escape(title) + "\n" + "\n".join(lines), blocks)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def note(text: str) -> Reply:
    """A one-section reply; `text` is mrkdwn whose outside parts are already escaped."""
    return Reply(text, [section(text)])

"""What the other `/xero` replies say (help, refusals, errors, auth, sync, reset, enable/disable, delete): Block
Kit with a plain-text fallback. Formatting only, no decisions."""

from __future__ import annotations

from daemon.slack.blocks import (
    CANCEL_DELETE_ACTION,
    CONNECT_ACTION,
    DELETE_ACTION,
    REAUTH_ACTION,
    Reply,
    actions,
    button,
    context,
    day,
    escape,
    section,
)


def help_reply(commands, unknown: str | None = None) -> Reply:
    lines = [f"`/xero {c.usage}`: {c.summary}{' (admins)' if c.admin else ''}" for c in commands]
    intro = f"I don't know `{escape(_clip(unknown, 40))}`. " if unknown else ""
    text = intro + "Commands:\n" + "\n".join(lines)
    blocks = [section(f"{intro}*Xero sync commands*"), section("\n".join(lines)),
              context("`[org]` is an organisation's name (or the start of it) or its tenant id; "
                      "with one organisation connected you can leave it out.")]
    return Reply(text, blocks)


def refusal(command: str, admins: tuple[str, ...]) -> Reply:
    who = ", ".join(f"<@{u}>" for u in admins)
    text = f":no_entry: Only admins can run `/xero {command}`. Admins: {who}."
    return Reply(text, [section(text)])


def error(message: str) -> Reply:
    return note(f":warning: {escape(message)}")


def apology() -> Reply:
    text = ":face_with_head_bandage: Sorry, something went wrong on our side. It has been logged; please try again."
    return Reply(text, [section(text)])


def auth_reply(link: str) -> Reply:
    text = ("Connect Xero: open the link and pick the organisations to connect. "
            "It works once, for you only, within 10 minutes.")
    return Reply(text, [section(text),
                        actions(button("Connect Xero", CONNECT_ACTION, url=link, style="primary"))])


def sync_reply(report, now: float, reauth_link: str | None = None) -> Reply:
    org, run, name = report.org, report.run, escape(report.org.name)
    took = duration(report.duration)
    notes = []
    if report.joined:
        notes.append(f"A sync of {name} was already running, so I joined it instead of starting another.")
    if not org.enabled:
        notes.append(f"Automatic hourly sync of {name} is disabled; manual sync still works "
                     f"(`/xero enable` resumes the schedule).")
    if run.outcome == "success":
        changed = [f"{entity}: {n:,} changed" for entity, n in sorted(run.changed.items()) if n]
        head = f":white_check_mark: Synced {name} in {took} ({run.api_calls} API calls)."
        body = "\n".join(changed) if changed else "Nothing changed since the last sync."
    else:
        head = f":x: The sync of {name} ended {run.outcome.replace('_', ' ')} after {took}."
        body = escape(run.error or "unknown error")
    text = "\n".join([head, body, *notes])
    blocks = [section(head), section(body)] + [context(n) for n in notes]
    if reauth_link:
        blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_link, style="primary")))
    return Reply(text, blocks)


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def reset_reply(org, since_ts: float | None, *, running: bool = False) -> Reply:
    head = f":rewind: SYNC FROM DATE of {escape(org.name)} is now {day(since_ts)}."
    if running:
        return note(f"{head} A sync of it is running now: it finishes with what it has read, and the next sync "
                    "re-reads everything modified since then. Nothing already stored is lost.")
    return note(f"{head} The next sync re-reads everything modified since then; nothing already stored is lost.")


def enabled_reply(org) -> Reply:
    if org.enabled:
        return note(f":arrow_forward: Automatic hourly sync of {escape(org.name)} is enabled.")
    return note(f":double_vertical_bar: Automatic hourly sync of {escape(org.name)} is disabled. "
                f"Manual `/xero sync` still works.")


def delete_confirm(org) -> Reply:
    text = (f":warning: Delete {escape(org.name)}? This removes its Xero connection, revokes the grant when no "
            f"other organisation uses it, and deletes its stored data.")
    return Reply(text, [section(text), actions(
        button("Confirm delete", DELETE_ACTION, value=org.tenant_id, style="danger"),
        button("Cancel", CANCEL_DELETE_ACTION, value=org.tenant_id))])


def deleted(org, problems: list[str]) -> Reply:
    text = f":wastebasket: Deleted {escape(org.name)}: its connection and stored data are gone."
    if problems:
        text += " But " + escape("; ".join(problems)) + "."
    return note(text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def note(text: str) -> Reply:
    """A one-section reply; `text` is mrkdwn whose outside parts are already escaped."""
    return Reply(text, [section(text)])

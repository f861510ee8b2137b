"""What each `/xero` reply says: Block Kit with a plain-text fallback. Formatting only, no decisions."""

from __future__ import annotations

from daemon.slack.blocks import (CANCEL_DELETE_ACTION, CONNECT_ACTION, DELETE_ACTION, REAUTH_ACTION, Reply, actions,
                                button, context, day, divider, escape, fields, rich_when, section, when)
CONNECTION_ICONS = {"connected": ":large_green_circle:", "needs re-authorization": ":red_circle:",
                    "disabled": ":white_circle:"}


def help_reply(commands, unknown: str | None = None) -> Reply:
    lines = [f"`/xero {c.usage}`: {c.summary}{' (admins)' if c.admin else ''}" for c in commands]
    intro = f"I don't know `{escape(unknown)}`. " if unknown else ""
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
    return Reply(f":warning: {message}", [section(f":warning: {escape(message)}")])


def apology() -> Reply:
    text = ":face_with_head_bandage: Sorry, something went wrong on our side. It has been logged; please try again."
    return Reply(text, [section(text)])


def auth_reply(link: str) -> Reply:
    text = ("Connect Xero: open the link and pick the organisations to connect. "
            "It works once, for you only, within 10 minutes.")
    return Reply(text, [section(text),
                        actions(button("Connect Xero", CONNECT_ACTION, url=link, style="primary"))])


MAX_BLOCKS = 50  # Slack's limit per message
DETAILED = 16  # orgs shown in full: three blocks each stays within MAX_BLOCKS
SECTION_CHARS = 3000  # Slack's limit for one section's text
TEXT_CHARS = 39_000  # the plain-text fallback stays under Slack's 40,000


def status_reply(statuses, now: float) -> Reply:
    if len(statuses) > DETAILED:
        return _status_summary(statuses, now)
    blocks, texts = [], []
    for status in statuses:
        b, t = _status_one(status, now)
        blocks += b + [divider()]
        texts.append(t)
    return Reply("\n\n".join(texts), blocks[:-1])


def _status_summary(statuses, now: float) -> Reply:
    """Too many orgs to show in full: one line each, packed into as few sections as Slack allows."""
    head = f"*{len(statuses)} organisations.* `/xero status <org>` shows one in full."
    blocks, chunk = [section(head)], ""
    lines = [_summary_line(s, now) for s in statuses]
    for shown, line in enumerate(lines):
        if len(chunk) + len(line) + 1 > SECTION_CHARS:
            if len(blocks) == MAX_BLOCKS - 2:  # room for this section and the note below
                blocks += [section(chunk), context(f"… and {len(lines) - shown} more")]
                chunk = ""
                break
            blocks.append(section(chunk))
            chunk = ""
        chunk += ("\n" if chunk else "") + line
    if chunk:
        blocks.append(section(chunk))
    text = "\n".join(_summary_line(s, now, plain=True) for s in statuses)
    return Reply(text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "\n…", blocks)


def _summary_line(s, now: float, *, plain: bool = False) -> str:
    org, last = s.org, s.last_run
    success = s.last_success.finished_at if s.last_success else org.last_success_at
    outcome = f" ({last.outcome.replace('_', ' ')})" if last and last.outcome != "success" else ""
    if plain:
        return (f"{org.name} ({org.tenant_id}): {s.connection}; last successful sync {when(success, now)}{outcome};"
                f" next sync {_next_sync(s, now, plain=True)}")
    return (f"{CONNECTION_ICONS.get(s.connection, '')} *{escape(org.name)}*: last successful sync"
            f" {rich_when(success, now)}{outcome}; next sync {_next_sync(s, now)}")


def _status_one(s, now: float) -> tuple[list[dict], str]:
    org, last = s.org, s.last_run
    outcome = f" ({last.outcome.replace('_', ' ')})" if last else ""
    attempted = when(last.started_at if last else None, now) + outcome
    success = s.last_success.finished_at if s.last_success else org.last_success_at
    pairs = [
        ("Connection", f"{CONNECTION_ICONS.get(s.connection, '')} {s.connection}"),
        ("Next sync", _next_sync(s, now)),
        ("LAST ATTEMPTED SYNC", rich_when(last.started_at if last else None, now) + outcome),
        ("LAST SUCCESSFUL SYNC", rich_when(success, now)),
        ("SYNC FROM DATE", day(s.sync_from)),
        ("Records", _counts(s.records)),
    ]
    error = org.last_error
    if error:
        pairs.append(("Last error", escape(error)))
    blocks = [section(f"*{escape(org.name)}*  `{org.tenant_id}`"), fields(pairs)]
    text = "\n".join([f"{org.name} ({org.tenant_id}): {s.connection}",
                      f"LAST ATTEMPTED SYNC: {attempted}", f"LAST SUCCESSFUL SYNC: {when(success, now)}",
                      f"SYNC FROM DATE: {day(s.sync_from)}", f"Next sync: {_next_sync(s, now, plain=True)}",
                      f"Records: {_counts(s.records)}"] + ([f"Last error: {error}"] if error else []))
    return blocks, text


def _next_sync(s, now: float, *, plain: bool = False) -> str:
    fmt = when if plain else rich_when
    if s.running:
        return "running now"
    if s.org.needs_reauth:
        return "after re-authorization"
    if not s.org.enabled:
        return "none: automatic sync is disabled (`/xero enable` resumes it)"
    if s.org.paused_until and s.org.paused_until > now:
        return f"{fmt(s.org.paused_until, now)} (Xero's daily limit is spent)"
    return fmt(s.next_sync_at, now, never="not scheduled")


def _counts(records: dict[str, int]) -> str:
    shown = [f"{name} {n:,}" for name, n in sorted(records.items()) if n]
    return ", ".join(shown) if shown else "none yet"


def test_reply(results) -> Reply:
    blocks, texts = [], []
    for r in results:
        name = r.xero_name or r.org.name
        state = ":white_check_mark: reachable" if r.reachable else f":x: not reachable: {r.reason}"
        budget = r.budget
        left = (f"{_n(budget.minute_remaining)} calls left this minute, {_n(budget.day_remaining)} today")
        scopes = " ".join(r.scopes) or "unknown"
        blocks += [section(f"*{escape(name)}*  `{r.org.tenant_id}`\n{escape(state)}"),
                   fields([("Scopes granted", f"`{scopes}`"), ("API budget", left)])]
        texts.append(f"{name}: {state}. Scopes: {scopes}. API budget: {left}.")
    return Reply("\n".join(texts), blocks[:50])


def _n(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def sync_reply(report, now: float, reauth_link: str | None = None) -> Reply:
    org, run = report.org, report.run
    took = duration(report.duration)
    notes = []
    if report.joined:
        notes.append(f"A sync of {org.name} was already running, so I joined it instead of starting another.")
    if not org.enabled:
        notes.append(f"Automatic hourly sync of {org.name} is disabled; manual sync still works "
                     f"(`/xero enable` resumes the schedule).")
    if run.outcome == "success":
        changed = [f"{entity}: {n:,} changed" for entity, n in sorted(run.changed.items()) if n]
        head = f":white_check_mark: Synced {org.name} in {took} ({run.api_calls} API calls)."
        body = "\n".join(changed) if changed else "Nothing changed since the last sync."
    else:
        head = f":x: The sync of {org.name} ended {run.outcome.replace('_', ' ')} after {took}."
        body = run.error or "unknown error"
    text = "\n".join([head, body, *notes])
    blocks = [section(escape(head)), section(escape(body))] + [context(escape(n)) for n in notes]
    if reauth_link:
        blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_link, style="primary")))
    return Reply(text, blocks)


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def reset_reply(org, since_ts: float | None) -> Reply:
    text = (f":rewind: SYNC FROM DATE of {org.name} is now {day(since_ts)}. The next sync re-reads everything "
            f"modified since then; nothing already stored is lost.")
    return Reply(text, [section(escape(text))])


def enabled_reply(org) -> Reply:
    if org.enabled:
        text = f":arrow_forward: Automatic hourly sync of {org.name} is enabled."
    else:
        text = (f":double_vertical_bar: Automatic hourly sync of {org.name} is disabled. "
                f"Manual `/xero sync` still works.")
    return Reply(text, [section(escape(text))])


def delete_confirm(org) -> Reply:
    text = (f":warning: Delete {org.name}? This removes its Xero connection, revokes the grant when no other "
            f"organisation uses it, and deletes its stored data.")
    return Reply(text, [section(escape(text)), actions(
        button("Confirm delete", DELETE_ACTION, value=org.tenant_id, style="danger"),
        button("Cancel", CANCEL_DELETE_ACTION, value=org.tenant_id))])


def deleted(org, problems: list[str]) -> Reply:
    text = f":wastebasket: Deleted {org.name}: its connection and stored data are gone."
    if problems:
        text += " But " + "; ".join(problems) + "."
    return Reply(text, [section(escape(text))])


def note(text: str) -> Reply:
    return Reply(text, [section(escape(text))])

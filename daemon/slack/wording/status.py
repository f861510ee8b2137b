"""What `/xero status` and `/xero test` say: Block Kit with a plain-text fallback. Formatting only, no decisions."""

from __future__ import annotations

from daemon.slack.blocks import Reply, context, day, divider, escape, fields, rich_when, section, when

CONNECTIONS = {"connected": (":large_green_circle:", "connected"),
               "needs_reauth": (":red_circle:", "needs re-authorization"),
               "disabled": (":white_circle:", "disabled")}  # Org.connection -> (icon, words)


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
        return (f"{escape(org.name)} ({escape(org.tenant_id)}): {_words(org)}; last successful sync"
                f" {when(success, now)}{outcome};"
                f" next sync {_next_sync(s, now, plain=True)}")
    return (f"{_icon(org)} *{escape(org.name)}*: last successful sync"
            f" {rich_when(success, now)}{outcome}; next sync {_next_sync(s, now)}")


def _status_one(s, now: float) -> tuple[list[dict], str]:
    org, last = s.org, s.last_run
    outcome = f" ({last.outcome.replace('_', ' ')})" if last else ""
    attempted = when(last.started_at if last else None, now) + outcome
    success = s.last_success.finished_at if s.last_success else org.last_success_at
    pairs = [
        ("Connection", f"{_icon(org)} {_words(org)}"),
        ("Next sync", _next_sync(s, now)),
        ("LAST ATTEMPTED SYNC", rich_when(last.started_at if last else None, now) + outcome),
        ("LAST SUCCESSFUL SYNC", rich_when(success, now)),
        ("SYNC FROM DATE", day(s.sync_from)),
        ("Records", _counts(s.records)),
    ]
    error = org.last_error
    if error:
        pairs.append(("Last error", escape(error)))
    blocks = [section(f"*{escape(org.name)}*  `{escape(org.tenant_id)}`"), fields(pairs)]
    text = "\n".join([f"{escape(org.name)} ({escape(org.tenant_id)}): {_words(org)}",
                      f"LAST ATTEMPTED SYNC: {attempted}", f"LAST SUCCESSFUL SYNC: {when(success, now)}",
                      f"SYNC FROM DATE: {day(s.sync_from)}", f"Next sync: {_next_sync(s, now, plain=True)}",
                      f"Records: {_counts(s.records)}"] + ([f"Last error: {escape(error)}"] if error else []))
    return blocks, text


def _icon(org) -> str:
    return CONNECTIONS[org.connection][0]


def _words(org) -> str:
    return CONNECTIONS[org.connection][1]


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
        name = escape(r.xero_name or r.org.name)
        state = ":white_check_mark: reachable" if r.reachable else f":x: not reachable: {escape(r.reason or '')}"
        budget = r.budget
        left = (f"{_n(budget.minute_remaining)} calls left this minute, {_n(budget.day_remaining)} today")
        scopes = escape(" ".join(r.scopes)) or "unknown"
        blocks += [section(f"*{name}*  `{escape(r.org.tenant_id)}`\n{state}"),
                   fields([("Scopes granted", f"`{scopes}`"), ("API budget", left)])]
        texts.append(f"{name}: {state}. Scopes: {scopes}. API budget: {left}.")
    return Reply("\n".join(texts), blocks[:50])


def _n(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"

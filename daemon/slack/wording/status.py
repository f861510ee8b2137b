"""What `/xero status` and `/xero test` say: a header and one summary line across orgs, the orgs that need
attention first, each with its buttons; many orgs read as the summary, the cards that need attention, and a
compact list. Block Kit with a plain-text fallback; formatting only, no decisions."""

from __future__ import annotations

from daemon.slack.blocks import (ENABLE_ACTION, REAUTH_ACTION, SYNC_ACTION, Reply, actions, button, context, divider,
                                 escape, fields, header, moment, section, since)
from daemon.slack.wording.runs import OUTCOMES, progress

CONNECTIONS = {"connected": (":large_green_circle:", "connected"),
               "needs_reauth": (":red_circle:", "needs re-authorization"),
               "disabled": (":white_circle:", "disabled")}  # Org.connection -> (icon, words)
MAX_BLOCKS = 50  # Slack's limit per message
CARDS = 9  # up to this many orgs: each in full (a card is at most five blocks with its divider)
ATTENTION_CARDS = 7  # more orgs: the ones needing attention in full, up to this many, the rest one line each
SECTION_CHARS = 2900  # Slack allows 3,000 in one section
TEXT_CHARS = 39_000  # the plain-text fallback stays under Slack's 40,000


def status_reply(statuses, now: float, reauth_links: dict[str, str] | None = None) -> Reply:
    links = reauth_links or {}
    ordered = in_order(statuses)
    cards = ordered if len(ordered) <= CARDS else [s for s in ordered if s.attention][:ATTENTION_CARDS]
    rest = ordered[len(cards):]  # the cards are the first of `ordered`
    head = summary(ordered)
    blocks, texts = [header("Xero sync status"), section(head)], [head]
    for status in cards:
        card, text = _card(status, now, links.get(status.org.tenant_id))
        blocks += [divider(), *card]
        texts.append(text)
    if rest:
        blocks.append(divider())
        blocks += compact(rest, now, MAX_BLOCKS - len(blocks) - 1)
        blocks.append(context("`/xero status <org>` shows one organisation in full, with its buttons."))
        texts += [_line(s, now) for s in rest]
    text = "\n\n".join(texts)
    return Reply(text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "\n…", blocks)


def in_order(statuses) -> list:
    """Those needing a person first, then those whose last sync did not succeed, then the rest, by name."""
    return sorted(statuses, key=lambda s: (not s.attention, not s.org.needs_reauth, s.org.name.lower()))


def summary(statuses) -> str:
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s.org.connection] = counts.get(s.org.connection, 0) + 1
    parts = [f"{counts[state]} {CONNECTIONS[state][1]}" for state in CONNECTIONS if counts.get(state)]
    parts = [part.replace(" needs ", " need ") if not part.startswith("1 ") else part for part in parts]
    syncing = sum(1 for s in statuses if s.running)
    failing = sum(1 for s in statuses if s.attention and not s.org.needs_reauth)
    extra = ([f"{failing} whose last sync did not succeed"] if failing else []) + (
        [f"{syncing} syncing now"] if syncing else [])
    return f"*{len(statuses)} organisation{'s' if len(statuses) != 1 else ''}:* " + ", ".join(parts + extra) + "."


def _card(s, now: float, reauth: str | None) -> tuple[list[dict], str]:
    org = s.org
    pairs, about = card_fields(s, now), card_about(s, now)
    blocks = [section(f"*{escape(org.name)}*"), fields(pairs), context(" · ".join(about))]
    buttons = _buttons(s, reauth)
    if buttons:
        blocks.append(actions(*buttons))
    words = CONNECTIONS[org.connection][1]
    text = "\n".join([f"{escape(org.name)}: {words}"] + [f"{label}: {value}" for label, value in pairs] + about)
    return blocks, text


def card_fields(s, now: float) -> list[tuple[str, str]]:
    """An org as the integration page shows it: connection, next sync, LAST ATTEMPTED / LAST SUCCESSFUL SYNC,
    SYNC FROM DATE, records, webhooks, and the last error when it matters."""
    org, tz = s.org, s.org.timezone
    icon, words = CONNECTIONS[org.connection]
    last = s.last_run
    attempted = moment(last.started_at, tz) + f" ({OUTCOMES.get(last.outcome, last.outcome)})" if last else "never"
    success = moment(s.last_success.finished_at if s.last_success else org.last_success_at, tz)
    pairs = [("Connection", f"{icon} {words}"), ("Next sync", _next_sync(s, now)),
             ("LAST ATTEMPTED SYNC", attempted), ("LAST SUCCESSFUL SYNC", success),
             ("SYNC FROM DATE", since(s.sync_from, tz)), ("Records", _records(s.records)),
             ("Last webhook", _webhook(s))]
    if org.last_error and s.attention:
        pairs.append(("Last error", escape(org.last_error)))
    if s.missing:
        pairs.append(("Missing access", missing_access(s.missing)))
    return pairs


def missing_access(missing: dict[str, str]) -> str:
    """What a grant lacks for the entities configured: `accounting.journals.read (Journals is not synced)`."""
    by_scope: dict[str, list[str]] = {}
    for entity, scope in missing.items():
        by_scope.setdefault(scope, []).append(entity)
    return "; ".join(f"`{escape(scope)}` ({', '.join(entities)} {'is' if len(entities) == 1 else 'are'} not synced)"
                     for scope, entities in by_scope.items()) + ": re-authorize to add access"


def card_about(s, now: float) -> list[str]:
    """The small print under a card: progress while syncing, the tenant id, the org's zone, SYNC FROM DATE's
    meaning, the grant's age and when it would lapse."""
    tz = s.org.timezone
    zone = f"its time zone: {escape(tz)}" if tz else "its time zone: not known yet (UTC)"
    about = [f"`{escape(s.org.tenant_id)}`", zone, _from_means(s)]
    if s.grant is not None:
        about.append(grant_life(s, now))
    if s.progress:
        about.insert(0, progress(s.progress))
    return about


def grant_life(s, now: float) -> str:
    """The org's Xero grant: how old (since the consent), and when Xero would end it if nothing refreshed it."""
    grant, tz = s.grant, s.org.timezone
    days = int(max(0.0, now - grant.created_at) // 86400)
    age = "less than a day old" if days == 0 else f"{days} day{'s' if days != 1 else ''} old"
    line = f"Xero grant: {age} (consented {moment(grant.created_at, tz)})"
    if grant.status != "active":
        return line + "; Xero refused it: re-authorize"
    return (line + f"; last refreshed {moment(grant.refreshed_at, tz)}; it lapses {moment(s.lapses_at, tz)} if "
            f"nothing refreshes it (Xero ends a grant unused for 60 days; this daemon refreshes every grant at least "
            f"every {s.keepalive_days} days)")


def _from_means(s) -> str:
    """SYNC FROM DATE in one line: what the next sync asks Xero for, and where the date comes from."""
    if s.sync_from is None:
        return "SYNC FROM DATE: the next sync reads the whole history"
    why = "set by a reset" if s.sync_from_is_reset else (
        f"{span(s.overlap)} before the last successful sync began, to be safe")
    return f"SYNC FROM DATE: the next sync asks Xero for everything changed since then ({why})"


def span(seconds: float) -> str:
    """A setting's length in words: `24 hours`, `90 minutes`, `45 seconds`."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    n = int(seconds)
    return f"{n} second{'s' if n != 1 else ''}"


def _buttons(s, reauth: str | None) -> list[dict]:
    tenant = s.org.tenant_id
    if s.org.needs_reauth:
        return [button("Re-authorize Xero", REAUTH_ACTION, url=reauth, style="primary")] if reauth else []
    buttons = [] if s.running else [button("Sync now", SYNC_ACTION, value=tenant)]
    if s.missing and reauth:
        buttons.append(button("Re-authorize to add access", REAUTH_ACTION, url=reauth))
    if not s.org.enabled:
        buttons.append(button("Enable", ENABLE_ACTION, value=tenant))
    return buttons


def _webhook(s) -> str:
    """When Xero's last webhook for the org came; Xero sends them for Contacts and Invoices only."""
    if not s.webhooks:
        return "webhooks are not set up (XERO_WEBHOOK_KEY): every entity is read by the hourly sync"
    last = moment(s.org.last_webhook_at, s.org.timezone, never="none yet")
    return f"{last}. Xero sends them for Contacts and Invoices only; the rest is read by the hourly sync"


def _next_sync(s, now: float) -> str:
    if s.running:
        return "running now"
    if s.org.needs_reauth:
        return "after re-authorization"
    if not s.org.enabled:
        return "none: automatic sync is disabled"
    if s.org.paused_until and s.org.paused_until > now:
        return f"{moment(s.org.paused_until, s.org.timezone)}, when Xero's daily limit resets"
    return moment(s.next_sync_at, s.org.timezone, never="not scheduled")


def _records(records: dict[str, int]) -> str:
    held = sorted(((n, name) for name, n in records.items() if n), reverse=True)
    if not held:
        return "none yet"
    total = sum(n for n, _ in held)
    more = f", and {len(held) - 5} more" if len(held) > 5 else ""
    return f"{total:,} (" + ", ".join(f"{name} {n:,}" for n, name in held[:5]) + more + ")"


def _line(s, now: float) -> str:
    icon, words = CONNECTIONS[s.org.connection]
    success = s.last_success.finished_at if s.last_success else s.org.last_success_at
    return (f"{icon} *{escape(s.org.name)}*: {words}; last successful sync {moment(success, s.org.timezone)};"
            f" next sync {_next_sync(s, now)}")


def compact(statuses, now: float, room: int) -> list[dict]:
    """One line per org, packed into as few sections as Slack allows, within `room` blocks."""
    blocks, chunk = [], ""
    for shown, line in enumerate(_line(s, now) for s in statuses):
        if len(chunk) + len(line) + 1 > SECTION_CHARS:
            if len(blocks) >= room - 2:
                return blocks + [section(chunk), context(f"… and {len(statuses) - shown} more")]
            blocks.append(section(chunk))
            chunk = ""
        chunk += ("\n" if chunk else "") + line
    return blocks + [section(chunk)] if chunk else blocks


def test_reply(results, reauth_links: dict[str, str] | None = None) -> Reply:
    links = reauth_links or {}
    blocks, texts = [], []
    for r in results:
        name = escape(r.xero_name or r.org.name)
        if r.reachable:
            budget = r.budget
            left = f"{_n(budget.minute_remaining)} calls left this minute, {_n(budget.day_remaining)} today"
            scopes = escape(" ".join(r.scopes)) or "unknown"
            line = f":white_check_mark: *{name}* is reachable."
            pairs = [("Scopes granted", f"`{scopes}`"), ("API budget", left)]
            if r.missing:
                pairs.append(("Missing access", missing_access(r.missing)))
            blocks += [section(line), fields(pairs)]
            link = links.get(r.org.tenant_id)
            if r.missing and link:
                blocks.append(actions(button("Re-authorize to add access", REAUTH_ACTION, url=link)))
            texts.append(f"{line} Scopes: {scopes}. API budget: {left}." + (
                f" Missing access: {missing_access(r.missing)}." if r.missing else ""))
            continue
        line = f":x: *{name}* is not reachable: {escape(r.reason or 'unknown reason')}."
        blocks.append(section(line))
        link = links.get(r.org.tenant_id)
        if link and r.needs_person:
            blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=link, style="primary")))
        texts.append(line)
    return Reply("\n".join(texts), blocks[:MAX_BLOCKS])


def _n(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"

"""The daily digest, as a channel subscribed to `daily` reads it: every org it covers with its state, its last
successful sync, the records changed and the failed syncs of the 24 hours before the digest."""

from __future__ import annotations

from daemon.slack.blocks import Reply, context, escape, header, local, moment, section
from daemon.slack.wording.runs import per_entity_counts
from daemon.slack.wording.status import CONNECTIONS

MAX_ORGS = 40  # a digest lists this many orgs in full (Slack allows 50 blocks), the rest are counted


def digest(due, pairs) -> Reply:
    """`due`: the Digest (its day, zone, due time); `pairs`: (Org, DayOfRuns) of the orgs this channel covers."""
    changed = sum(sum(d.changed.values()) for _, d in pairs)
    failures = sum(d.failures for _, d in pairs)
    attention = sum(1 for org, d in pairs if org.connection != "connected" or d.failures)
    count = f"{len(pairs)} organisation{'s' if len(pairs) != 1 else ''}"
    head = f"Xero daily digest, {due.day:%a} {due.day.day} {due.day:%b %Y}"
    summary = (f"{count}, {attention} needing attention; {changed:,} record{'s' if changed != 1 else ''} changed "
               f"and {failures:,} failed sync{'s' if failures != 1 else ''} in the last 24 hours.") if pairs else (
        "No organisation is connected yet. An admin can connect one with `/xero auth`.")
    blocks = [header(head), section(summary)]
    lines = [f":newspaper: {head}: {summary}"]
    ordered = sorted(pairs, key=lambda p: (p[0].connection == "connected" and not p[1].failures, p[0].name.lower()))
    for org, d in ordered[:MAX_ORGS]:
        line = _org_line(org, d)
        blocks.append(section(line))
        lines.append(line)
    if len(ordered) > MAX_ORGS:
        rest = f"And {len(ordered) - MAX_ORGS} more organisations: `/xero status` shows every one."
        blocks.append(context(rest))
        lines.append(rest)
    blocks.append(context(f"Counted over the 24 hours before {local(due.due, due.zone)}. `/xero unsubscribe daily` "
                          "stops this digest here."))
    return Reply("\n".join(lines), blocks)


def _org_line(org, d) -> str:
    icon, words = CONNECTIONS[org.connection]
    total = sum(d.changed.values())
    changed = f"{total:,} record{'s' if total != 1 else ''} changed ({per_entity_counts(d.changed)})" if total \
        else "nothing changed"
    failed = (f"{d.failures} failed sync{'s' if d.failures != 1 else ''}, the last: "
              f"{escape(d.last_error or 'no reason given')}") if d.failures else "no failed syncs"
    return (f"{icon} *{escape(org.name)}*: {words} · last successful sync "
            f"{moment(org.last_success_at, org.timezone)} · {changed} · {failed}")

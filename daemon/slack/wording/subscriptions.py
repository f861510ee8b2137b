"""What `/xero subscribe`, `unsubscribe` and `subscriptions` reply: what changed, then what the channel receives
now, what each kind means, and how to invite the bot where it is not. Formatting only, no decisions."""

from __future__ import annotations

from daemon.slack.blocks import Reply, context, escape, section

ORDER = ("failures", "auth", "syncs", "changes", "daily")


def meanings(digest_at: str) -> str:
    return ("*failures*: a sync failing, one alert per episode, repeats in its thread, edited when it is over · "
            "*auth*: an organisation needing re-authorization, with the link · *syncs*: a line per finished sync · "
            "*changes*: a line per sync that changed records, with counts per entity · *daily*: a digest every day "
            f"at {escape(digest_at)}")


def _kinds(kinds) -> str:
    ordered = [k for k in ORDER if k in kinds]
    if len(ordered) == 1:
        return ordered[0]
    return ", ".join(ordered[:-1]) + " and " + ordered[-1]


def listing(ca) -> tuple[list[str], bool]:
    """The lines saying what the channel receives, and whether it receives anything."""
    by_scope: dict[str, list[str]] = {}
    for sub in ca.subscriptions:
        name = "every organisation" if sub.every else escape(ca.names.get(sub.scope, sub.scope))
        by_scope.setdefault(name, []).append(sub.kind)
    lines = [f"• {name}: {_kinds(kinds)}" for name, kinds in
             sorted(by_scope.items(), key=lambda pair: (pair[0] != "every organisation", pair[0].lower()))]
    if ca.alert_kinds is not None:
        kinds = f"{_kinds(ca.alert_kinds)} of every organisation, " if ca.alert_kinds else ""
        lines.append(f"• as the alert channel (SLACK_ALERT_CHANNEL): {kinds}connections, first syncs, the audit "
                     "trail and the operator's alerts")
    return lines, bool(lines)


def channel_alerts(ca, head: str | None = None) -> Reply:
    lines, any_ = listing(ca)
    said = "This channel receives:" if any_ else ("This channel receives no Xero alerts. `/xero subscribe` routes "
                                                  "them here.")
    body = "\n".join([said] + lines)
    text = (head + "\n" if head else "") + body
    blocks = ([section(head)] if head else []) + [section(body), context(meanings(ca.digest_at))]
    return Reply(text, blocks)


def subscribed(ca, *, unchecked: str | None = None) -> Reply:
    what, scope = _kinds(ca.kinds), escape(ca.scope or "every organisation")
    head = (f":bell: This channel now receives {what} alerts for {scope}." if ca.changed else
            f":bell: This channel already received {what} alerts for {scope}.")
    reply = channel_alerts(ca, head)
    if unchecked:
        note = (f"I could not check that I am in this channel: if no alert arrives, invite me with "
                f"`/invite @{escape(unchecked)}`.")
        return Reply(reply.text + "\n" + note, reply.blocks + [context(note)])
    return reply


def unsubscribed(ca) -> Reply:
    what = _kinds(ca.kinds)
    scope = f" for {escape(ca.scope)}" if ca.scope else ""
    head = (f":no_bell: This channel no longer receives {what} alerts{scope}." if ca.changed else
            f":no_bell: This channel had no {what} subscription{scope}; nothing changed.")
    return channel_alerts(ca, head)


def not_in_channel(bot: str) -> Reply:
    text = (f":wave: I am not in this channel, so I could not post alerts here; nothing was subscribed. Invite me "
            f"with `/invite @{escape(bot)}`, then run the command again.")
    return Reply(text, [section(text)])


def no_bot_token() -> Reply:
    text = (":no_entry: This daemon has no SLACK_BOT_TOKEN, so it cannot post alerts in any channel; nothing was "
            "subscribed. Alerts are only logged until an operator sets it.")
    return Reply(text, [section(text)])

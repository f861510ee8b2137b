"""What is posted in the alert channel (and the channels subscribed to each kind): a failure (or re-authorization, or pause) alert, a repeat in its thread,
the "recovered" / "reconnected" notes and the alert edited to its resolved state, who pressed "Retry now", the
"connected" announcement, a new org's first sync, a line per finished sync, the audit trail, and the operator's own alerts."""

from __future__ import annotations

from daemon.slack.blocks import (REAUTH_ACTION, RETRY_ACTION, Reply, actions, button, context, day_from, escape,
                                 fields, moment, section)
from daemon.slack.wording.runs import ICONS, OUTCOMES, all_summary, changes, per_entity, took, trigger
from daemon.slack.wording.status import missing_access
from storage.alerts import Episode
from storage.orgs import Org

TITLES = {"failure": ":rotating_light: Xero sync failed",
          "reauth": ":closed_lock_with_key: Xero needs re-authorization",
          "paused": ":hourglass: Xero sync paused"}


FOUND_BY_CHECK = "the daily check of Xero's connections"  # what found an authorization lost between syncs


def alert(org: Org, kind: str, error: str | None, *, opened: float, failures: int, reauth_url: str | None,
          resumes_at: float | None, link_days: int, found_by: str | None = None) -> Reply:
    """An episode's alert. `found_by`: not a sync but this found it (the grants' daily upkeep)."""
    title, tz = f"{TITLES[kind]}: {escape(org.name)}", org.timezone
    what = escape(error or "unknown error")
    when = f"Found {moment(opened, tz)} by {found_by}" if found_by else f"Failing since {moment(opened, tz)}"
    text = f"{title}. {what}. {when}; last successful sync: {moment(org.last_success_at, tz)}."
    pairs = [("Organisation", f"{escape(org.name)}\n`{escape(org.tenant_id)}`"), ("What failed", what),
             ("Since", moment(opened, tz)), ("Last successful sync", moment(org.last_success_at, tz)),
             ("Found by", found_by) if found_by else ("Failed syncs", str(failures))]
    blocks = [section(f"*{title}*"), fields(pairs)]
    if kind == "reauth" and reauth_url:
        text += " Automatic syncing is stopped until someone re-authorizes Xero."
        days = f"{link_days} day{'s' if link_days > 1 else ''}"
        blocks += [context("Automatic syncing of this organisation is stopped until someone re-authorizes "
                           f"Xero. The link works once, within {days}."),
                   actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url, style="primary"))]
    elif kind == "paused" and resumes_at is not None:
        text += f" Syncing resumes {moment(resumes_at, tz)}."
        blocks.append(context(f"Syncing pauses until Xero's limit resets: it resumes {moment(resumes_at, tz)}."))
    else:
        blocks.append(actions(button("Retry now", RETRY_ACTION, value=org.tenant_id)))
    return Reply(text, blocks)


def repeat_note(org: Org, kind: str, error: str | None, failures: int, *, by: str | None = None,
                reauth_url: str | None, resumes_at: float | None) -> Reply:
    who = f"The sync <@{escape(by)}> asked for failed too" if by else "Still failing"
    text = f":x: {who} ({failures} failed syncs in a row): {escape(error or 'unknown error')}"
    blocks = [section(text)]
    if kind == "reauth" and reauth_url:
        text += ". Re-authorize Xero to resume syncing."
        blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url, style="primary")))
    elif kind == "paused" and resumes_at is not None:
        text += f". Syncing resumes {moment(resumes_at, org.timezone)}."
        blocks.append(context(f"Syncing resumes {moment(resumes_at, org.timezone)}."))
    return Reply(text, blocks)


def found_note(org: Org, error: str, *, reauth_url: str) -> Reply:
    """In a failure episode's thread: the daily check found the org now needs re-authorization."""
    text = (f":closed_lock_with_key: {FOUND_BY_CHECK[0].upper()}{FOUND_BY_CHECK[1:]} found that "
            f"*{escape(org.name)}* needs re-authorization: {escape(error)}. Re-authorize Xero to resume syncing.")
    return Reply(text, [section(text), actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url,
                                                      style="primary"))])


def recovered(org: Org, episode: Episode, run) -> Reply:
    failures = episode.repeats + 1
    who = f" (a sync <@{escape(run.started_by)}> asked for)" if run.started_by else ""
    return _note(f":white_check_mark: Recovered: *{escape(org.name)}* synced successfully{who} "
                 f"{moment(run.finished_at, org.timezone)}: {changes(run)}. It had failed {failures} "
                 f"time{'s' if failures > 1 else ''} since {moment(episode.opened_at, org.timezone)}.")


def reconnected(org: Org, by: str | None) -> Reply:
    who = f" by <@{escape(by)}>" if by else ""
    return _note(f":link: Reconnected: Xero was re-authorized for *{escape(org.name)}*{who}; automatic syncing "
                 "resumes.")


def closed_alert(org: Org, episode: Episode, reason: str, now: float) -> Reply:
    """The alert, edited to its resolved state once its episode is over (`reason`: recovered, reconnected); its
    history stays in the thread."""
    failures, tz = episode.repeats + 1, org.timezone
    what = {"recovered": "recovered", "reconnected": "was re-authorized"}.get(reason, reason)
    text = (f":white_check_mark: Resolved: {escape(org.name)} {what} {moment(now, tz)} (failing since "
            f"{moment(episode.opened_at, tz)}, {failures} failed sync{'s' if failures > 1 else ''}).")
    return Reply(text, [section(text), context(f"Last error: {escape(episode.last_error or 'unknown')}. The thread "
                                               "has the history.")])


def retry_pressed(user: str) -> Reply:
    return _note(f":arrows_counterclockwise: <@{escape(user)}> pressed Retry now; the outcome follows here.")


def connected(new: list[Org], by: str | None) -> Reply:
    who = f"<@{escape(by)}> connected" if by else "Connected"
    names = ", ".join(f"*{escape(o.name)}*" for o in new)
    return _note(f":link: {who} Xero: {names}. They sync now, then every hour; I'll say when each first sync is done.")


def first_sync(org: Org, run) -> Reply:
    total = sum(run.changed.values())
    held = f"{total:,} records ({per_entity(run)})" if total else "no records yet"
    return _note(f":tada: First sync of *{escape(org.name)}* done in {took(run)}: {held}.")


def sync_line(org: Org, run) -> Reply:
    """A finished sync in one line (channels subscribed to `syncs`, or `changes` when it changed records): how it
    ended, what started it, how long, what changed per entity, or why it failed."""
    name, ended = f"*{escape(org.name)}*", OUTCOMES.get(run.outcome, run.outcome)
    if run.outcome == "success":
        what = f"{name} synced ({trigger(run)}) in {took(run)}: {changes(run)}."
    else:
        what = f"The sync of {name} ({trigger(run)}) {ended} after {took(run)}: {escape(run.error or 'no reason given')}."
    return _note(f"{ICONS.get(run.outcome, ':memo:')} {what}")


AUDIT = {"reset": ":rewind:", "disabled": ":double_vertical_bar:", "enabled": ":arrow_forward:",
         "deleted": ":wastebasket:", "synced": ":arrows_counterclockwise:"}


def audit(event) -> Reply:
    """One line for the audit trail: who, what, which org (and a manual sync's result)."""
    who = f"<@{escape(event.user)}>" if event.user else "Someone"
    part = f"{escape(event.entity)} of " if event.entity else ""
    if event.org is None:  # every org at once
        what = f"synced {part}every organisation: {all_summary(event.runs, event.left_out)}"
        return _note(f"{AUDIT['synced']} {who} {what}.")
    org = f"*{escape(event.org.name)}*"
    if event.action == "reset":
        start = day_from(event.since, event.org.timezone)
        what = f"reset {part}{org} to read from {start}" if part else f"reset SYNC FROM DATE of {org} to {start}"
    elif event.action == "synced" and event.run is not None:
        run = event.run
        if run.outcome == "success":
            what = f"synced {part}{org}: {changes(run)}, in {took(run)}"
        else:
            what = f"synced {part}{org}, which {OUTCOMES.get(run.outcome, run.outcome)}: {escape(run.error or 'no reason given')}"
    else:
        what = f"{event.action} {org}" + (" (automatic hourly sync)" if event.action in ("enabled", "disabled") else "")
    return _note(f"{AUDIT.get(event.action, ':memo:')} {who} {what}.")


def access_missing(org: Org, missing: dict[str, str], *, reauth_url: str, link_days: int) -> Reply:
    """An org's grant lacks scopes the entities configured need: those are skipped, the rest syncs."""
    title = f":closed_lock_with_key: Xero access missing: {escape(org.name)}"
    lacking = missing_access(missing)
    text = f"{title}. Missing access: {lacking}. The other entities keep syncing."
    days = f"{link_days} day{'s' if link_days > 1 else ''}"
    blocks = [section(f"*{title}*"),
              fields([("Organisation", f"{escape(org.name)}\n`{escape(org.tenant_id)}`"), ("Missing access", lacking)]),
              context("The other entities keep syncing. Re-authorizing asks Xero for every scope the entities "
                      f"configured need. The link works once, within {days}."),
              actions(button("Re-authorize to add access", REAUTH_ACTION, url=reauth_url, style="primary"))]
    return Reply(text, blocks)


def access_granted(org: Org, scopes: str) -> Reply:
    lacked = ", ".join(f"`{escape(scope)}`" for scope in scopes.split())
    return _note(f":white_check_mark: *{escape(org.name)}* has the Xero access it lacked ({lacked}): every entity "
                 "configured syncs from now on.")


def credentials_refused(error: str) -> Reply:
    return _note(f":no_entry: Xero refused this app's own credentials: {escape(error)}. No organisation needs "
                 "re-authorizing: syncing resumes by itself once XERO_CLIENT_SECRET (and XERO_CLIENT_ID) are right "
                 "and the daemon restarted with them.")


def credentials_accepted() -> Reply:
    return _note(":white_check_mark: Xero accepts this app's credentials again; syncing goes on.")


def _note(text: str) -> Reply:
    """`text` is mrkdwn whose outside parts are already escaped."""
    return Reply(text, [section(text)])

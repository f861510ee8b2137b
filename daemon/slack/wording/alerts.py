"""What the alerts in the alert channel say: a failure (or re-authorization, or pause) alert, a repeat in its
thread, the "recovered" / "reconnected" notes that close it, and the "connected" announcement."""

from __future__ import annotations

from daemon.slack.blocks import (
    REAUTH_ACTION,
    RETRY_ACTION,
    Reply,
    actions,
    button,
    context,
    escape,
    fields,
    rich_when,
    section,
    when,
)
from storage.alerts import Episode
from storage.orgs import Org

TITLES = {"failure": ":rotating_light: Xero sync failed",
          "reauth": ":closed_lock_with_key: Xero needs re-authorization",
          "paused": ":hourglass: Xero sync paused"}


def alert(org: Org, kind: str, error: str | None, now: float, *, opened: float, failures: int,
          reauth_url: str | None, resumes_at: float | None, link_days: int) -> Reply:
    title = f"{TITLES[kind]}: {escape(org.name)}"
    what = escape(error or "unknown error")
    text = (f"{title}. {what}. Failing since {when(opened, now)}; "
            f"last successful sync: {when(org.last_success_at, now)}.")
    pairs = [("Organisation", f"{escape(org.name)}\n`{escape(org.tenant_id)}`"),
             ("What failed", what),
             ("Since", rich_when(opened, now)),
             ("Last successful sync", rich_when(org.last_success_at, now)),
             ("Failed syncs", str(failures))]
    blocks = [section(f"*{title}*"), fields(pairs)]
    if kind == "reauth" and reauth_url:
        text += " Automatic syncing is stopped until someone re-authorizes Xero."
        days = f"{link_days} day{'s' if link_days > 1 else ''}"
        blocks += [context("Automatic syncing of this organisation is stopped until someone re-authorizes "
                           f"Xero. The link is valid for {days}."),
                   actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url, style="primary"))]
    elif kind == "paused" and resumes_at is not None:
        text += f" Syncing resumes at {when(resumes_at, now)}."
        blocks.append(context(f"Syncing pauses until Xero's limit resets: it resumes {rich_when(resumes_at, now)}."))
    else:
        blocks.append(actions(button("Retry now", RETRY_ACTION, value=org.tenant_id)))
    return Reply(text, blocks)


def repeat_note(kind: str, error: str | None, failures: int, now: float, *, reauth_url: str | None,
                resumes_at: float | None) -> Reply:
    text = f"Still failing ({failures} failed syncs in a row): {escape(error or 'unknown error')}"
    blocks = [section(text)]
    if kind == "reauth" and reauth_url:
        text += ". Re-authorize Xero to resume syncing."
        blocks.append(actions(button("Re-authorize Xero", REAUTH_ACTION, url=reauth_url, style="primary")))
    elif kind == "paused" and resumes_at is not None:
        text += f". Syncing resumes at {when(resumes_at, now)}."
        blocks.append(context(f"Syncing resumes {rich_when(resumes_at, now)}."))
    return Reply(text, blocks)


def recovered(org: Org, episode: Episode, synced_at: float | None, now: float) -> Reply:
    failures = episode.repeats + 1
    return _note(f":white_check_mark: Recovered: {escape(org.name)} synced successfully {when(synced_at, now)}, after "
                 f"{failures} failed sync{'s' if failures > 1 else ''} since {when(episode.opened_at, now)}.")


def reconnected(org: Org) -> Reply:
    return _note(f":link: Reconnected: {escape(org.name)} was re-authorized; automatic syncing resumes.")


def closed_alert(org: Org, episode: Episode, reason: str, now: float) -> Reply:
    """The alert, edited once its episode is over (`reason`: recovered, reconnected)."""
    failures = episode.repeats + 1
    text = (f":white_check_mark: {escape(org.name)} {reason} {when(now, now)} "
            f"(failing since {when(episode.opened_at, now)}, {failures} failed sync{'s' if failures > 1 else ''}).")
    return Reply(text, [section(text), context(f"Last error: {escape(episode.last_error or 'unknown')}")])


def connected(new: list[Org], reconnected_: list[Org]) -> Reply:
    parts = []
    if new:
        parts.append("Xero connected: " + ", ".join(escape(o.name) for o in new))
    if reconnected_:
        parts.append("Reconnected: " + ", ".join(escape(o.name) for o in reconnected_))
    return _note(":link: " + ". ".join(parts) + ". They sync now and every hour.")


def credentials_refused(error: str) -> Reply:
    return _note(f":no_entry: Xero refused this app's own credentials: {escape(error)}. No organisation needs "
                 "re-authorizing: syncing resumes by itself once XERO_CLIENT_SECRET (and XERO_CLIENT_ID) are right "
                 "and the daemon restarted with them.")


def credentials_accepted() -> Reply:
    return _note(":white_check_mark: Xero accepts this app's credentials again; syncing goes on.")


def _note(text: str) -> Reply:
    """`text` is mrkdwn whose outside parts are already escaped."""
    return Reply(text, [section(text)])

"""How runs read, shared by replies, history, status and alerts: an outcome as a sentence, what changed, what
triggered a run and who asked for it."""

from __future__ import annotations

from daemon.slack.blocks import duration, escape, moment

OUTCOMES = {"success": "succeeded", "failed": "failed", "auth_failed": "stopped: Xero refused its authorization",
            "paused": "paused: Xero's daily API limit is spent", "interrupted": "was interrupted",
            "running": "is running"}
TRIGGERS = {"schedule": "hourly", "manual": "manual", "webhook": "after a Xero webhook", "connect": "first sync",
            "startup": "catch-up at start-up"}
ICONS = {"success": ":white_check_mark:", "failed": ":x:", "auth_failed": ":closed_lock_with_key:",
         "paused": ":hourglass:", "interrupted": ":double_vertical_bar:", "running": ":arrows_counterclockwise:"}


def took(run) -> str:
    return duration((run.finished_at or run.started_at) - run.started_at)


def calls(run) -> str:
    return f"{run.api_calls:,} API call{'s' if run.api_calls != 1 else ''}"


def changes(run, *, limit: int = 6) -> str:
    """`12 records changed (Invoices 10, Contacts 2)`, or that nothing changed."""
    total = sum(run.changed.values())
    if not total:
        return "nothing changed"
    return f"{total:,} record{'s' if total != 1 else ''} changed ({per_entity(run, limit=limit)})"


def per_entity(run, *, limit: int = 6) -> str:
    """`Invoices 10, Contacts 2`: what changed per entity, the most first."""
    return per_entity_counts(run.changed, limit=limit)


def per_entity_counts(counts: dict[str, int], *, limit: int = 6) -> str:
    changed = sorted(((n, entity) for entity, n in counts.items() if n), reverse=True)
    parts = [f"{entity} {n:,}" for n, entity in changed[:limit]]
    return ", ".join(parts) + (f", and {len(changed) - limit} more" if len(changed) > limit else "")


def trigger(run) -> str:
    words = TRIGGERS.get(run.trigger, run.trigger)
    return f"{words}, by <@{escape(run.started_by)}>" if run.started_by else words


def summary(run, tz: str | None) -> str:
    """One line for a run: when, what started it, how it ended, how long, calls, what changed (history)."""
    head = f"{ICONS.get(run.outcome, '')} {moment(run.started_at, tz)} · {trigger(run)} · {OUTCOMES.get(run.outcome, run.outcome)}"
    if run.outcome == "running":
        return head
    tail = f" {'in' if run.outcome == 'success' else 'after'} {took(run)} · {calls(run)} · {changes(run)}"
    error = f"\n> {escape(run.error)}" if run.error and run.outcome != "success" else ""
    return head + tail + error


def progress(run) -> str:
    """While a sync runs: the entity it reads, pages read of the pages known, records so far."""
    entity = run.current_entity
    step = run.progress.get(entity) if entity else None
    total = sum(p.records for p in run.progress.values())
    if entity is None:
        return f"Syncing now: starting ({total:,} records read so far)."
    if step is None:
        return f"Syncing now: {entity}, reading its first page; {total:,} records read so far."
    pages = (f"{step.pages:,} of {step.page_count:,} pages read" if step.page_count
             else f"{step.pages:,} page{'s' if step.pages != 1 else ''} read")
    return f"Syncing now: {entity}, {pages}; {total:,} records read so far."


def all_summary(runs, left_out: int) -> str:
    """Several orgs synced at once ("sync all"), in one sentence: how many, how they ended, what changed."""
    ended: dict[str, int] = {}
    for run in runs:
        ended[run.outcome] = ended.get(run.outcome, 0) + 1
    outcomes = ", ".join(f"{n} {OUTCOMES.get(outcome, outcome).split(':')[0]}" for outcome, n in
                         sorted(ended.items(), key=lambda pair: (pair[0] != "success", pair[0])))
    total = sum(sum(run.changed.values()) for run in runs)
    changed = f"{total:,} record{'s' if total != 1 else ''} changed" if total else "nothing changed"
    count = f"{len(runs)} organisation{'s' if len(runs) != 1 else ''}"
    skipped = (f"; {left_out} left out: {'it needs' if left_out == 1 else 'they need'} re-authorizing"
               if left_out else "")
    return f"{count} synced ({outcomes or 'none'}): {changed}{skipped}"

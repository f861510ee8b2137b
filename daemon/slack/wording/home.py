"""The app's Home tab: the integration page itself. Every organisation as a card (connection, LAST ATTEMPTED SYNC,
LAST SUCCESSFUL SYNC, SYNC FROM DATE, next sync, records, calls left today, the last error) with its buttons for
admins (Sync now, Test connection, Reset…, Disable / Enable, Delete, Re-authorize), "Connect another
organisation", and the outcome of the viewer's last action at the top. The Reset modal: a date picker, the org's
time zone named, which entities. Formatting only, no decisions."""

from __future__ import annotations

from datetime import date

from daemon.slack.blocks import (CONNECT_ACTION, REAUTH_ACTION, actions, button, confirm, context, divider, escape,
                                 fields, header, plain, section)
from daemon.slack.wording.status import card_about, card_fields, compact, in_order, summary

HOME_SYNC, HOME_TEST, HOME_RESET = "home_sync", "home_test", "home_reset"
HOME_DISABLE, HOME_ENABLE, HOME_DELETE = "home_disable", "home_enable", "home_delete"
HOME_ACTIONS = (HOME_SYNC, HOME_TEST, HOME_RESET, HOME_DISABLE, HOME_ENABLE, HOME_DELETE)
RESET_MODAL = "reset_modal"  # the modal's callback id
MAX_BLOCKS = 100  # Slack's limit for a Home tab
CARD_BLOCKS = 5  # divider, name, fields, small print, buttons


def home_view(page, now: float, *, admin: bool, banner: str | None = None) -> dict:
    ordered = in_order(page.statuses)
    blocks = [header("Xero integration")]
    if banner:
        blocks.append(section(banner))
    if not ordered:
        blocks.append(section("No Xero organisation is connected yet." + (
            "" if admin else " An admin can connect one.")))
    else:
        blocks.append(section(summary(ordered)))
    if admin and page.connect_link:
        label = "Connect another organisation" if ordered else "Connect Xero"
        blocks.append(actions(button(label, CONNECT_ACTION, url=page.connect_link, style="primary")))
    elif not admin:
        blocks.append(context("Read-only: only admins (SLACK_ADMIN_USERS) can sync, reset, disable or delete."))
    room = (MAX_BLOCKS - len(blocks)) // CARD_BLOCKS
    cards = ordered if len(ordered) <= room else [s for s in ordered if s.attention][:room - 3]
    for status in cards:
        blocks += _card(status, now, page, admin)
    rest = [s for s in ordered if s not in cards]
    if rest:
        blocks.append(divider())
        blocks += compact(rest, now, MAX_BLOCKS - len(blocks) - 1)
        blocks.append(context("`/xero status <org>` shows one organisation in full."))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _card(s, now: float, page, admin: bool) -> list[dict]:
    org = s.org
    pairs = card_fields(s, now)
    pairs.insert(5, ("Calls left today", _calls(page.budgets.get(org.tenant_id))))
    blocks = [divider(), section(f"*{escape(org.name)}*"), fields(pairs), context(" · ".join(card_about(s, now)))]
    if admin:
        blocks.append(actions(*_buttons(s, page.reauth_links.get(org.tenant_id))))
    return blocks


def _calls(budget) -> str:
    if budget is None or budget.day_remaining is None:
        return "not known yet (Xero says with each answer)"
    return f"{budget.day_remaining:,} of Xero's daily limit"


def _buttons(s, reauth: str | None) -> list[dict]:
    org = s.org
    tenant, name = org.tenant_id, escape(org.name)
    buttons = []
    if org.needs_reauth and reauth:
        buttons.append(button("Re-authorize Xero", REAUTH_ACTION, url=reauth, style="primary"))
    elif s.missing and reauth:
        buttons.append(button("Re-authorize to add access", REAUTH_ACTION, url=reauth))
    if not s.running and not org.needs_reauth:
        buttons.append(button("Sync now", HOME_SYNC, value=tenant))
    buttons += [button("Test connection", HOME_TEST, value=tenant), button("Reset…", HOME_RESET, value=tenant)]
    buttons.append(button("Enable", HOME_ENABLE, value=tenant) if not org.enabled else
                   button("Disable", HOME_DISABLE, value=tenant))
    buttons.append(button("Delete", HOME_DELETE, value=tenant, style="danger", confirm=confirm(
        f"Delete {org.name}?"[:100], f"This removes *{name}*'s Xero connection, revokes the grant when no other "
        "organisation uses it, and deletes its stored data.", "Delete", danger=True)))
    return buttons


def reset_modal(org, *, today: date, entities: list[str]) -> dict:
    """Reset SYNC FROM DATE: a date (empty: the whole history) that means midnight in the org's own zone, and
    which entities (none chosen: all of them). `private_metadata` carries the org."""
    zone = org.timezone or "UTC (its time zone is not known until its first sync)"
    options = [{"text": plain(name, 75), "value": name} for name in entities[:100]]
    return {
        "type": "modal", "callback_id": RESET_MODAL, "private_metadata": org.tenant_id,
        "title": plain("Reset SYNC FROM DATE", 24), "submit": plain("Reset", 24), "close": plain("Cancel", 24),
        "blocks": [
            section(f"*{escape(org.name)}*: the next sync asks Xero for everything changed since the date you pick, "
                    f"from midnight in *{escape(zone)}*, the organisation's time zone. Nothing already stored is "
                    "lost."),
            {"type": "input", "block_id": "since", "optional": True, "label": plain("Sync from"),
             "hint": plain(f"Today or earlier (today there is {today}). Leave it empty to re-read the whole "
                           "history."),
             "element": {"type": "datepicker", "action_id": "day", "initial_date": today.isoformat(),
                         "placeholder": plain("The whole history")}},
            {"type": "input", "block_id": "entities", "optional": True, "label": plain("Which entities"),
             "hint": plain("None chosen: every entity."),
             "element": {"type": "multi_static_select", "action_id": "chosen", "options": options,
                         "placeholder": plain("All of them")}},
        ],
    }

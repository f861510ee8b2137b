"""What a user means: which org (a tenant id or exact name, else a unique case-insensitive name prefix; with one
org connected it may be left out; ambiguous or unknown names get the candidates, never a guess), and the entity,
date or count a command takes after it, each read as what it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol, Sequence, TypeVar

from daemon.core.entities import ENTITIES
from daemon.core.errors import CommandError


class Named(Protocol):
    tenant_id: str
    name: str


O = TypeVar("O", bound=Named)


def match_orgs(orgs: Sequence[O], query: str | None, *, many: bool = False) -> list[O]:
    """The orgs `query` names (all of them when it is empty and `many` is allowed)."""
    if not orgs:
        raise CommandError("No Xero organisation is connected yet. An admin can connect one with `/xero auth`.")
    if not query or not query.strip():
        if len(orgs) == 1 or many:
            return list(orgs)
        raise CommandError("Several organisations are connected; name one: " + listing(orgs))
    needle = query.strip().lower()
    exact = [o for o in orgs if needle in (o.tenant_id.lower(), o.name.lower())]
    matches = exact or [o for o in orgs if o.name.lower().startswith(needle)]
    if not matches:
        raise CommandError(f"No organisation matches {query!r}. Connected: " + listing(orgs))
    if len(matches) > 1:
        raise CommandError(f"{query!r} matches several organisations; be more specific: " + listing(matches))
    return matches


def listing(orgs: Sequence[Named], limit: int = 10) -> str:
    shown = ", ".join(f"{o.name} ({o.tenant_id})" for o in orgs[:limit])
    return shown + (f", and {len(orgs) - limit} more" if len(orgs) > limit else "")


@dataclass(frozen=True)
class Target:
    """What a command's words name: the org(s), and (when the command takes them) an entity, a date, a count."""

    orgs: list
    entity: str | None = None
    day: date | None = None
    count: int | None = None
    every: bool = False  # `all` was said: every org
    alerts: tuple[str, ...] = ()  # the kinds of alert a subscription names (`/xero subscribe`)
    named: bool = True  # the words named the org(s) (`all` included); False: nothing was said of them

    @property
    def org(self):
        return self.orgs[0]


def read_target(orgs: Sequence[O], text: str | None, *, many: bool = False, entity: bool = False,
                day: bool = False, count: bool = False, every: bool = False) -> Target:
    """Read `[org] [entity] [date] [count]` (the parts a command takes), each as what it is: the org is the
    longest run of leading words that names one, and what follows must be an entity, a date or a count. An error
    says which word is wrong and why (a word that is not a date is not taken for part of an org's name). With
    `every`, the word `all` first means every org (an org whose name starts with "all" is named further)."""
    words = (text or "").split()
    if every and words and words[0].lower() == "all":
        if not orgs:
            match_orgs(orgs, None)  # says none is connected
        return Target(list(orgs), *_extras(words[1:], entity, day, count), every=True)
    errors: list[tuple[tuple[float, int], CommandError]] = []  # what was wrong, ranked by how telling it is
    for k in range(len(words), -1, -1):
        try:
            chosen = match_orgs(orgs, " ".join(words[:k]) or None, many=many)
        except CommandError as err:  # telling when what follows reads well: the fewest words for the org
            readable = _extras(words[k:], entity, day, count, quiet=True) is not None
            errors.append(((1, -k) if readable else (0, k), err))
            continue
        try:
            return Target(chosen, *_extras(words[k:], entity, day, count))
        except CommandError as err:  # most telling: the org is named and a word after it is not understood;
            # with no org named, only a bad date is (`reset tomorrow`); a stray word is more likely a wrong name
            telling = k > 0 or isinstance(err, NotADate)
            errors.append(((2, k) if telling else (0.5, 0), err))
    raise max(errors, key=lambda pair: pair[0])[1]


class NotADate(CommandError):
    """A word meant as a date that is not one."""


def _extras(words: list[str], entity: bool, day: bool, count: bool, *, quiet: bool = False):
    """(entity, date, count) from the words after the org's name; CommandError naming a word that is none."""
    found: dict[str, object] = {}
    for word in words:
        kind, value = _what(word, entity, day, count)
        if kind is None or kind in found:
            if quiet:
                return None
            if kind is not None:
                raise CommandError(f"`{_shown(word)}` is a second {KINDS[kind]}: this command takes one.")
            raise _not_understood(word, entity, day, count)
        found[kind] = value
    return found.get("entity"), found.get("day"), found.get("count")


def _what(word: str, entity: bool, day: bool, count: bool) -> tuple[str | None, object]:
    if entity and (name := entity_named(word)):
        return "entity", name
    if day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return "day", date.fromisoformat(word)
        except ValueError:
            return None, None
    if count and word.isascii() and word.isdigit() and 0 < int(word) <= MAX_COUNT:
        return "count", int(word)
    return None, None


def entity_named(word: str) -> str | None:
    """The entity a word names: its name, any case, singular or plural (`invoice`, `Invoices`)."""
    wanted = word.lower().rstrip("s")
    return next((name for name in ENTITIES if name.lower().rstrip("s") == wanted), None)


def _not_understood(word: str, entity: bool, day: bool, count: bool) -> CommandError:
    shown = _shown(word)
    if day and (re.search(r"\d", word) or word.lower() in ("today", "tomorrow", "yesterday", "now")):
        return NotADate(f"`{shown}` is not a date I can read: write it as YYYY-MM-DD, e.g. 2024-07-01.")
    takes = [what for what, taken in (("an entity (e.g. Invoices)", entity), ("a date (YYYY-MM-DD)", day),
                                      (f"a number up to {MAX_COUNT}", count)) if taken]
    after = " or ".join(takes) if takes else "nothing"
    return CommandError(f"I don't understand `{shown}`: after the organisation this command takes {after}.")


def _shown(word: str) -> str:
    return word if len(word) <= 40 else word[:39] + "…"


KINDS = {"entity": "entity", "day": "date", "count": "number"}
MAX_COUNT = 50


# -- `/xero subscribe [org|all] [kinds]` -------------------------------------------------------------------------
ALERT_KINDS = ("failures", "auth", "syncs", "changes", "daily")  # in the order they are listed
DEFAULT_ALERTS = ("failures", "auth")  # `/xero subscribe` with no kind: what needs a person
_ALERT_WORDS = {"failures": ("failures",), "failure": ("failures",), "auth": ("auth",), "reauth": ("auth",),
                "syncs": ("syncs",), "sync": ("syncs",), "changes": ("changes",), "change": ("changes",),
                "daily": ("daily",), "digest": ("daily",), "everything": ALERT_KINDS}


def alert_kinds(word: str) -> tuple[str, ...] | None:
    """The kinds of alert a word names (`failures` or `failure`, `digest` for daily, `everything`), or None."""
    return _ALERT_WORDS.get(word.lower())


def read_subscription(orgs: Sequence[O], text: str | None) -> Target:
    """Read `[org|all] [kind ...]`: the org is the longest run of leading words that names one (`all` first: every
    org; nothing: every org too, with `named` False), and every word after it must be a kind of alert (several
    allowed; none gives no `alerts`, the caller picks the default). Words that are kinds are kinds unless they
    are an org's whole name. Nothing is guessed: an unknown org gets the
    candidates, and a word that is neither is named."""
    words = (text or "").split()
    if words and words[0].lower() == "all":
        return Target(list(orgs), every=True, alerts=_alerts(words[1:]))
    errors: list[tuple[tuple[int, int], CommandError]] = []
    for k in range(len(words), -1, -1):
        rest = words[k:]
        readable = all(alert_kinds(w) for w in rest)
        if k == 0:
            if readable:
                return Target(list(orgs), every=True, alerts=_alerts(rest), named=False)
            continue
        query = " ".join(words[:k])
        if all(alert_kinds(w) for w in words[:k]) and not _exactly(orgs, query):
            continue  # `daily` is the digest, not the start of "Daily Bread" (named whole, it is the org)
        try:
            chosen = match_orgs(orgs, query)
        except CommandError as err:  # telling when what follows reads well: the fewest words for the org
            if readable:
                errors.append(((1, -k), err))
            continue
        if readable:
            return Target(chosen, alerts=_alerts(rest))
        errors.append(((2, k), _not_an_alert(next(w for w in rest if not alert_kinds(w)), org=True)))
    if errors:
        raise max(errors, key=lambda pair: pair[0])[1]
    raise _not_an_alert(next(w for w in reversed(words) if not alert_kinds(w)), org=False)


def _exactly(orgs: Sequence[Named], query: str) -> bool:
    return any(query.lower() in (o.tenant_id.lower(), o.name.lower()) for o in orgs)


def _alerts(words: list[str]) -> tuple[str, ...]:
    named = set()
    for word in words:
        kinds = alert_kinds(word)
        if kinds is None:
            raise _not_an_alert(word, org=True)
        named.update(kinds)
    return tuple(k for k in ALERT_KINDS if k in named)


def _not_an_alert(word: str, *, org: bool) -> CommandError:
    where = "after the organisation (or `all`)" if org else "here"
    return CommandError(f"I don't understand `{_shown(word)}`: {where} I expect kinds of alert: "
                        f"{', '.join(ALERT_KINDS)} (or `everything`).")

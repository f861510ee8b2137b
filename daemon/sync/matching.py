"""Which org a user means: a tenant id or exact name, else a unique case-insensitive name prefix; with one org
connected the argument may be left out. Ambiguous or unknown names get the candidates, never a guess."""

from __future__ import annotations

from typing import Protocol, Sequence, TypeVar

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


def listing(orgs: Sequence[Named]) -> str:
    return ", ".join(f"{o.name} ({o.tenant_id})" for o in orgs)

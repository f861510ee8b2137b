"""The project's errors: one small tree.

Xero errors split the way an operator acts on them: `XeroAuthError` needs a person (re-authorize);
`XeroTransientError` is retried later. Library exceptions are translated at the boundary.
"""

from __future__ import annotations


class XeroSyncdError(Exception):
    """Root of every error this project raises on purpose."""


class SettingsError(XeroSyncdError):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable


class XeroError(XeroSyncdError):
    """Anything that went wrong talking to Xero."""


class XeroAuthError(XeroError):
    """Needs a person: the grant is expired or revoked, the tenant disconnected, or a scope is missing.

    `reason` is one of: invalid_grant, revoked, unauthorized, disconnected, missing_scope.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class XeroTransientError(XeroError):
    """Try later: 5xx, offline organisation, timeouts, dropped connections, unreadable bodies."""


class XeroMalformedAnswer(XeroError):
    """Xero answered 200 with a body that lacks what the spec promises (an entity's list): that entity fails with
    this reason, the others carry on. Not retried: the same question gets the same answer."""


class XeroCredentialsRefused(XeroError):
    """Xero's token endpoint refused the app's own credentials (invalid_client): a configuration problem for the
    operator (XERO_CLIENT_ID / XERO_CLIENT_SECRET), not a grant that needs re-authorization."""


class XeroRateLimited(XeroTransientError):
    """A 429. `problem` is Xero's X-Rate-Limit-Problem (minute, day, concurrent, appminute)."""

    def __init__(self, message: str, *, retry_after: float, problem: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.problem = problem


class XeroDailyLimitSpent(XeroRateLimited):
    """The organisation's 5,000 calls for the day are spent: pause it until `retry_after` passes."""


class OAuthFlowError(XeroSyncdError):
    """The consent flow could not complete: bad or expired state or link, denied consent, failed exchange."""


class CommandError(XeroSyncdError):
    """Bad input to an operation (unknown org, ambiguous name, bad date): shown to the user as is."""


class OrgGone(CommandError):
    """The organisation was deleted (here or by another process) while something was being done with it."""

    def __init__(self, tenant_id: str) -> None:
        super().__init__(f"The organisation {tenant_id} was deleted while it synced.")
        self.tenant_id = tenant_id



class ApiRefused(XeroSyncdError):
    """A records API request refused: `status` is its HTTP status (401 no or bad key, 429 too many requests, 400
    bad parameters, 404 unknown org or entity), `retry_after` (seconds) for 429."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

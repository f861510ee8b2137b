"""The authorize step: checking the request, the consent page, and where the browser is sent afterwards."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from yarl import URL

from .config import EmulatorConfig

_GRANULAR = ("invoices", "payments", "banktransactions", "manualjournals", "contacts", "settings",
             "transactions", "attachments")
KNOWN_SCOPES = frozenset(
    {"openid", "profile", "email", "offline_access", "accounting.budgets.read", "accounting.reports.read",
     "accounting.journals.read", "accounting.reports.tenninetynine.read", "paymentservices", "files", "assets",
     "projects", "payroll.employees", "payroll.payruns", "payroll.payslip", "payroll.timesheets",
     "payroll.settings"}
    | {f"accounting.{name}{suffix}" for name in _GRANULAR for suffix in ("", ".read")}
    | {f"{name}.read" for name in ("files", "assets", "projects", "payroll.employees", "payroll.payruns",
                                   "payroll.payslip", "payroll.timesheets", "payroll.settings")})


@dataclass
class AuthRequest:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str
    challenge: str
    nonce: str | None = None


class ConsentPageError(Exception):
    """The request cannot be trusted to redirect anywhere (unknown client, bad redirect_uri): a 400 page."""


class ConsentRedirect(Exception):
    """The request is answered by sending the browser back to the app with an error."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def back_to_app(redirect_uri: str, **params: str) -> str:
    return str(URL(redirect_uri).update_query({k: v for k, v in params.items() if v is not None}))


def parse_authorize(params: Mapping[str, str], config: EmulatorConfig) -> AuthRequest:
    if params.get("client_id") != config.client_id:
        raise ConsentPageError("Invalid client_id: this app is not known to Xero (emulator).")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")) or (
            config.redirect_uris is not None and redirect_uri not in config.redirect_uris):
        raise ConsentPageError("Invalid redirect_uri: it is not registered for this app.")
    state = params.get("state")

    def refuse(error: str) -> ConsentRedirect:
        return ConsentRedirect(back_to_app(redirect_uri, error=error, state=state))

    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type")
    scopes = params.get("scope", "").split()
    if not scopes or any(scope not in KNOWN_SCOPES for scope in scopes):
        raise refuse("invalid_scope")
    if not state or not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
        raise refuse("invalid_request")
    return AuthRequest(config.client_id, redirect_uri, scopes, state, params["code_challenge"],
                       params.get("nonce"))


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")


def error_page(message: str) -> str:
    return _page("Sorry, something went wrong", f"<p id='error'>{html.escape(message)}</p>")


def consent_page(request_id: str, request: AuthRequest, tenants: Iterable[tuple[str, str]]) -> str:
    boxes = "".join(
        f"<p><label><input type='checkbox' name='tenant' value='{html.escape(tid)}' checked> "
        f"{html.escape(name)}</label></p>" for tid, name in tenants)
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in request.scopes)
    form = (f"<form method='post' action='/identity/connect/authorize'>"
            f"<input type='hidden' name='request_id' value='{html.escape(request_id)}'>"
            f"<p>The app <b>{html.escape(request.client_id)}</b> wants access to:</p><ul>{scopes}</ul>"
            f"<p>Organisations to connect:</p>{boxes}"
            "<button type='submit' name='action' value='allow'>Allow access</button> "
            "<button type='submit' name='action' value='deny'>Cancel</button></form>")
    return _page("Xero (emulator): allow access?", form)

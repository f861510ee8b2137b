"""Xero's identity service: the authorize URL, code exchange, refresh, revocation and /connections.

authlib builds the authorize URL and the PKCE challenge; requests go through the daemon's one aiohttp session,
so every call has a timeout and nothing here assumes Xero's real hosts.
"""

from __future__ import annotations

import base64
import json

import aiohttp
import structlog
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from clock import Clock
from daemon.core.errors import XeroAuthError, XeroCredentialsRefused, XeroError, XeroTransientError
from daemon.core.net import outbound
from daemon.core.settings import Settings
from storage.grants import TokenSet

log = structlog.get_logger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=30)


class XeroIdentity:
    def __init__(self, settings: Settings, http: aiohttp.ClientSession, clock: Clock) -> None:
        self._settings = settings
        self._http = http
        self._clock = clock

    def authorize_url(self, state: str, code_verifier: str) -> str:
        s = self._settings
        return prepare_grant_uri(
            s.xero_authorize_url, s.xero_client_id, "code", redirect_uri=s.redirect_uri, scope=" ".join(s.xero_scopes),
            state=state, code_challenge=create_s256_code_challenge(code_verifier), code_challenge_method="S256",
        )

    async def exchange_code(self, code: str, code_verifier: str) -> TokenSet:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self._settings.redirect_uri,
                "code_verifier": code_verifier}
        return await self._token_request(form)

    async def refresh(self, refresh_token: str) -> TokenSet:
        return await self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def revoke(self, refresh_token: str) -> None:
        form = {"token": refresh_token, "token_type_hint": "refresh_token"}
        status, _ = await self._post(self._settings.xero_revoke_url, form)
        if status >= 400:
            raise XeroError(f"Xero refused to revoke the grant (HTTP {status})")

    async def connections(self, access_token: str, auth_event_id: str | None = None) -> list[dict]:
        params = {"authEventId": auth_event_id} if auth_event_id else {}
        body = await self._bearer("GET", self._settings.xero_connections_url, access_token, params=params)
        return json.loads(body) if body else []

    async def delete_connection(self, access_token: str, connection_id: str) -> None:
        url = self._settings.xero_connections_url.rstrip("/") + f"/{connection_id}"
        await self._bearer("DELETE", url, access_token, allow_404=True)

    async def _token_request(self, form: dict) -> TokenSet:
        status, body = await self._post(self._settings.xero_token_url, form)
        try:
            payload = json.loads(body)
        except ValueError:
            raise XeroTransientError(f"Xero's token endpoint answered HTTP {status} with an unreadable body") from None
        error = payload.get("error") if isinstance(payload, dict) else None
        if error in ("invalid_client", "unauthorized_client"):
            raise XeroCredentialsRefused(f"Xero refused the app's credentials ({error}): check XERO_CLIENT_ID and"
                                         " XERO_CLIENT_SECRET")
        if status == 400 and error == "invalid_grant":
            raise XeroAuthError("Xero refused the grant (invalid_grant): it expired or was revoked", reason="invalid_grant")
        if status in (400, 401):
            raise XeroAuthError(f"Xero's token endpoint refused: {error or status}", reason="unauthorized")
        if status >= 300 or not isinstance(payload, dict) or "access_token" not in payload:
            raise XeroTransientError(f"Xero's token endpoint answered HTTP {status}")
        try:
            return TokenSet(
                access_token=str(payload["access_token"]),
                refresh_token=str(payload.get("refresh_token") or form.get("refresh_token", "")),
                expires_at=self._clock.time() + float(payload.get("expires_in", 1800)), scope=str(payload.get("scope", "")),
            )
        except (TypeError, ValueError):
            raise XeroTransientError("Xero's token endpoint answered with an unreadable token") from None

    async def _post(self, url: str, form: dict) -> tuple[int, str]:
        s = self._settings
        auth = aiohttp.encode_basic_auth(s.xero_client_id or "", s.xero_client_secret or "")
        with outbound("could not reach Xero's identity service"):
            async with self._http.post(url, data=form, headers={"Authorization": auth}, timeout=TIMEOUT) as resp:
                return resp.status, await resp.text()

    async def _bearer(self, method: str, url: str, token: str, *, params=None, allow_404: bool = False) -> str:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        with outbound("could not reach Xero's connections API"):
            async with self._http.request(method, url, headers=headers, params=params, timeout=TIMEOUT) as resp:
                body = await resp.text()
                status = resp.status
        if status == 401:
            raise XeroAuthError("Xero refused the access token for /connections", reason="unauthorized")
        if status == 404 and allow_404:
            return ""
        if status >= 300:
            raise XeroTransientError(f"Xero's connections API answered HTTP {status}")
        return body


def token_claims(access_token: str) -> dict:
    """The claims of Xero's JWT access token (read, not verified: it came straight from the token endpoint)."""
    try:
        payload = access_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}

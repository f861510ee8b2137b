"""Xero's identity rules: authorization codes, grants, rotating refresh tokens, access tokens, connections."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

from . import jwt
from .dates import expiry_text

CODE_TTL = 300.0
ACCESS_TTL = 1800
ID_TTL = 300
GRACE = 1800.0
REFRESH_TTL = 60 * 86400.0
ISSUER = "https://identity.xero.com"


class OAuthError(Exception):
    """An OAuth error answer: `{"error": error}` with an HTTP status."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.status = error, status


class TokenRejected(Exception):
    """An access token the API refuses; `detail` is the Detail of Xero's 401 body."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class User:
    user_id: str
    sub: str
    email: str = "demo.user@example.com"
    given_name: str = "Demo"
    family_name: str = "User"


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: list[str]
    auth_event_id: str
    nonce: str | None
    issued: float
    used: bool = False


@dataclass
class Grant:
    auth_event_id: str
    client_id: str
    scopes: list[str]
    session_id: str
    auth_time: float
    nonce: str | None = None
    refresh_token: str | None = None
    refresh_issued: float = 0.0
    previous: dict[str, float] = field(default_factory=dict)  # rotated-out refresh token -> when
    live: set[str] = field(default_factory=set)                # jti of access tokens not force-expired
    killed: dict[str, float] = field(default_factory=dict)     # jti -> when it was force-expired
    revoked: bool = False

    def expire_access(self, now: float) -> None:
        self.killed.update({jti: now for jti in self.live})
        self.live.clear()


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class GrantBook:
    """Every code and grant the emulator issued, for the one emulated user."""

    def __init__(self, user: User, secret: bytes) -> None:
        self.user, self.secret = user, secret
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}         # auth_event_id -> grant
        self.by_refresh: dict[str, Grant] = {}     # any refresh token ever issued -> its grant

    def issue_code(self, code: AuthCode) -> str:
        value = secrets.token_urlsafe(32)
        self.codes[value] = code
        return value

    def exchange(self, value: str, client_id: str, redirect_uri: str, verifier: str, now: float) -> dict:
        code = self.codes.get(value)
        if code is None or code.used or code.client_id != client_id or now - code.issued > CODE_TTL:
            raise OAuthError("invalid_grant")
        code.used = True
        if redirect_uri != code.redirect_uri or not verifier or pkce_challenge(verifier) != code.challenge:
            raise OAuthError("invalid_grant")
        grant = Grant(code.auth_event_id, client_id, code.scopes, secrets.token_hex(16), code.issued, code.nonce)
        self.grants[grant.auth_event_id] = grant
        if "offline_access" in code.scopes:
            self._new_refresh(grant, now)
        return self.token_response(grant, now)

    def refresh(self, token: str, client_id: str, now: float) -> dict:
        """Rotate the refresh token; a rotated-out token still answers within the grace period.

        Within the grace period the previous token returns a fresh access token together with the grant's
        *current* refresh token (the one already handed out), so a client that lost the first answer recovers.
        """
        grant = self.by_refresh.get(token)
        if grant is None or grant.revoked or grant.client_id != client_id:
            raise OAuthError("invalid_grant")
        if token == grant.refresh_token:
            if now - grant.refresh_issued > REFRESH_TTL:
                raise OAuthError("invalid_grant")
            grant.previous[token] = now
            self._new_refresh(grant, now)
        elif now - grant.previous[token] > GRACE:
            raise OAuthError("invalid_grant")
        return self.token_response(grant, now)

    def _new_refresh(self, grant: Grant, now: float) -> None:
        grant.refresh_token = secrets.token_hex(32)
        grant.refresh_issued = now
        self.by_refresh[grant.refresh_token] = grant

    def token_response(self, grant: Grant, now: float) -> dict:
        answer = {"access_token": self._access_token(grant, now), "expires_in": ACCESS_TTL, "token_type": "Bearer",
                  "scope": " ".join(grant.scopes)}
        if grant.refresh_token:
            answer["refresh_token"] = grant.refresh_token
        if "openid" in grant.scopes:
            answer["id_token"] = self._id_token(grant, now)
        return answer

    def _common(self, grant: Grant, now: float, ttl: int) -> dict:
        return {"nbf": int(now), "exp": int(now) + ttl, "iss": ISSUER, "iat": int(now),
                "auth_time": int(grant.auth_time), "sub": self.user.sub, "xero_userid": self.user.user_id,
                "global_session_id": grant.session_id, "amr": ["pwd"], "idp": "Xero"}

    def _access_token(self, grant: Grant, now: float) -> str:
        jti = secrets.token_hex(16)
        grant.live.add(jti)
        claims = {**self._common(grant, now, ACCESS_TTL), "aud": f"{ISSUER}/resources",
                  "client_id": grant.client_id, "jti": jti, "authentication_event_id": grant.auth_event_id,
                  "scope": list(grant.scopes)}
        return jwt.encode(claims, self.secret)

    def _id_token(self, grant: Grant, now: float) -> str:
        u = self.user
        claims = {**self._common(grant, now, ID_TTL), "aud": grant.client_id, "sid": grant.session_id,
                  "preferred_username": u.email, "email": u.email, "given_name": u.given_name,
                  "family_name": u.family_name, "name": f"{u.given_name} {u.family_name}"}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return jwt.encode(claims, self.secret)

    def verify(self, token: str, now: float) -> tuple[Grant, dict]:
        """The grant behind a live access token; TokenRejected otherwise."""
        try:
            claims = jwt.decode(token, self.secret)
        except jwt.JWTError:
            raise TokenRejected("AuthenticationUnsuccessful") from None
        grant = self.grants.get(str(claims.get("authentication_event_id")))
        if grant is None or grant.revoked:
            raise TokenRejected("AuthenticationUnsuccessful")
        expired_at = grant.killed.get(str(claims.get("jti")), claims.get("exp", 0))
        if now >= expired_at:
            raise TokenRejected(f"TokenExpired: token expired at {expiry_text(expired_at)}")
        return grant, claims

    def find(self, refresh_token: str | None) -> list[Grant]:
        """The grant a refresh token (current or rotated-out) belongs to; every grant when None."""
        if refresh_token is None:
            return list(self.grants.values())
        grant = self.by_refresh.get(refresh_token)
        if grant is None:
            raise KeyError("unknown refresh token")
        return [grant]

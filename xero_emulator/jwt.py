"""Minimal HS256 JSON Web Tokens (the emulator signs its access and id tokens with its own secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json


class JWTError(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict, secret: bytes, kid: str = "emulator") -> str:
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    signing = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{_b64(signature)}"


def decode(token: str, secret: bytes) -> dict:
    """The claims of a token signed with `secret`; JWTError when malformed or forged (expiry not checked)."""
    try:
        head, body, signature = token.split(".")
        expected = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise JWTError("bad signature")
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError) as err:
        raise JWTError(str(err)) from err
    if not isinstance(claims, dict):
        raise JWTError("claims are not an object")
    return claims

"""Secrets at rest and signed links, both with `cryptography`'s Fernet.

Fernet gives authenticated encryption with a timestamp, so the same tool encrypts tokens in the store and makes
expiring links whose payload nobody can read or forge. `MultiFernet` lets an operator rotate `SECRET_KEY`: the
first key encrypts, every key decrypts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from daemon.core.errors import OAuthFlowError
from storage.files import private_folder

KEY_FILE = "secret.key"


def _fernet_key(secret: str) -> bytes:
    """Accept a Fernet key as is; derive one from any other string."""
    try:
        if len(base64.urlsafe_b64decode(secret.encode())) == 32:
            return secret.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def load_or_create_key(data_dir: Path) -> str:
    """The key generated once into the data folder (mode 0600) when SECRET_KEY is unset."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    private_folder(data_dir)
    key = Fernet.generate_key().decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


class Secrets:
    def __init__(self, keys: tuple[str, ...] | list[str]) -> None:
        if not keys:
            raise ValueError("at least one secret key is needed")
        self._fernet = MultiFernet([Fernet(_fernet_key(key)) for key in keys])
        # MACs (the records API's cursors) use a key of their own derived from each secret key: made with the
        # first, checked against all, so a rotation keeps what was handed out valid
        self._mac_keys = [hashlib.sha256(b"xero-syncd mac\0" + key.encode()).digest() for key in keys]

    def mac(self, message: str) -> str:
        """A short tag (hex) vouching that this daemon made `message`."""
        return hmac.new(self._mac_keys[0], message.encode(), hashlib.sha256).hexdigest()[:32]

    def check_mac(self, message: str, tag: str) -> bool:
        return any(hmac.compare_digest(hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32], tag)
                   for key in self._mac_keys)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        return self._fernet.decrypt(ciphertext.encode()).decode()

    def sign_link(self, payload: dict, *, now: float) -> str:
        """An opaque token carrying `payload`, stamped with `now` (the injected clock's epoch seconds)."""
        data = json.dumps(payload, separators=(",", ":")).encode()
        return self._fernet.encrypt_at_time(data, int(now)).decode()

    def open_link(self, token: str, *, ttl: int, now: float) -> dict:
        """The payload of a link made by `sign_link`; OAuthFlowError when tampered with or older than `ttl`."""
        try:
            data = self._fernet.decrypt_at_time(token.encode(), ttl, int(now))
        except (InvalidToken, TypeError, ValueError):
            raise OAuthFlowError("This link is invalid or has expired.") from None
        return json.loads(data)

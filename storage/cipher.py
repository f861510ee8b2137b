"""What the store needs to keep secrets (tokens, PKCE verifiers) at rest: something that encrypts and decrypts text.
The daemon hands in its `Secrets` (Fernet); the store knows nothing else about keys."""

from __future__ import annotations

from typing import Protocol


class Cipher(Protocol):
    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...

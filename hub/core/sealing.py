"""Secrets the hub must read back (TOTP seeds, webhook signing keys), sealed at rest with AES-GCM under a key
derived from the hub's own Ed25519 key (HKDF-SHA256, one derived key per purpose): a copy of the database
alone gives none of them away. Back the hub key up with the database (docs/backups.md)."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12


class SealError(ValueError):
    """A sealed value that this hub key cannot open (another hub's, or damaged)."""


def purpose_key(hub_key: Ed25519PrivateKey, purpose: str) -> bytes:
    raw = hub_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    info = f"wastetrace {purpose} secrets".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)


def seal(key: bytes, plaintext: str, purpose: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), purpose.encode())


def unseal(key: bytes, sealed: bytes, purpose: str) -> str:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], purpose.encode()).decode("utf-8")
    except InvalidTag as exc:
        raise SealError(f"a sealed {purpose} secret does not open with this hub's key") from exc

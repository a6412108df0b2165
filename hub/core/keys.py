"""The hub's Ed25519 signing key: loaded from its PEM file, created on first start if missing."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocols.ledger import SignatureError, generate_private_key, load_private_key, private_key_pem

log = logging.getLogger(__name__)


class HubKeyError(RuntimeError):
    """The hub key file exists but cannot be used."""


def load_or_create_hub_key(path: Path) -> Ed25519PrivateKey:
    """Load the key at `path`, or create it (mode 0600) if there is none.

    The new key is written to a temporary file, fsynced, then linked into place. A link, unlike a rename,
    never replaces a file: if two hub workers start together, one key wins and both load that one, so no
    worker signs receipts with a key that was overwritten on disk.
    """
    path = Path(path)
    if not path.exists():
        try:
            _create(path)
        except OSError as exc:
            raise HubKeyError(f"cannot create the hub key file {path}: {exc}") from exc
    try:
        return load_private_key(path.read_bytes())
    except (OSError, SignatureError) as exc:
        raise HubKeyError(f"cannot use the hub key file {path}: {exc}") from exc


def _create(path: Path) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(private_key_pem(generate_private_key()))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        _fsync_dir(directory)
        log.info("created a new hub key at %s", path)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

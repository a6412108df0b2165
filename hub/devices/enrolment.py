"""Enrolment: the admin issues a one-time token for an enterprise; a device spends it to register its key.

Only the token's SHA-256 is stored, so a copy of the database does not hand out working tokens.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.errors import HubError
from hub.devices.tables import Device, EnrolmentToken
from hub.registry.tables import Enterprise
from protocols.codes.uscc import validate_uscc
from protocols.ledger import GENESIS_HASH, SignatureError, load_public_key, public_key_b64

log = logging.getLogger(__name__)


class EnrolmentRefused(HubError):
    """An enrolment request the hub refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status=status)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_ms: int


@dataclass(frozen=True, slots=True)
class EnrolledDevice:
    device_id: str
    enterprise_uscc: str
    enterprise_name: str


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    write: sessionmaker[Session], *, uscc: str, name: str, device_id: str | None, ttl_s: int, now_ms: int
) -> IssuedToken:
    """Create the enterprise if it is new and a token for it (optionally bound to one device_id)."""
    check = validate_uscc(uscc)
    if not check.well_formed:
        raise EnrolmentRefused(
            422, "enterprise_uscc is not a well-formed 统一社会信用代码: " + "; ".join(check.problems)
        )
    if not check.check_ok:
        # Issued codes exist that fail the check character; warn, do not lock the enterprise out.
        log.warning("enterprise %s: %s", uscc, "; ".join(check.problems))
    token = secrets.token_urlsafe(32)
    expires_ms = now_ms + ttl_s * 1000
    with write() as session, session.begin():
        enterprise = _enterprise(session, uscc, name, now_ms)
        session.add(
            EnrolmentToken(
                token_sha256=token_sha256(token),
                enterprise_id=enterprise.id,
                device_id=device_id,
                created_ms=now_ms,
                expires_ms=expires_ms,
            )
        )
    log.info("issued an enrolment token for %s (device %s), expires %d", uscc, device_id or "any", expires_ms)
    return IssuedToken(token, expires_ms)


def _enterprise(session: Session, uscc: str, name: str, now_ms: int) -> Enterprise:
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if enterprise is not None:
        if enterprise.name != name:
            log.warning(
                "enterprise %s is registered as %r; keeping that name, not %r", uscc, enterprise.name, name
            )
        return enterprise
    try:
        with session.begin_nested():
            enterprise = Enterprise(uscc=uscc, name=name, created_ms=now_ms)
            session.add(enterprise)
    except IntegrityError:
        # Another worker created it a moment ago.
        enterprise = session.scalars(select(Enterprise).where(Enterprise.uscc == uscc)).one()
    return enterprise


def enrol_device(
    write: sessionmaker[Session], *, token: str, device_id: str, public_key: str, now_ms: int
) -> EnrolledDevice:
    """Spend `token` to register `device_id` with `public_key` (base64 raw Ed25519)."""
    try:
        key_b64 = public_key_b64(load_public_key(public_key))
    except SignatureError as exc:
        raise EnrolmentRefused(400, f"public_key is not a base64 raw Ed25519 public key: {exc}") from exc
    try:
        with write() as session, session.begin():
            row = session.scalar(
                select(EnrolmentToken)
                .where(EnrolmentToken.token_sha256 == token_sha256(token))
                .with_for_update()
            )
            row = _usable_token(row, device_id, now_ms)
            enterprise = session.get_one(Enterprise, row.enterprise_id)
            _register(session, device_id, key_b64, enterprise, now_ms)
            row.used_ms, row.used_by = now_ms, device_id
    except IntegrityError as exc:
        raise EnrolmentRefused(409, f"device {device_id!r} was enrolled by another request just now") from exc
    log.info("enrolled device %s for %s", device_id, enterprise.uscc)
    return EnrolledDevice(device_id, enterprise.uscc, enterprise.name)


def _usable_token(row: EnrolmentToken | None, device_id: str, now_ms: int) -> EnrolmentToken:
    if row is None:
        raise EnrolmentRefused(401, "unknown enrolment token")
    if row.used_ms is not None:
        raise EnrolmentRefused(401, "this enrolment token was already used; ask for a new one")
    if now_ms >= row.expires_ms:
        raise EnrolmentRefused(401, "this enrolment token has expired; ask for a new one")
    if row.device_id is not None and row.device_id != device_id:
        raise EnrolmentRefused(
            401, f"this enrolment token was issued for device {row.device_id!r}, not {device_id!r}"
        )
    return row


def _register(session: Session, device_id: str, key_b64: str, enterprise: Enterprise, now_ms: int) -> None:
    device = session.get(Device, device_id)
    if device is None:
        session.add(
            Device(
                device_id=device_id,
                enterprise_id=enterprise.id,
                public_key=key_b64,
                enrolled_ms=now_ms,
                last_seq=0,
                last_hash=GENESIS_HASH,
                last_seen_ms=None,
            )
        )
        session.flush()
        return
    if device.public_key != key_b64:
        raise EnrolmentRefused(409, f"device {device_id!r} is already enrolled with a different key")
    if device.enterprise_id != enterprise.id:
        raise EnrolmentRefused(409, f"device {device_id!r} is already enrolled for another enterprise")
    # The same device and key again (a re-flashed box restoring its key): nothing to change.

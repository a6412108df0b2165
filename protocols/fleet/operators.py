"""The people who work at a box: operators and supervisors, delivered in the hub's signed settings.

    "operators": [
      {"name": "张三", "role": "operator", "badge": "E1024", "pin_hash": "scrypt$4096$8$1$<salt>$<digest>"},
      {"name": "李主管", "role": "supervisor", "pin_hash": "scrypt$…"}
    ]

A PIN travels and rests only as a salted scrypt hash (`hash_pin`); a settings object with a PIN in clear
(`pin`) is refused, so a careless hub or script cannot put one on the wire. A badge is the text the box's
QR/barcode scanner types when the badge is scanned. Pure functions: the caller brings the salt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Final

ROLES: Final = ("operator", "supervisor")
MAX_OPERATORS: Final = 500
_PIN: Final = re.compile(r"^\d{4,8}$")
_BADGE: Final = re.compile(r"^[\x21-\x7e]{4,64}$")
_HASH: Final = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]{16,64})\$([A-Za-z0-9+/=]{40,100})$")
# Small enough that a Pi tries every operator's hash for one PIN in well under a second (a PIN names
# nobody), large enough that the hashes are no lookup table; the lockout at the box does the rest.
_N, _R, _P = 4096, 8, 1
_KEYS: Final = {"name", "role", "badge", "pin_hash"}


class OperatorError(ValueError):
    """An operators list that cannot be used; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    role: str = "operator"
    badge: str = ""
    pin_hash: str = ""

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"

    def pin_matches(self, pin: str) -> bool:
        return bool(self.pin_hash) and verify_pin(pin, self.pin_hash)

    def as_settings(self) -> dict[str, str]:
        out = {"name": self.name, "role": self.role}
        if self.badge:
            out["badge"] = self.badge
        if self.pin_hash:
            out["pin_hash"] = self.pin_hash
        return out


def valid_pin(pin: object) -> bool:
    return isinstance(pin, str) and bool(_PIN.match(pin))


def hash_pin(pin: str, salt: bytes) -> str:
    """A salted scrypt hash of a 4 to 8 digit PIN; `salt` is 16 random bytes from the caller."""
    if not valid_pin(pin):
        raise OperatorError("a PIN is 4 to 8 digits")
    if len(salt) < 12:
        raise OperatorError("the salt must be at least 12 random bytes")
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of `pin` against a `hash_pin` result; False for anything malformed."""
    match = _HASH.match(stored)
    if not match or not isinstance(pin, str):
        return False
    n, r, p = (int(x) for x in match.group(1, 2, 3))
    if (n, r, p) != (_N, _R, _P):
        return False  # a cost we did not set: refuse rather than let a settings file pick the work
    salt, expected = base64.b64decode(match.group(4)), base64.b64decode(match.group(5))
    got = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    return hmac.compare_digest(got, expected)


def check_operators(value: Any) -> list[dict[str, str]]:
    """The `operators` setting, checked: names and badges unique, a PIN hash or a badge each, no PIN in
    clear. Returns the entries as plain dicts (the canonical form that is signed)."""
    if not isinstance(value, list) or len(value) > MAX_OPERATORS:
        raise OperatorError(f"operators must be a list of at most {MAX_OPERATORS} entries")
    names: set[str] = set()
    badges: set[str] = set()
    out = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise OperatorError(f"operators[{i}] must be an object")
        if "pin" in entry:
            raise OperatorError(f"operators[{i}]: a PIN is never sent in clear; send pin_hash (hash_pin)")
        unknown = set(entry) - _KEYS
        if unknown:
            raise OperatorError(
                f"operators[{i}] has unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}"
            )
        name, role = entry.get("name"), entry.get("role", "operator")
        badge, pin_hash = entry.get("badge", ""), entry.get("pin_hash", "")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 40 or name != name.strip():
            raise OperatorError(f"operators[{i}].name must be 1 to 40 characters without outer spaces")
        if role not in ROLES:
            raise OperatorError(f"operators[{i}].role must be one of {list(ROLES)}")
        if not isinstance(badge, str) or (badge and not _BADGE.match(badge)):
            raise OperatorError(f"operators[{i}].badge must be 4 to 64 printable ASCII characters")
        if not isinstance(pin_hash, str) or (pin_hash and not _HASH.match(pin_hash)):
            raise OperatorError(f"operators[{i}].pin_hash must be a hash_pin result (scrypt$…)")
        if not badge and not pin_hash:
            raise OperatorError(f"operators[{i}] needs a pin_hash or a badge to sign in with")
        if role == "supervisor" and not pin_hash:
            raise OperatorError(f"operators[{i}]: a supervisor approves with a PIN; pin_hash is required")
        if name in names:
            raise OperatorError(f"operator {name!r} is listed twice")
        key = badge.casefold()
        if badge and key in badges:
            raise OperatorError(f"badge {badge!r} is given to two operators")
        names.add(name)
        if badge:
            badges.add(key)
        out.append(Operator(name, role, badge, pin_hash).as_settings())
    return out


def operators_from_settings(entries: list[dict[str, str]]) -> tuple[Operator, ...]:
    return tuple(Operator(**entry) for entry in check_operators(entries))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

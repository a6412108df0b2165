"""Password hashing with the standard library's scrypt (RFC 7914): no dependency, memory-hard.

Stored form: `scrypt$N$r$p$salt$hash` (salt and hash base64), so the cost can be raised later and old hashes
still verify. N=2**15, r=8, p=1 takes about 32 MiB and tens of milliseconds per check on a small server: cheap
for a login, expensive for someone trying a stolen table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from pathlib import Path

from hub.core.errors import Invalid

N, R, P = 2**15, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 10
_COMMON: set[str] = set()
# Digits and symbols around a stem (`!!qwerty123`), and the letter-for-digit swaps people make.
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "3": "e", "$": "s", "5": "s", "7": "t"})


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=_DKLEN, maxmem=_MAXMEM)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=_MAXMEM,
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def common_passwords() -> frozenset[str]:
    """The list shipped beside this module (common_passwords.csv), lowercase."""
    if not _COMMON:
        lines = (Path(__file__).resolve().parent / "common_passwords.csv").read_text(encoding="utf-8")
        _COMMON.update(w.strip() for w in lines.splitlines() if w.strip() and not w.startswith("#"))
    return frozenset(_COMMON)


def is_common(password: str) -> bool:
    """One of the common passwords, or one of them dressed up: `P@ssw0rd2024!`, `!!qwerty123`, `Admin@123`."""
    common = common_passwords()
    lowered = password.lower()
    if lowered in common:
        return True
    stem = _EDGES.sub("", lowered)
    plain = _EDGES.sub("", lowered.translate(_LEET))
    return not stem or stem in common or plain in common or len(set(stem)) <= 2


def check_password_policy(password: str, username: str) -> None:
    """At least 10 characters, two kinds of character, not the user name, not a common password (等保:
    口令复杂度)."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"密码至少{MIN_LENGTH}位 (a password needs at least {MIN_LENGTH} characters)")
    kinds = sum(
        (
            any(c.isdigit() for c in password),
            any(c.isalpha() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2:
        raise Invalid("密码须包含字母、数字、符号中的至少两类 (use at least two of letters, digits, symbols)")
    if username.lower() in password.lower():
        raise Invalid("密码不能包含用户名 (the password must not contain the user name)")
    if is_common(password):
        raise Invalid("密码过于常见，容易被猜中 (a common password, easily guessed: choose another)")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

"""Password hashing with the standard library's scrypt (RFC 7914): no dependency, memory-hard.

Stored form: `scrypt$N$r$p$salt$hash` (salt and hash base64), so the cost can be raised later and old hashes
still verify. N=2**15, r=8, p=1 takes about 32 MiB and tens of milliseconds per check on a small server: cheap
for a login, expensive for someone trying a stolen table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from hub.core.errors import Invalid

N, R, P = 2**15, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 10


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


def check_password_policy(password: str, username: str) -> None:
    """At least 10 characters, two kinds of character, not the user name (等保: 口令复杂度)."""
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


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

"""HTTP/SIP Digest authentication (RFC 2617, RFC 7616 for SHA-256), as GB/T 28181 REGISTER uses it.

The same arithmetic protects a camera's snapshot URL over HTTP, so the ONVIF simulator uses it too.
response = H(HA1:nonce[:nc:cnonce:qop]:HA2), HA1 = H(user:realm:password), HA2 = H(method:uri).
Nonces and cnonces are passed in: nothing here draws random numbers or reads a clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final

ALGORITHMS: Final = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')


class DigestError(ValueError):
    """A challenge or an Authorization header that cannot be read, or asks for what we do not do."""


def _h(algorithm: str, text: str) -> str:
    try:
        return ALGORITHMS[algorithm.upper()](text.encode("utf-8")).hexdigest()
    except KeyError as exc:
        raise DigestError(f"unsupported digest algorithm {algorithm!r}") from exc


def digest_response(
    *,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
    algorithm: str = "MD5",
) -> str:
    ha1 = _h(algorithm, f"{username}:{realm}:{password}")
    ha2 = _h(algorithm, f"{method}:{uri}")
    if qop:
        if not nc or not cnonce:
            raise DigestError("qop needs nc and cnonce")
        return _h(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _h(algorithm, f"{ha1}:{nonce}:{ha2}")


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """`Digest realm="x", nonce="y"` → ("Digest", {"realm": "x", "nonce": "y"})."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        m = _PARAM.match(rest, pos)
        if not m or m.end() == pos:
            raise DigestError(f"cannot read the parameters of {value[:80]!r}")
        raw = m.group(2)
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[m.group(1).lower()] = raw
        pos = m.end()
    return scheme, params


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class DigestChallenge:
    """What `WWW-Authenticate: Digest …` says (the platform's side of a 401)."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: str | None = None
    opaque: str | None = None
    stale: bool = False

    def header_value(self) -> str:
        parts = [f"realm={_quote(self.realm)}", f"nonce={_quote(self.nonce)}"]
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.stale:
            parts.append("stale=TRUE")
        parts.append(f"algorithm={self.algorithm}")
        if self.qop:
            parts.append(f"qop={_quote(self.qop)}")
        return "Digest " + ", ".join(parts)

    @classmethod
    def parse(cls, value: str) -> DigestChallenge:
        scheme, p = parse_params(value)
        if scheme.lower() != "digest":
            raise DigestError(f"not a Digest challenge: {scheme!r}")
        if "realm" not in p or "nonce" not in p:
            raise DigestError("a Digest challenge needs realm and nonce")
        qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
        if qops and "auth" not in qops:
            raise DigestError(f"only qop=auth is supported, the challenge offers {qops}")
        return cls(
            realm=p["realm"],
            nonce=p["nonce"],
            algorithm=p.get("algorithm", "MD5").upper(),
            qop="auth" if qops else None,
            opaque=p.get("opaque"),
            stale=p.get("stale", "").lower() == "true",
        )

    def answer(
        self, *, username: str, password: str, method: str, uri: str, cnonce: str, nc: int = 1
    ) -> DigestCredentials:
        nc_text = f"{nc:08x}" if self.qop else None
        return DigestCredentials(
            username=username,
            realm=self.realm,
            nonce=self.nonce,
            uri=uri,
            response=digest_response(
                username=username,
                realm=self.realm,
                password=password,
                method=method,
                uri=uri,
                nonce=self.nonce,
                qop=self.qop,
                nc=nc_text,
                cnonce=cnonce if self.qop else None,
                algorithm=self.algorithm,
            ),
            algorithm=self.algorithm,
            qop=self.qop,
            nc=nc_text,
            cnonce=cnonce if self.qop else None,
            opaque=self.opaque,
        )


@dataclass(frozen=True, slots=True)
class DigestCredentials:
    """What `Authorization: Digest …` says (the device's answer to a challenge)."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    opaque: str | None = None

    def header_value(self) -> str:
        parts = [
            f"username={_quote(self.username)}",
            f"realm={_quote(self.realm)}",
            f"nonce={_quote(self.nonce)}",
            f"uri={_quote(self.uri)}",
            f"response={_quote(self.response)}",
            f"algorithm={self.algorithm}",
        ]
        if self.qop:
            parts += [f"qop={self.qop}", f"nc={self.nc}", f"cnonce={_quote(self.cnonce or '')}"]
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        return "Digest " + ", ".join(parts)

    @classmethod
    def parse(cls, value: str) -> DigestCredentials:
        scheme, p = parse_params(value)
        if scheme.lower() != "digest":
            raise DigestError(f"not Digest credentials: {scheme!r}")
        missing = [k for k in ("username", "realm", "nonce", "uri", "response") if k not in p]
        if missing:
            raise DigestError(f"Digest credentials lack {missing}")
        return cls(
            username=p["username"],
            realm=p["realm"],
            nonce=p["nonce"],
            uri=p["uri"],
            response=p["response"].lower(),
            algorithm=p.get("algorithm", "MD5").upper(),
            qop=p.get("qop") or None,
            nc=p.get("nc"),
            cnonce=p.get("cnonce"),
            opaque=p.get("opaque"),
        )

    def verify(self, password: str, method: str) -> bool:
        """True when the response matches this password; compared in constant time."""
        try:
            expected = digest_response(
                username=self.username,
                realm=self.realm,
                password=password,
                method=method,
                uri=self.uri,
                nonce=self.nonce,
                qop=self.qop,
                nc=self.nc,
                cnonce=self.cnonce,
                algorithm=self.algorithm,
            )
        except DigestError:
            return False
        return hmac.compare_digest(expected, self.response)

"""The platform's side of REGISTER (GB/T 28181 §9.1): challenge, check the digest, keep the registration.

Sans-I/O: `Registrar.handle(request, now_ms)` returns the response to send and, when the registration
changed, an event (`Registered`, `Unregistered`, `AuthFailed`). Nonces come from a factory passed in (the
caller draws them from `secrets`), and are accepted only while fresh and only for the device they were
issued to, so a captured Authorization cannot be replayed later.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from protocols.gb28181.digest import DigestChallenge, DigestCredentials, DigestError
from protocols.gb28181.ids import CHINA_OFFSET_MIN, gb_date
from protocols.gb28181.sip import SipParseError, SipRequest, SipResponse, parse_name_addr, response_to

NONCE_TTL_MS: Final = 5 * 60 * 1000
MAX_NONCES: Final = 1024
DEFAULT_EXPIRES_S: Final = 3600


@dataclass(frozen=True, slots=True)
class Registered:
    device_id: str
    contact: str
    expires_s: int


@dataclass(frozen=True, slots=True)
class Unregistered:
    device_id: str


@dataclass(frozen=True, slots=True)
class AuthFailed:
    device_id: str
    reason: str


RegistrarEvent = Registered | Unregistered | AuthFailed


class Registrar:
    def __init__(
        self,
        realm: str,
        password_for: Callable[[str], str | None],
        nonce_factory: Callable[[], str],
        *,
        qop: bool = True,
        offset_min: int = CHINA_OFFSET_MIN,
    ) -> None:
        self.realm = realm
        self.password_for = password_for
        self.nonce_factory = nonce_factory
        self.qop = qop
        self.offset_min = offset_min
        self._nonces: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self.expires_ms: dict[str, int] = {}

    def is_registered(self, device_id: str, now_ms: int) -> bool:
        return self.expires_ms.get(device_id, 0) > now_ms

    def handle(self, request: SipRequest, now_ms: int) -> tuple[SipResponse, RegistrarEvent | None]:
        if request.method != "REGISTER":
            raise ValueError(f"the registrar handles REGISTER, not {request.method}")
        try:
            device_id = parse_name_addr(request.header("From") or "").user
        except SipParseError:
            device_id = ""
        if not device_id:
            return response_to(request, 400, reason="From has no device id"), None
        password = self.password_for(device_id)
        if password is None:
            return response_to(request, 403, to_tag=_tag(now_ms)), AuthFailed(device_id, "unknown device")
        auth = request.header("Authorization")
        if auth is None:
            return self._challenge(request, device_id, now_ms), None
        try:
            creds = DigestCredentials.parse(auth)
        except DigestError as exc:
            return response_to(request, 400, reason="Bad Authorization"), AuthFailed(device_id, str(exc))
        issued = self._nonces.get(creds.nonce)
        if issued is None or issued[0] != device_id or now_ms - issued[1] > NONCE_TTL_MS:
            return self._challenge(request, device_id, now_ms, stale=issued is not None), None
        if creds.username != device_id or creds.realm != self.realm or not creds.verify(password, "REGISTER"):
            del self._nonces[creds.nonce]
            return response_to(request, 403, to_tag=_tag(now_ms)), AuthFailed(device_id, "wrong password")
        expires = _expires(request)
        extra = (("Date", gb_date(now_ms, self.offset_min)), ("Expires", str(expires)))
        response = response_to(request, 200, to_tag=_tag(now_ms), extra=extra)
        if expires == 0:
            self.expires_ms.pop(device_id, None)
            return response, Unregistered(device_id)
        self.expires_ms[device_id] = now_ms + expires * 1000
        return response, Registered(device_id, request.header("Contact") or "", expires)

    def _challenge(
        self, request: SipRequest, device_id: str, now_ms: int, *, stale: bool = False
    ) -> SipResponse:
        nonce = self.nonce_factory()
        self._nonces[nonce] = (device_id, now_ms)
        while len(self._nonces) > MAX_NONCES:
            self._nonces.popitem(last=False)
        challenge = DigestChallenge(self.realm, nonce, qop="auth" if self.qop else None, stale=stale)
        return response_to(
            request, 401, to_tag=_tag(now_ms), extra=(("WWW-Authenticate", challenge.header_value()),)
        )


def _expires(request: SipRequest) -> int:
    value = request.header("Expires")
    if value is not None and value.strip().isdigit():
        return int(value.strip())
    contact = request.header("Contact") or ""
    if "expires=" in contact:
        tail = contact.split("expires=", 1)[1].split(";")[0].strip()
        if tail.isdigit():
            return int(tail)
    return DEFAULT_EXPIRES_S


def _tag(now_ms: int) -> str:
    return f"{now_ms & 0xFFFFFFFF:08x}"

"""SIP messages as GB/T 28181 uses them (RFC 3261 over UDP): parse one datagram, encode one message.

Sans-I/O: `parse_message(datagram)` returns a `SipRequest` or a `SipResponse`, or raises `SipParseError`
for bytes that are not a SIP message; `.encode()` returns bytes with a correct Content-Length. Header names
are kept in their canonical long form (compact forms such as `v`, `f`, `i`, `l` are expanded on parsing) so
lookups are simple. Over UDP one datagram carries one message, so no stream framing is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

MAX_MESSAGE: Final = 65_535
"""A UDP datagram can hold no more; anything longer is refused before it is read."""

MAX_HEADERS: Final = 100

_COMPACT: Final = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
}
_CANONICAL: Final = {
    name.lower(): name
    for name in (
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Contact",
        "Max-Forwards",
        "Expires",
        "Content-Type",
        "Content-Length",
        "User-Agent",
        "Authorization",
        "WWW-Authenticate",
        "Date",
        "Allow",
        "Subject",
        "Supported",
        "Content-Encoding",
    )
}
_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
_REQUEST_LINE = re.compile(r"^([A-Z]+) (\S+) SIP/2\.0$")
_STATUS_LINE = re.compile(r"^SIP/2\.0 ([1-6]\d\d) ?(.*)$")

REASONS: Final = {
    100: "Trying",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    481: "Call/Transaction Does Not Exist",
    500: "Server Internal Error",
}


class SipParseError(ValueError):
    """The peer sent bytes that are not a SIP message we can read; the message says what is wrong."""


class SipUsageError(ValueError):
    """We were asked to build a message that cannot be valid (a bug on our side)."""


def canonical_name(name: str) -> str:
    name = name.strip()
    lower = name.lower()
    if lower in _COMPACT:
        return _COMPACT[lower]
    return _CANONICAL.get(lower, name)


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Message:
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive, compact forms allowed), or None."""
        wanted = canonical_name(name).lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def header_all(self, name: str) -> list[str]:
        wanted = canonical_name(name).lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    @property
    def call_id(self) -> str:
        return self.header("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        return parse_cseq(self.header("CSeq") or "")

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def _encode(self, first_line: str) -> bytes:
        lines = [first_line]
        lines += [f"{k}: {v}" for k, v in self.headers if k.lower() != "content-length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


@dataclass(frozen=True, slots=True)
class SipRequest(_Message):
    method: str = ""
    uri: str = ""

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.method or ""):
            raise SipUsageError(f"not a SIP method: {self.method!r}")
        if not self.uri or any(c.isspace() for c in self.uri):
            raise SipUsageError(f"not a request URI: {self.uri!r}")
        _check_headers(self.headers)

    def encode(self) -> bytes:
        return self._encode(f"{self.method} {self.uri} SIP/2.0")


@dataclass(frozen=True, slots=True)
class SipResponse(_Message):
    status: int = 200
    reason: str = "OK"

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 699:
            raise SipUsageError(f"not a SIP status: {self.status}")
        _check_headers(self.headers)

    def encode(self) -> bytes:
        return self._encode(f"SIP/2.0 {self.status} {self.reason}")


SipMessage = SipRequest | SipResponse


def _check_headers(headers: Headers) -> None:
    for name, value in headers:
        if not _TOKEN.match(name) or "\r" in value or "\n" in value:
            raise SipUsageError(f"bad header {name!r}: {value!r}")


def parse_message(datagram: bytes) -> SipMessage:
    """Read one SIP message from one datagram. Raise SipParseError for anything that is not one."""
    if len(datagram) > MAX_MESSAGE:
        raise SipParseError(f"message of {len(datagram)} bytes is longer than a datagram can be")
    head, sep, body = datagram.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = datagram.partition(b"\n\n")  # bare LF: tolerated, as RFC 3261 §7.5 allows
    if not sep:
        raise SipParseError("no blank line between the headers and the body")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError(f"headers are not UTF-8: {exc}") from exc
    lines = _unfold(text.replace("\r\n", "\n").split("\n"))
    if not lines or not lines[0]:
        raise SipParseError("empty start line")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name.strip()):
            raise SipParseError(f"malformed header line {line[:60]!r}")
        headers.append((canonical_name(name), value.strip()))
        if len(headers) > MAX_HEADERS:
            raise SipParseError(f"more than {MAX_HEADERS} headers")
    body = _cut_body(body, headers)
    first = lines[0].strip()
    try:
        if m := _REQUEST_LINE.match(first):
            return SipRequest(tuple(headers), body, method=m.group(1), uri=m.group(2))
        if m := _STATUS_LINE.match(first):
            return SipResponse(tuple(headers), body, status=int(m.group(1)), reason=m.group(2))
    except SipUsageError as exc:
        raise SipParseError(str(exc)) from exc
    raise SipParseError(f"not a SIP start line: {first[:80]!r}")


def _unfold(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and len(out) > 1:
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return out


def _cut_body(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    declared = next((v for k, v in headers if k == "Content-Length"), None)
    if declared is None:
        return body
    if not declared.isdigit():
        raise SipParseError(f"Content-Length is not a number: {declared!r}")
    length = int(declared)
    if length > len(body):
        raise SipParseError(f"Content-Length says {length} bytes, the datagram holds {len(body)}")
    return body[:length]


# -- header values ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameAddr:
    """`"name" <sip:user@host>;tag=x` as found in From, To and Contact."""

    uri: str
    display: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> str:
        return uri_user(self.uri)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def encode(self) -> str:
        text = (f'"{self.display}" ' if self.display else "") + f"<{self.uri}>"
        return text + "".join(f";{k}={v}" if v else f";{k}" for k, v in self.params.items())


def parse_name_addr(value: str) -> NameAddr:
    value = value.strip()
    display = ""
    if "<" in value:
        before, _, rest = value.partition("<")
        uri, close, params = rest.partition(">")
        if not close:
            raise SipParseError(f"unclosed <> in {value!r}")
        display = before.strip().strip('"')
    else:
        uri, _, params = value.partition(";")
        params = ";" + params if params else ""
    return NameAddr(uri.strip(), display, _params(params))


def _params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if part:
            key, _, val = part.partition("=")
            out[key.strip().lower()] = val.strip()
    return out


def uri_user(uri: str) -> str:
    """The user part of `sip:user@host:port;params`, or '' when there is none."""
    rest = uri.split(":", 1)[1] if uri.lower().startswith(("sip:", "sips:")) else uri
    user, at, _ = rest.partition("@")
    return user if at else ""


def uri_hostport(uri: str) -> tuple[str, int | None]:
    rest = uri.split(":", 1)[1] if uri.lower().startswith(("sip:", "sips:")) else uri
    hostport = rest.rpartition("@")[2].split(";")[0]
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit():
        return host, int(port)
    return hostport, None


def parse_cseq(value: str) -> tuple[int, str]:
    number, _, method = value.strip().partition(" ")
    if not number.isdigit() or not method.strip():
        raise SipParseError(f"malformed CSeq {value!r}")
    return int(number), method.strip()


@dataclass(frozen=True, slots=True)
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str]

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")


def parse_via(value: str) -> Via:
    proto, _, rest = value.strip().partition(" ")
    parts = proto.split("/")
    if len(parts) != 3 or parts[0].upper() != "SIP":
        raise SipParseError(f"malformed Via {value!r}")
    sent_by, _, params = rest.strip().partition(";")
    host, colon, port = sent_by.rpartition(":")
    if not colon or not port.isdigit():
        host, port = sent_by, ""
    return Via(parts[2].upper(), host.strip(), int(port) if port else None, _params(params))


# -- building -----------------------------------------------------------------------------------


def build_request(
    method: str,
    uri: str,
    *,
    from_: NameAddr,
    to: NameAddr,
    call_id: str,
    cseq: int,
    via: str,
    contact: NameAddr | None = None,
    extra: Headers = (),
    body: bytes = b"",
    content_type: str | None = None,
) -> SipRequest:
    """A request with the mandatory headers in the usual order. `via` is `SIP/2.0/UDP host:port;branch=…`."""
    headers: list[tuple[str, str]] = [
        ("Via", via),
        ("From", from_.encode()),
        ("To", to.encode()),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} {method}"),
        ("Max-Forwards", "70"),
    ]
    if contact is not None:
        headers.append(("Contact", contact.encode()))
    headers += list(extra)
    if body:
        headers.append(("Content-Type", content_type or "Application/MANSCDP+xml"))
    return SipRequest(tuple(headers), body, method=method, uri=uri)


def response_to(
    request: SipRequest,
    status: int,
    *,
    reason: str | None = None,
    to_tag: str | None = None,
    extra: Headers = (),
    body: bytes = b"",
    content_type: str | None = None,
) -> SipResponse:
    """The response to `request`: its Via, From, Call-ID and CSeq copied, To tagged when asked."""
    headers: list[tuple[str, str]] = [("Via", v) for v in request.header_all("Via")]
    headers.append(("From", request.header("From") or ""))
    to = request.header("To") or ""
    if to_tag and "tag=" not in to:
        to += f";tag={to_tag}"
    headers += [("To", to), ("Call-ID", request.call_id), ("CSeq", request.header("CSeq") or "")]
    headers += list(extra)
    if body:
        headers.append(("Content-Type", content_type or "Application/MANSCDP+xml"))
    return SipResponse(tuple(headers), body, status=status, reason=reason or REASONS.get(status, ""))

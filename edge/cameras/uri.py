"""Camera URIs, and keeping their passwords out of logs.

onvif://user:pass@host:port[?profile=TOKEN]          ONVIF device service; snapshot over HTTP
rtsp://user:pass@host:554/path                       one frame from the stream (OpenCV/FFmpeg)
gb28181://DEVICE_ID:pass@BIND_HOST:SIP_PORT[?server=PLATFORM_ID&channel=CHANNEL_ID
          &upload_port=N&advertise=IP&placement=DeviceConfig|DeviceControl]
    the edge listens as the GB/T 28181 platform on BIND_HOST:SIP_PORT (UDP); the camera, configured to
    register there with DEVICE_ID and the password, is asked for snapshots over SIP and uploads them
    over HTTP to this box (port `upload_port`, 0 = any free port, at address `advertise`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from edge.cameras.errors import CameraUriError

SCHEMES = ("onvif", "rtsp", "gb28181")
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/\s]*):(?P<pw>[^@/\s]*)@", re.I)


@dataclass(frozen=True, slots=True)
class CameraUri:
    scheme: str
    host: str
    port: int | None
    username: str
    password: str = field(repr=False)
    path: str
    query: dict[str, str]
    raw: str = field(repr=False)

    def redacted(self) -> str:
        return redact(self.raw)

    def __str__(self) -> str:
        return self.redacted()


def parse_camera_uri(uri: str) -> CameraUri:
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError as exc:
        raise CameraUriError(
            f"cannot read camera address {redact(uri)!r}: {exc}", "摄像头地址格式错误"
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise CameraUriError(
            f"camera address {redact(uri)!r}: use onvif://, rtsp:// or gb28181://",
            "摄像头地址需以 onvif://、rtsp:// 或 gb28181:// 开头",
        )
    if not parts.hostname:
        raise CameraUriError(f"camera address {redact(uri)!r} names no host", "摄像头地址缺少主机")
    if scheme == "gb28181" and not (parts.username or "").isdigit():
        raise CameraUriError(
            f"{redact(uri)!r}: gb28181://DEVICE_ID:password@host:port (the 20-digit id the camera uses)",
            "国标摄像头地址需写明 20 位设备编码",
        )
    return CameraUri(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        path=parts.path,
        query=dict(parse_qsl(parts.query)),
        raw=uri.strip(),
    )


def redact(text: str, *secrets: str) -> str:
    """`rtsp://admin:***@host/…`: every URI's password in the text hidden, and any other secrets given."""
    out = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return out

"""A simulated ONVIF camera: device and media services over SOAP, and a snapshot JPEG over HTTP with auth.

It does what a warehouse IPC does for the edge, over real HTTP: `GetSystemDateAndTime` without
authentication, everything else behind a WS-UsernameToken (PasswordDigest, `Created` within ±300 s of the
camera's own clock, which can be set off by any number of seconds), `GetCapabilities`/`GetServices`,
`GetDeviceInformation`, `GetProfiles`, `GetSnapshotUri`, and `GET /snapshot.jpg` behind HTTP Digest, or
Basic only (as ipycam and some cheap cameras do). The picture is a rendered warehouse scene that can show
a bag with a label whose QR holds a given code. Faults for the edge's error paths: `broken_jpeg` (cut short),
`silent` (accepts, never answers).

    wastetrace sim onvif-camera --port 8000 --user admin --password 123456 --label-code CODE
    curl -X POST localhost:8000/control -d '{"label_text": "…", "fault": "broken_jpeg"}'
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from protocols.gb28181.digest import DigestChallenge, DigestCredentials, DigestError
from simulators.lifecycle import run_until_stopped, stop_on_signals
from simulators.scene import Scene, render_scene

log = logging.getLogger(__name__)

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
NS = {
    "env": SOAP_ENV,
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
}
CREATED_TOLERANCE_S = 300
AUTH_MODES = ("digest", "basic", "none")
FAULTS = ("none", "broken_jpeg", "silent")
_NO_AUTH = frozenset({"GetSystemDateAndTime"})


class OnvifCameraSimulator:
    """`async with OnvifCameraSimulator(port=0, username=…, password=…) as cam:` then `cam.onvif_uri`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        username: str = "admin",
        password: str = "admin123",
        auth_mode: str = "digest",
        clock_offset_s: int = 0,
        scene: Scene | None = None,
        manufacturer: str = "wastetrace",
        model: str = "SimIPC-1",
    ) -> None:
        if auth_mode not in AUTH_MODES:
            raise ValueError(f"auth_mode is one of {AUTH_MODES}")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.auth_mode = auth_mode
        self.clock_offset_s = clock_offset_s
        self.scene = scene or Scene()
        self.manufacturer = manufacturer
        self.model = model
        self.fault = "none"
        self.snapshots_served = 0
        self.refused = 0
        self._nonces: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self._jpeg_cache: tuple[Scene, bytes] | None = None

    @property
    def onvif_uri(self) -> str:
        return f"onvif://{self.username}:{self.password}@{self.host}:{self.port}"

    def set_fault(self, fault: str) -> None:
        if fault not in FAULTS:
            raise ValueError(f"fault is one of {FAULTS}")
        self.fault = fault

    def show(self, **changes: Any) -> None:
        """Change the scene: `show(label_text=url)`, `show(bag=False)`, `show(person_on_scale=True)`."""
        self.scene = replace(self.scene, **changes)

    def device_now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/onvif/device_service", self._soap)
        app.router.add_post("/onvif/media_service", self._soap)
        app.router.add_get("/snapshot.jpg", self._snapshot)
        app.router.add_post("/control", self._control)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> OnvifCameraSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- SOAP -------------------------------------------------------------------------------------

    async def _soap(self, request: web.Request) -> web.Response:
        if self.fault == "silent":
            await asyncio.sleep(3600)
        try:
            envelope = ET.fromstring(await request.read())
        except ET.ParseError:
            return _fault("env:Sender", "ter:WellFormed", "not well-formed XML", 400)
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        operation = _local(body[0].tag) if body is not None and len(body) else ""
        if operation not in _NO_AUTH and self.auth_mode != "none" and not self._token_ok(envelope):
            self.refused += 1
            return _fault("env:Sender", "ter:NotAuthorized", "Sender not Authorized", 400)
        base = f"http://{request.host}"
        answer = {
            "GetSystemDateAndTime": self._date_and_time,
            "GetCapabilities": lambda: _capabilities(base),
            "GetServices": lambda: _services(base),
            "GetDeviceInformation": self._device_information,
            "GetProfiles": _profiles,
            "GetSnapshotUri": lambda: _snapshot_uri(base),
        }.get(operation)
        if answer is None:
            return _fault("env:Receiver", "ter:ActionNotSupported", f"{operation} is not supported", 400)
        return _envelope(answer())

    def _token_ok(self, envelope: ET.Element) -> bool:
        token = next((e for e in envelope.iter() if _local(e.tag) == "UsernameToken"), None)
        if token is None:
            return False
        fields = {_local(e.tag): e for e in token}
        username = (fields.get("Username").text or "") if "Username" in fields else ""
        password_el = fields.get("Password")
        if username != self.username or password_el is None:
            return False
        given = (password_el.text or "").strip()
        if password_el.get("Type", "").endswith("#PasswordText"):
            return hmac.compare_digest(given, self.password)
        try:
            nonce = base64.b64decode((fields["Nonce"].text or "").strip(), validate=True)
            created_text = (fields["Created"].text or "").strip()
            created = datetime.fromisoformat(created_text.replace("Z", "+00:00"))
        except (KeyError, binascii.Error, ValueError):
            return False
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if abs((created - self.device_now()).total_seconds()) > CREATED_TOLERANCE_S:
            log.info(
                "UsernameToken Created %s is outside ±%d s of the camera clock",
                created_text,
                CREATED_TOLERANCE_S,
            )
            return False
        digest = hashlib.sha1(nonce + created_text.encode() + self.password.encode()).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), given)

    def _date_and_time(self) -> str:
        now = self.device_now()
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
            "<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime>"
            f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
            f"<tt:Second>{now.second}</tt:Second></tt:Time>"
            f"<tt:Date><tt:Year>{now.year}</tt:Year><tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date>"
            "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def _device_information(self) -> str:
        return (
            "<tds:GetDeviceInformationResponse>"
            f"<tds:Manufacturer>{self.manufacturer}</tds:Manufacturer><tds:Model>{self.model}</tds:Model>"
            "<tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>SIM0001</tds:SerialNumber>"
            "<tds:HardwareId>SIM</tds:HardwareId></tds:GetDeviceInformationResponse>"
        )

    # -- snapshot over HTTP -----------------------------------------------------------------------

    async def _snapshot(self, request: web.Request) -> web.StreamResponse:
        if self.fault == "silent":
            await asyncio.sleep(3600)
        denied = self._http_auth(request)
        if denied is not None:
            self.refused += 1
            return denied
        jpeg = await self._jpeg()
        if self.fault == "broken_jpeg":
            jpeg = jpeg[: len(jpeg) // 2]
        self.snapshots_served += 1
        return web.Response(body=jpeg, content_type="image/jpeg")

    async def _jpeg(self) -> bytes:
        scene = self.scene
        if self._jpeg_cache is None or self._jpeg_cache[0] != scene:
            self._jpeg_cache = (scene, await asyncio.to_thread(render_scene, scene))
        return self._jpeg_cache[1]

    def _http_auth(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if self.auth_mode == "none":
            return None
        if self.auth_mode == "basic":
            if header.startswith("Basic "):
                try:
                    user, _, pw = base64.b64decode(header[6:]).decode("utf-8").partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    user, pw = "", ""
                if user == self.username and hmac.compare_digest(pw, self.password):
                    return None
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="SimIPC"'})
        if header.startswith("Digest "):
            try:
                creds = DigestCredentials.parse(header)
            except DigestError:
                creds = None
            fresh = creds is not None and time.monotonic() - self._nonces.get(creds.nonce, -1e9) < 300
            if (
                creds is not None
                and fresh
                and creds.username == self.username
                and creds.verify(self.password, "GET")
            ):
                return None
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = time.monotonic()
        if len(self._nonces) > 256:
            self._nonces.pop(next(iter(self._nonces)))
        challenge = DigestChallenge("SimIPC", nonce, qop="auth", opaque=secrets.token_hex(8))
        return web.Response(status=401, headers={"WWW-Authenticate": challenge.header_value()})

    # -- control ----------------------------------------------------------------------------------

    async def _control(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if "fault" in body:
                self.set_fault(body.pop("fault"))
            if "clock_offset_s" in body:
                self.clock_offset_s = int(body.pop("clock_offset_s"))
            self.show(**body)
        except (json.JSONDecodeError, TypeError, ValueError, AttributeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"fault": self.fault, "scene": repr(self.scene)})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _envelope(body: str, status: int = 200) -> web.Response:
    xmlns = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
    text = f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope {xmlns}><env:Body>{body}</env:Body>'
    text += "</env:Envelope>"
    return web.Response(
        body=text.encode("utf-8"), status=status, content_type="application/soap+xml", charset="utf-8"
    )


def _fault(code: str, subcode: str, reason: str, status: int) -> web.Response:
    return _envelope(
        f"<env:Fault><env:Code><env:Value>{code}</env:Value><env:Subcode><env:Value>{subcode}</env:Value>"
        "</env:Subcode></env:Code><env:Reason>"
        f'<env:Text xml:lang="en">{reason}</env:Text></env:Reason></env:Fault>',
        status,
    )


def _capabilities(base: str) -> str:
    return (
        "<tds:GetCapabilitiesResponse><tds:Capabilities>"
        f"<tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr></tt:Device>"
        f"<tt:Media><tt:XAddr>{base}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities>"
        "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
        "</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>"
    )


def _services(base: str) -> str:
    def service(ns: str, path: str) -> str:
        return (
            f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{base}{path}</tds:XAddr>"
            "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
        )

    return (
        "<tds:GetServicesResponse>"
        + service(NS["tds"], "/onvif/device_service")
        + service(NS["trt"], "/onvif/media_service")
        + "</tds:GetServicesResponse>"
    )


def _profiles() -> str:
    return (
        '<trt:GetProfilesResponse><trt:Profiles token="Profile_1" fixed="true"><tt:Name>mainStream</tt:Name>'
        '<tt:VideoSourceConfiguration token="VSC_1"><tt:Name>VSC</tt:Name><tt:UseCount>1</tt:UseCount>'
        '<tt:SourceToken>VS_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1280" height="720"/>'
        '</tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="VEC_1"><tt:Name>VEC</tt:Name>'
        "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1280</tt:Width>"
        "<tt:Height>720</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality></tt:VideoEncoderConfiguration>"
        "</trt:Profiles></trt:GetProfilesResponse>"
    )


def _snapshot_uri(base: str) -> str:
    return (
        f"<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>{base}/snapshot.jpg</tt:Uri>"
        "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
        "<tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wastetrace sim onvif-camera", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin123")
    parser.add_argument(
        "--auth", choices=AUTH_MODES, default="digest", help="snapshot HTTP auth (default digest)"
    )
    parser.add_argument(
        "--clock-offset", type=int, default=0, help="the camera clock, seconds ahead of true time"
    )
    parser.add_argument("--label-code", help="show a bag whose label QR holds this text")
    return parser


async def _run(args: argparse.Namespace) -> None:
    sim = OnvifCameraSimulator(
        host=args.host,
        port=args.port,
        username=args.user,
        password=args.password,
        auth_mode=args.auth,
        clock_offset_s=args.clock_offset,
        scene=Scene(label_text=args.label_code),
    )
    stop = stop_on_signals()
    async with sim:
        print(f"onvif camera: onvif://{sim.username}:***@{sim.host}:{sim.port}", flush=True)
        await stop.wait()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return run_until_stopped(_run(args), "onvif camera simulator")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The edge as a small GB/T 28181 platform: cameras register to it over SIP/UDP and upload snapshots to it.

One `Gb28181Platform` listens on one UDP port for every GB/T 28181 camera of the box. It answers REGISTER
with a Digest challenge (`protocols.gb28181.Registrar`), keeps each device's address and last keepalive
(offline after three missed, 60 s apart), queries Catalog and DeviceInfo, and asks for a snapshot with the
2022 `SnapShotConfig` command; the camera HTTP-POSTs the JPEG to this box's small upload server and then
says `UploadSnapShotFinished`. Our MESSAGE requests are retransmitted over UDP until the device answers
(RFC 3261 timer A: 0.5 s, doubling).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from edge.cameras.errors import CameraOffline, CameraProtocolError, CameraTimeout
from edge.cameras.jpeg import check_jpeg
from protocols.gb28181 import (
    CatalogItem,
    CatalogQuery,
    CatalogResponse,
    ControlResponse,
    DeviceInfoQuery,
    DeviceInfoResponse,
    Keepalive,
    ManscdpError,
    NameAddr,
    Registered,
    Registrar,
    SipParseError,
    SipRequest,
    SipResponse,
    SnapShotConfig,
    Unregistered,
    UploadSnapShotFinished,
    build_request,
    domain_of,
    parse_manscdp,
    parse_message,
    response_to,
)

log = logging.getLogger(__name__)

KEEPALIVE_S = 60
MISSED_KEEPALIVES = 3
MAX_UPLOAD_BYTES = 8 * 1024 * 1024


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class DeviceSession:
    device_id: str
    password: str = field(repr=False)
    addr: tuple[str, int] | None = None
    registered_ms: int | None = None
    last_seen_ms: int | None = None
    info: DeviceInfoResponse | None = None


class Gb28181Platform:
    def __init__(
        self,
        server_id: str,
        *,
        bind_host: str = "0.0.0.0",
        sip_port: int = 5060,
        upload_port: int = 0,
        advertise_host: str | None = None,
        clock: Callable[[], int] = _now_ms,
    ) -> None:
        self.server_id = server_id
        self.realm = domain_of(server_id)
        self.bind_host = bind_host
        self.sip_port = sip_port
        self.upload_port = upload_port
        self.advertise_host = advertise_host
        self.clock = clock
        self.devices: dict[str, DeviceSession] = {}
        self.registrar = Registrar(self.realm, self._password, lambda: secrets.token_hex(16))
        self._transport: asyncio.DatagramTransport | None = None
        self._runner: web.AppRunner | None = None
        self._sn = 0
        self._cseq = 0
        self._transactions: dict[tuple[str, int], asyncio.Future[SipResponse]] = {}
        self._answers: dict[tuple[str, int], asyncio.Future[Any]] = {}
        self._catalog_parts: dict[int, list[CatalogItem]] = {}
        self._uploads: dict[str, asyncio.Future[bytes]] = {}
        self._registered: dict[str, asyncio.Event] = {}

    # -- lifecycle ----------------------------------------------------------------------------------

    def add_device(self, device_id: str, password: str) -> None:
        self.devices.setdefault(device_id, DeviceSession(device_id, password)).password = password
        self._registered.setdefault(device_id, asyncio.Event())

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _SipProtocol(self), local_addr=(self.bind_host, self.sip_port)
        )
        self.sip_port = self._transport.get_extra_info("sockname")[1]
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_post("/snapshots/{session}", self._upload)
        app.router.add_post("/snapshots/{session}/{name}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.bind_host, self.upload_port)
        await site.start()
        self.upload_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info(
            "GB/T 28181 platform %s on udp/%d, uploads on tcp/%d",
            self.server_id,
            self.sip_port,
            self.upload_port,
        )

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for fut in [*self._transactions.values(), *self._answers.values(), *self._uploads.values()]:
            if not fut.done():
                fut.cancel()

    # -- state ------------------------------------------------------------------------------------

    def _password(self, device_id: str) -> str | None:
        session = self.devices.get(device_id)
        return session.password if session else None

    def is_online(self, device_id: str) -> bool:
        session = self.devices.get(device_id)
        now = self.clock()
        if session is None or session.addr is None or not self.registrar.is_registered(device_id, now):
            return False
        return now - (session.last_seen_ms or 0) <= KEEPALIVE_S * MISSED_KEEPALIVES * 1000

    async def wait_registered(self, device_id: str, timeout_s: float) -> DeviceSession:
        event = self._registered.setdefault(device_id, asyncio.Event())
        if not self.is_online(device_id):
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout_s)
            except TimeoutError as exc:
                raise CameraOffline(
                    f"GB/T 28181 device {device_id} did not register with platform {self.server_id} "
                    f"on udp/{self.sip_port} within {timeout_s:g} s",
                    "国标摄像头未注册到本机，请检查摄像头的 SIP 服务器地址、端口、编码和密码",
                ) from exc
        return self.devices[device_id]

    # -- queries ----------------------------------------------------------------------------------

    async def query_catalog(self, device_id: str, timeout_s: float) -> tuple[CatalogItem, ...]:
        sn = self._next_sn()
        self._catalog_parts[sn] = []
        try:
            answer = await self._ask(
                device_id, CatalogQuery(sn, device_id).encode(), ("Catalog", sn), timeout_s
            )
        finally:
            self._catalog_parts.pop(sn, None)
        return answer

    async def query_device_info(self, device_id: str, timeout_s: float) -> DeviceInfoResponse:
        sn = self._next_sn()
        answer = await self._ask(
            device_id, DeviceInfoQuery(sn, device_id).encode(), ("DeviceInfo", sn), timeout_s
        )
        self.devices[device_id].info = answer
        return answer

    async def snapshot(
        self, device_id: str, channel_id: str, timeout_s: float, placement: str = "DeviceConfig"
    ) -> bytes:
        """Ask for one JPEG with SnapShotConfig and wait for its upload, all within timeout_s."""
        session_id = secrets.token_hex(16)
        upload: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._uploads[session_id] = upload
        sn = self._next_sn()
        url = f"http://{self._advertised(device_id)}:{self.upload_port}/snapshots/{session_id}"
        command = SnapShotConfig(sn, channel_id, url, session_id, 1, 1, placement)  # type: ignore[arg-type]
        try:
            async with asyncio.timeout(timeout_s):
                result = await self._ask(device_id, command.encode(), (placement, sn), timeout_s)
                if result.result.upper() != "OK":
                    raise CameraProtocolError(
                        f"device {device_id} refused the snapshot command ({result.result})",
                        "摄像头拒绝抓拍指令",
                    )
                return await upload
        except TimeoutError as exc:
            raise CameraTimeout(f"GB/T 28181 device {device_id} sent no snapshot in {timeout_s:g} s") from exc
        finally:
            self._uploads.pop(session_id, None)

    # -- SIP plumbing -----------------------------------------------------------------------------

    def _next_sn(self) -> int:
        self._sn = (self._sn + 1) % 1_000_000_000
        return self._sn

    def _advertised(self, device_id: str) -> str:
        if self.advertise_host:
            return self.advertise_host
        if self.bind_host not in ("0.0.0.0", "", "::"):
            return self.bind_host
        addr = self.devices[device_id].addr
        if addr is None:
            return "127.0.0.1"
        # The address the kernel would use to reach the device: connecting a UDP socket sends nothing.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(addr)
            return probe.getsockname()[0]

    async def _ask(self, device_id: str, body: bytes, answer_key: tuple[str, int], timeout_s: float) -> Any:
        session = self.devices.get(device_id)
        if session is None or session.addr is None or not self.is_online(device_id):
            raise CameraOffline(
                f"GB/T 28181 device {device_id} is not registered", "国标摄像头离线（未注册）"
            )
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._answers[answer_key] = answer
        try:
            async with asyncio.timeout(timeout_s):
                await self._send_message(session, body)
                return await answer
        except TimeoutError as exc:
            raise CameraTimeout(
                f"GB/T 28181 device {device_id} did not answer {answer_key[0]} in {timeout_s:g} s",
                "国标摄像头无响应（超时）",
            ) from exc
        finally:
            self._answers.pop(answer_key, None)

    async def _send_message(self, session: DeviceSession, body: bytes) -> SipResponse:
        assert session.addr is not None and self._transport is not None
        self._cseq += 1
        host = self._advertised(session.device_id)
        request = build_request(
            "MESSAGE",
            f"sip:{session.device_id}@{session.addr[0]}:{session.addr[1]}",
            from_=NameAddr(f"sip:{self.server_id}@{self.realm}", params={"tag": secrets.token_hex(4)}),
            to=NameAddr(f"sip:{session.device_id}@{self.realm}"),
            call_id=f"{secrets.token_hex(8)}@{host}",
            cseq=self._cseq,
            via=f"SIP/2.0/UDP {host}:{self.sip_port};rport;branch=z9hG4bK{secrets.token_hex(8)}",
            body=body,
        )
        key = (request.call_id, self._cseq)
        done: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self._transactions[key] = done
        wire = request.encode()
        interval = 0.5
        try:
            while True:
                self._transport.sendto(wire, session.addr)
                # asyncio.wait, not wait_for: on 3.11 wait_for can swallow a cancellation that races a result.
                await asyncio.wait({done}, timeout=interval)
                if not done.done():
                    interval = min(interval * 2, 4.0)
                    continue
                response = done.result()
                if response.status >= 300:
                    raise CameraProtocolError(
                        f"device {session.device_id} answered MESSAGE: {response.status} {response.reason}"
                    )
                return response
        finally:
            self._transactions.pop(key, None)

    def _send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(message.encode(), addr)

    def datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if not data.strip():
            return  # CRLF keep-alive pings
        try:
            message = parse_message(data)
        except SipParseError as exc:
            log.warning("GB/T 28181: unreadable datagram from %s: %s", addr, exc)
            return
        if isinstance(message, SipResponse):
            with contextlib.suppress(SipParseError):
                key = (message.call_id, message.cseq[0])
                fut = self._transactions.get(key)
                if fut is not None and not fut.done() and message.status >= 200:
                    fut.set_result(message)
            return
        if message.method == "REGISTER":
            self._on_register(message, addr)
        elif message.method == "MESSAGE":
            self._on_message(message, addr)
        else:
            self._send(response_to(message, 405), addr)

    def _on_register(self, request: SipRequest, addr: tuple[str, int]) -> None:
        now = self.clock()
        response, event = self.registrar.handle(request, now)
        self._send(response, addr)
        if isinstance(event, Registered):
            session = self.devices[event.device_id]
            session.addr, session.registered_ms, session.last_seen_ms = addr, now, now
            log.info("GB/T 28181 device %s registered from %s:%d", event.device_id, *addr)
            self._registered.setdefault(event.device_id, asyncio.Event()).set()
        elif isinstance(event, Unregistered):
            log.info("GB/T 28181 device %s unregistered", event.device_id)
        elif event is not None:
            log.warning("GB/T 28181 device %s: registration refused: %s", event.device_id, event.reason)

    def _on_message(self, request: SipRequest, addr: tuple[str, int]) -> None:
        try:
            body = parse_manscdp(request.body)
        except ManscdpError as exc:
            log.warning("GB/T 28181: unreadable MESSAGE body from %s: %s", addr, exc)
            self._send(response_to(request, 400), addr)
            return
        device_id = getattr(body, "device_id", "")
        session = self._session_for(body, addr)
        if session is None:
            # Unknown or lapsed: refusing makes a device register again (our simulator does; real ones too).
            self._send(response_to(request, 403), addr)
            return
        session.last_seen_ms = self.clock()
        session.addr = addr
        self._send(response_to(request, 200), addr)
        if isinstance(body, Keepalive):
            return
        if isinstance(body, CatalogResponse):
            parts = self._catalog_parts.get(body.sn)
            if parts is not None:
                parts.extend(body.items)
                if len(parts) >= body.sum_num:
                    self._resolve(("Catalog", body.sn), tuple(parts))
        elif isinstance(body, DeviceInfoResponse):
            self._resolve(("DeviceInfo", body.sn), body)
        elif isinstance(body, ControlResponse):
            self._resolve((body.cmd_type, body.sn), body)
        elif isinstance(body, UploadSnapShotFinished):
            log.info("GB/T 28181 device %s uploaded %s", device_id, ", ".join(body.file_ids))

    def _session_for(self, body: Any, addr: tuple[str, int]) -> DeviceSession | None:
        """The registered device a MESSAGE comes from: by DeviceID, or by address for a channel's id."""
        now = self.clock()
        device_id = getattr(body, "device_id", "")
        session = self.devices.get(device_id)
        if session is not None and self.registrar.is_registered(device_id, now):
            return session
        return next(
            (
                s
                for s in self.devices.values()
                if s.addr == addr and self.registrar.is_registered(s.device_id, now)
            ),
            None,
        )

    def _resolve(self, key: tuple[str, int], value: Any) -> None:
        fut = self._answers.get(key)
        if fut is not None and not fut.done():
            fut.set_result(value)

    # -- HTTP uploads -----------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        session_id = request.match_info["session"]
        fut = self._uploads.get(session_id)
        if fut is None:
            raise web.HTTPNotFound(text="no snapshot was asked for with this SessionID")
        data = await _read_upload(request)
        if data is None:
            raise web.HTTPBadRequest(text="no image in the upload")
        if not fut.done():
            fut.set_result(data)
        return web.Response(text="OK")


async def _read_upload(request: web.Request) -> bytes | None:
    """The JPEG of an upload: a multipart file part (the usual form) or the raw body."""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.filename or (part.headers.get("Content-Type", "").startswith("image/")):
                return bytes(await part.read(decode=False))  # type: ignore[union-attr]
        return None
    data = await request.read()
    return data or None


class _SipProtocol(asyncio.DatagramProtocol):
    def __init__(self, platform: Gb28181Platform) -> None:
        self.platform = platform

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.platform.datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        log.debug("GB/T 28181 socket: %s", exc)


class Gb28181Source:
    """One GB/T 28181 camera channel as a snapshot source, through the platform it registers to."""

    kind = "gb28181"

    def __init__(
        self,
        platform: Gb28181Platform,
        device_id: str,
        channel_id: str | None = None,
        *,
        placement: str = "DeviceConfig",
        register_wait_s: float = 5.0,
    ) -> None:
        self.platform = platform
        self.device_id = device_id
        self.channel_id = channel_id or device_id
        self.placement = placement
        self.register_wait_s = register_wait_s
        self.clock_offset_ms: int | None = None

    @property
    def connected(self) -> bool:
        return self.platform.is_online(self.device_id)

    async def connect(self) -> None:
        """Wait for the camera to register, then learn what it is (best effort: old devices skip queries)."""
        await self.platform.wait_registered(self.device_id, self.register_wait_s)
        try:
            info = await self.platform.query_device_info(self.device_id, 5.0)
            items = await self.platform.query_catalog(self.device_id, 5.0)
        except (CameraTimeout, CameraProtocolError) as exc:
            log.info("GB/T 28181 device %s: no device info or catalog: %s", self.device_id, exc)
            return
        channels = [i.device_id for i in items]
        log.info(
            "GB/T 28181 device %s: %s %s, firmware %s, channels %s",
            self.device_id,
            info.manufacturer,
            info.model,
            info.firmware,
            channels,
        )

    async def snapshot(self, timeout_s: float) -> bytes:
        if not self.platform.is_online(self.device_id):
            raise CameraOffline(
                f"GB/T 28181 device {self.device_id} is not registered", "国标摄像头离线（未注册）"
            )
        data = await self.platform.snapshot(self.device_id, self.channel_id, timeout_s, self.placement)
        check_jpeg(data)
        return data

    async def close(self) -> None:
        pass

"""A simulated GB/T 28181 camera: it registers to a platform with Digest, keeps alive, answers Catalog and
DeviceInfo, and on the 2022 `SnapShotConfig` command (under DeviceConfig or DeviceControl) HTTP-POSTs a
JPEG of its scene to the UploadURL, then sends `UploadSnapShotFinished`.

SIP over UDP, messages built with `protocols.gb28181` (the same code the edge's platform reads them with).
A keepalive the platform refuses makes it register again, as real cameras do.

    wastetrace sim gb28181-camera --platform 127.0.0.1:5060 --server-id 34020000002000000001 \
        --device-id 34020000001320000001 --password 12345678
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import sys
import time
from dataclasses import replace
from typing import Any

import aiohttp

from protocols.gb28181 import (
    CatalogItem,
    CatalogQuery,
    CatalogResponse,
    ControlResponse,
    DeviceInfoQuery,
    DeviceInfoResponse,
    DigestChallenge,
    Keepalive,
    ManscdpError,
    NameAddr,
    SipParseError,
    SipRequest,
    SipResponse,
    SnapShotConfig,
    UploadSnapShotFinished,
    build_request,
    domain_of,
    parse_manscdp,
    parse_message,
    response_to,
    snapshot_file_id,
)
from simulators.lifecycle import run_until_stopped, stop_on_signals
from simulators.scene import Scene, render_scene

log = logging.getLogger(__name__)

FAULTS = ("none", "broken_jpeg", "no_upload", "refuse_snapshot")


class Gb28181CameraSimulator:
    """`async with Gb28181CameraSimulator(("127.0.0.1", port), server_id, device_id, password) as cam:`."""

    def __init__(
        self,
        platform: tuple[str, int],
        server_id: str,
        device_id: str,
        password: str,
        *,
        host: str = "127.0.0.1",
        keepalive_s: float = 60.0,
        expires_s: int = 3600,
        scene: Scene | None = None,
        accept_device_control: bool = True,
        channel_id: str | None = None,
    ) -> None:
        self.platform = platform
        self.server_id = server_id
        self.realm = domain_of(server_id)
        self.device_id = device_id
        self.channel_id = channel_id or device_id
        self.password = password
        self.host = host
        self.keepalive_s = keepalive_s
        self.expires_s = expires_s
        self.scene = scene or Scene()
        self.accept_device_control = accept_device_control
        self.fault = "none"
        self.registered = asyncio.Event()
        self.registrations = 0
        self.keepalives_ok = 0
        self.platform_date: str | None = None
        self.uploads: list[str] = []
        self.snapshot_commands: list[SnapShotConfig] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[tuple[str, int], asyncio.Future[SipResponse]] = {}
        self._cseq = 0
        self._sn = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http: aiohttp.ClientSession | None = None

    def show(self, **changes: Any) -> None:
        self.scene = replace(self.scene, **changes)

    @property
    def port(self) -> int:
        assert self._transport is not None
        return self._transport.get_extra_info("sockname")[1]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(self.host, 0)
        )
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._spawn(self._life())

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        if self._transport is not None:
            self._transport.close()
        if self._http is not None:
            await self._http.close()

    async def __aenter__(self) -> Gb28181CameraSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- registration and keepalive ----------------------------------------------------------------

    async def _life(self) -> None:
        while True:
            try:
                await self.register()
            except (TimeoutError, SipParseError, ValueError) as exc:
                log.info("register failed: %s; retrying", exc)
                await asyncio.sleep(min(self.keepalive_s, 2.0))
                continue
            while True:
                await asyncio.sleep(self.keepalive_s)
                self._sn += 1
                try:
                    answer = await self._request("MESSAGE", Keepalive(self._sn, self.device_id).encode())
                except TimeoutError:
                    continue
                if answer.status >= 300:
                    log.info("keepalive refused (%d): registering again", answer.status)
                    self.registered.clear()
                    break
                self.keepalives_ok += 1

    async def register(self) -> None:
        call_id = f"{secrets.token_hex(8)}@{self.host}"
        answer = await self._request("REGISTER", b"", call_id=call_id, expires=self.expires_s)
        if answer.status == 401:
            challenge = DigestChallenge.parse(answer.header("WWW-Authenticate") or "")
            creds = challenge.answer(
                username=self.device_id,
                password=self.password,
                method="REGISTER",
                uri=self._register_uri,
                cnonce=secrets.token_hex(8),
            )
            answer = await self._request(
                "REGISTER", b"", call_id=call_id, expires=self.expires_s, authorization=creds.header_value()
            )
        if answer.status != 200:
            raise ValueError(f"platform answered REGISTER with {answer.status} {answer.reason}")
        self.platform_date = answer.header("Date")
        self.registrations += 1
        self.registered.set()

    @property
    def _register_uri(self) -> str:
        return f"sip:{self.server_id}@{self.realm}"

    async def _request(
        self,
        method: str,
        body: bytes,
        *,
        call_id: str | None = None,
        expires: int | None = None,
        authorization: str | None = None,
        timeout_s: float = 8.0,
    ) -> SipResponse:
        assert self._transport is not None
        self._cseq += 1
        extra: list[tuple[str, str]] = []
        if expires is not None:
            extra.append(("Expires", str(expires)))
        if authorization:
            extra.append(("Authorization", authorization))
        me = f"sip:{self.device_id}@{self.realm}"
        request = build_request(
            method,
            self._register_uri
            if method == "REGISTER"
            else f"sip:{self.server_id}@{self.platform[0]}:{self.platform[1]}",
            from_=NameAddr(me, params={"tag": secrets.token_hex(4)}),
            to=NameAddr(me if method == "REGISTER" else f"sip:{self.server_id}@{self.realm}"),
            call_id=call_id or f"{secrets.token_hex(8)}@{self.host}",
            cseq=self._cseq,
            via=f"SIP/2.0/UDP {self.host}:{self.port};rport;branch=z9hG4bK{secrets.token_hex(8)}",
            contact=NameAddr(f"sip:{self.device_id}@{self.host}:{self.port}"),
            extra=tuple(extra),
            body=body,
        )
        key = (request.call_id, self._cseq)
        done: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self._pending[key] = done
        wire = request.encode()
        deadline = time.monotonic() + timeout_s
        interval = 0.5
        try:
            while True:
                self._transport.sendto(wire, self.platform)
                # asyncio.wait, not wait_for: on 3.11 wait_for can swallow a cancellation that races a result.
                await asyncio.wait({done}, timeout=max(0.0, min(interval, deadline - time.monotonic())))
                if done.done():
                    return done.result()
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"no answer to {method}")
                interval = min(interval * 2, 4.0)
        finally:
            self._pending.pop(key, None)

    # -- the platform's requests -------------------------------------------------------------------

    def datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            message = parse_message(data)
        except SipParseError as exc:
            log.warning("unreadable datagram: %s", exc)
            return
        if isinstance(message, SipResponse):
            with contextlib.suppress(SipParseError):
                fut = self._pending.get((message.call_id, message.cseq[0]))
                if fut is not None and not fut.done() and message.status >= 200:
                    fut.set_result(message)
            return
        if message.method != "MESSAGE":
            self._send(response_to(message, 405), addr)
            return
        self._on_message(message, addr)

    def _send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(message.encode(), addr)

    def _on_message(self, request: SipRequest, addr: tuple[str, int]) -> None:
        try:
            body = parse_manscdp(request.body)
        except ManscdpError as exc:
            self._send(response_to(request, 400, reason=str(exc)[:60]), addr)
            return
        self._send(response_to(request, 200), addr)
        if isinstance(body, CatalogQuery):
            item = CatalogItem(
                self.channel_id,
                "危废库摄像头",
                "wastetrace",
                "SimIPC-GB",
                civil_code=self.device_id[:6],
                address="危废库",
                parent_id=self.device_id,
            )
            self._spawn(self._answer(CatalogResponse(body.sn, self.device_id, 1, (item,)).encode()))
        elif isinstance(body, DeviceInfoQuery):
            info = DeviceInfoResponse(
                body.sn, self.device_id, "OK", "SimIPC", "wastetrace", "SimIPC-GB", "1.0", 1
            )
            self._spawn(self._answer(info.encode()))
        elif isinstance(body, SnapShotConfig):
            self.snapshot_commands.append(body)
            self._spawn(self._snapshot(body))

    async def _answer(self, body: bytes) -> None:
        with contextlib.suppress(TimeoutError):
            await self._request("MESSAGE", body)

    async def _snapshot(self, command: SnapShotConfig) -> None:
        refuse = self.fault == "refuse_snapshot" or (
            command.placement == "DeviceControl" and not self.accept_device_control
        )
        result = "ERROR" if refuse else "OK"
        await self._answer(ControlResponse(command.sn, self.device_id, command.placement, result).encode())
        if refuse or self.fault == "no_upload":
            return
        file_ids = []
        for i in range(command.snap_num):
            if i:
                await asyncio.sleep(command.interval)
            jpeg = await asyncio.to_thread(render_scene, self.scene)
            if self.fault == "broken_jpeg":
                jpeg = jpeg[: len(jpeg) // 2]
            file_id = snapshot_file_id(command.device_id, time.time_ns() // 1_000_000, i)
            form = aiohttp.FormData()
            form.add_field("SessionID", command.session_id)
            form.add_field("file", jpeg, filename=f"{file_id}.jpg", content_type="image/jpeg")
            assert self._http is not None
            try:
                async with self._http.post(command.upload_url, data=form) as resp:
                    if resp.status >= 300:
                        log.warning("upload of %s refused: %d", file_id, resp.status)
                        continue
            except aiohttp.ClientError as exc:
                log.warning("upload of %s failed: %s", file_id, exc)
                continue
            file_ids.append(file_id)
            self.uploads.append(file_id)
        self._sn += 1
        finished = UploadSnapShotFinished(self._sn, self.device_id, command.session_id, tuple(file_ids))
        await self._answer(finished.encode())


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, sim: Gb28181CameraSimulator) -> None:
        self.sim = sim

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sim.datagram(data, addr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wastetrace sim gb28181-camera", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--platform", required=True, help="HOST:PORT of the SIP platform (the edge)")
    parser.add_argument("--server-id", required=True, help="the platform's 20-digit id")
    parser.add_argument("--device-id", required=True, help="this camera's 20-digit id")
    parser.add_argument("--password", required=True)
    parser.add_argument("--host", default="127.0.0.1", help="address to send from")
    parser.add_argument("--keepalive", type=float, default=60.0, help="seconds between keepalives")
    parser.add_argument("--label-code", help="show a bag whose label QR holds this text")
    return parser


async def _run(args: argparse.Namespace) -> None:
    host, _, port = args.platform.rpartition(":")
    sim = Gb28181CameraSimulator(
        (host, int(port)),
        args.server_id,
        args.device_id,
        args.password,
        host=args.host,
        keepalive_s=args.keepalive,
        scene=Scene(label_text=args.label_code),
    )
    stop = stop_on_signals()
    async with sim:
        print(f"gb28181 camera {args.device_id} registering to {args.platform}", flush=True)
        await stop.wait()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return run_until_stopped(_run(args), "gb28181 camera simulator")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""ONVIF snapshots with onvif-zeep-async: clock offset, services, profiles, GetSnapshotUri, then HTTP GET.

`connect()` does the SOAP part once (GetSystemDateAndTime first, so a camera whose clock is an hour off
still accepts our WS-UsernameToken; then GetServices or GetCapabilities, GetProfiles, GetSnapshotUri);
`snapshot()` is one HTTP GET. The GET tries Digest first and falls back to Basic when Digest is refused
(ipycam and some cheap cameras speak Basic only); whichever worked is remembered for the next one.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import zeep.exceptions
from onvif import ONVIFCamera
from onvif.exceptions import ONVIFAuthError, ONVIFError, ONVIFTimeoutError

from edge.cameras.errors import (
    CameraAuthError,
    CameraError,
    CameraProtocolError,
    CameraTimeout,
    CameraUnreachable,
)
from edge.cameras.jpeg import check_jpeg
from edge.cameras.uri import CameraUri, redact

log = logging.getLogger(__name__)

CLOCK_WARN_MS = 60_000
_AUTH_WORDS = ("not authorized", "notauthorized", "unauthorized", "authentication", "sender not auth")


class OnvifSource:
    kind = "onvif"

    def __init__(self, uri: CameraUri, *, connect_timeout_s: float = 15.0) -> None:
        self.uri = uri
        self.connect_timeout_s = connect_timeout_s
        self.clock_offset_ms: int | None = None
        self.profile: str | None = None
        self.snapshot_uri: str | None = None
        self.basic_auth = uri.query.get("auth", "").lower() == "basic"
        self._camera: ONVIFCamera | None = None

    @property
    def connected(self) -> bool:
        return self._camera is not None and self.profile is not None

    async def connect(self) -> None:
        await self.close()
        camera = ONVIFCamera(
            self.uri.host,
            self.uri.port or 80,
            self.uri.username or None,
            self.uri.password or None,
            no_cache=True,
            adjust_time=True,
        )
        connected = False
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                await camera.update_xaddrs()
                if camera.dt_diff is not None:
                    self.clock_offset_ms = int(camera.dt_diff.total_seconds() * 1000)
                    if abs(self.clock_offset_ms) > CLOCK_WARN_MS:
                        log.warning(
                            "camera %s clock is off by %d s; compensated",
                            self.uri,
                            self.clock_offset_ms // 1000,
                        )
                media = await camera.create_media_service()
                profiles = await media.GetProfiles()
                if not profiles:
                    raise CameraProtocolError("the camera lists no media profile", "摄像头没有可用的媒体配置")
                tokens = [p.token for p in profiles]
                wanted = self.uri.query.get("profile")
                if wanted and wanted not in tokens:
                    raise CameraProtocolError(f"no profile {wanted!r}; the camera has {tokens}")
                profile = wanted or tokens[0]
                snapshot_uri = await camera.get_snapshot_uri(profile)
                if not snapshot_uri:
                    raise CameraProtocolError(
                        "the camera gives no snapshot URI (GetSnapshotUri)",
                        "摄像头不支持抓图（GetSnapshotUri）",
                    )
            connected = True
        except CameraError:
            raise
        except Exception as exc:
            translated = _translate(exc, self.uri)
            if translated is None:
                raise
            raise translated from exc
        finally:
            if not connected:  # also when cancelled: the library's HTTP sessions must not leak
                await camera.close()
        self._camera, self.profile, self.snapshot_uri = camera, profile, snapshot_uri
        log.info("camera %s: profile %s, snapshot %s", self.uri, profile, redact(snapshot_uri))

    async def snapshot(self, timeout_s: float) -> bytes:
        if self._camera is None or self.profile is None:
            await self.connect()
        assert self._camera is not None and self.profile is not None
        try:
            async with asyncio.timeout(timeout_s):
                try:
                    data = await self._camera.get_snapshot(self.profile, self.basic_auth, timeout=timeout_s)
                except ONVIFAuthError:
                    if self.basic_auth:
                        raise
                    # Digest refused: the camera may speak Basic only; the password is sent in the clear
                    # on the warehouse LAN, as the camera itself demands.
                    data = await self._camera.get_snapshot(self.profile, True, timeout=timeout_s)
                    self.basic_auth = True
                    log.info("camera %s takes Basic authentication only", self.uri)
        except CameraError:
            raise
        except Exception as exc:
            translated = _translate(exc, self.uri)
            if translated is None:
                raise
            raise translated from exc
        if data is None:
            raise CameraProtocolError(
                f"the camera answered the snapshot request with an error ({redact(self.snapshot_uri or '')})",
                "摄像头拒绝了抓图请求",
            )
        check_jpeg(data)
        return data

    async def close(self) -> None:
        camera, self._camera = self._camera, None
        self.profile = None
        if camera is not None:
            try:
                await camera.close()
            except (aiohttp.ClientError, OSError) as exc:
                log.debug("closing camera %s: %s", self.uri, exc)


def _translate(exc: Exception, uri: CameraUri) -> CameraError | None:
    """Sort what the library raised into retry later (unreachable, timeout), new credentials, or protocol.

    None for anything else: a bug of ours or of the library, which must not hide behind a camera error.
    """
    text = redact(str(exc), uri.password)
    if isinstance(exc, ONVIFAuthError) or (
        isinstance(exc, zeep.exceptions.Fault | ONVIFError) and any(w in text.lower() for w in _AUTH_WORDS)
    ):
        return CameraAuthError(
            f"camera {uri} refused the username or password ({text})", "摄像头拒绝了用户名或密码，请检查配置"
        )
    if isinstance(exc, zeep.exceptions.TransportError) and exc.status_code == 401:
        return CameraAuthError(
            f"camera {uri} refused the username or password", "摄像头拒绝了用户名或密码，请检查配置"
        )
    if isinstance(exc, TimeoutError | ONVIFTimeoutError):
        return CameraTimeout(f"camera {uri} did not answer in time", "摄像头无响应（超时）")
    if isinstance(exc, aiohttp.ClientConnectionError | OSError) or (
        isinstance(exc, ONVIFError) and isinstance(exc.__cause__, aiohttp.ClientConnectionError | OSError)
    ):
        return CameraUnreachable(f"camera {uri} is unreachable: {text}", "无法连接摄像头，请检查网线和电源")
    if isinstance(
        exc, ONVIFError | zeep.exceptions.Error | aiohttp.ClientError | ValueError | AttributeError
    ):
        return CameraProtocolError(f"camera {uri}: {type(exc).__name__}: {text}", "摄像头应答异常")
    return None

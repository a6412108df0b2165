"""Make a snapshot source from a camera URI; GB/T 28181 cameras on one port share one platform."""

from __future__ import annotations

from edge.cameras.camera import SnapshotSource
from edge.cameras.errors import CameraUriError
from edge.cameras.gb28181_platform import Gb28181Platform, Gb28181Source
from edge.cameras.onvif_source import OnvifSource
from edge.cameras.rtsp_source import RtspSource
from edge.cameras.uri import CameraUri, parse_camera_uri
from protocols.gb28181 import GbIdError, check_id, domain_of

DEFAULT_SIP_PORT = 5060


class Platforms:
    """The GB/T 28181 platforms of one box, one per (bind host, SIP port)."""

    def __init__(self) -> None:
        self.by_address: dict[tuple[str, int], Gb28181Platform] = {}

    def for_uri(self, uri: CameraUri) -> Gb28181Platform:
        server_id = uri.query.get("server") or default_server_id(uri.username)
        key = (uri.host, uri.port or DEFAULT_SIP_PORT)
        platform = self.by_address.get(key)
        if platform is None:
            platform = Gb28181Platform(
                server_id,
                bind_host=uri.host,
                sip_port=key[1],
                upload_port=int(uri.query.get("upload_port", "0")),
                advertise_host=uri.query.get("advertise"),
            )
            self.by_address[key] = platform
        elif platform.server_id != server_id:
            raise CameraUriError(
                f"two GB/T 28181 cameras on {key[0]}:{key[1]} name different platform ids "
                f"({platform.server_id}, {server_id})"
            )
        platform.add_device(uri.username, uri.password)
        return platform

    async def start(self) -> None:
        for platform in self.by_address.values():
            await platform.start()

    async def stop(self) -> None:
        for platform in self.by_address.values():
            await platform.stop()


def default_server_id(device_id: str) -> str:
    """The platform id when the URI names none: the device's domain, type 200 (SIP server), serial 1."""
    return domain_of(device_id) + "2000000001"


def make_source(uri_text: str, platforms: Platforms, *, register_wait_s: float = 5.0) -> SnapshotSource:
    uri = parse_camera_uri(uri_text)
    if uri.scheme == "onvif":
        return OnvifSource(uri)
    if uri.scheme == "rtsp":
        return RtspSource(uri)
    try:
        check_id(uri.username)
        channel = uri.query.get("channel")
        if channel:
            check_id(channel)
        if uri.query.get("server"):
            check_id(uri.query["server"])
    except GbIdError as exc:
        raise CameraUriError(f"{uri}: {exc}", "国标编码应为 20 位数字") from exc
    placement = uri.query.get("placement", "DeviceConfig")
    if placement not in ("DeviceConfig", "DeviceControl"):
        raise CameraUriError(f"{uri}: placement is DeviceConfig or DeviceControl")
    return Gb28181Source(
        platforms.for_uri(uri), uri.username, channel, placement=placement, register_wait_s=register_wait_s
    )

"""The edge as a GB/T 28181 platform, over UDP and HTTP, against our camera simulator."""

from __future__ import annotations

import pytest

from edge.cameras.errors import BrokenImage, CameraOffline, CameraProtocolError
from edge.cameras.gb28181_platform import Gb28181Platform, Gb28181Source
from edge.cameras.jpeg import check_jpeg
from protocols.gb28181 import parse_snapshot_file_id
from simulators.gb28181_camera import Gb28181CameraSimulator
from simulators.scene import Scene
from tests.waiting import wait_for

SERVER = "34020000002000000001"
DEVICE = "34020000001320000001"
PASSWORD = "12345678"


@pytest.fixture
async def platform():
    edge = Gb28181Platform(SERVER, bind_host="127.0.0.1", sip_port=0, upload_port=0)
    edge.add_device(DEVICE, PASSWORD)
    await edge.start()
    yield edge
    await edge.stop()


def camera(platform: Gb28181Platform, password: str = PASSWORD, **kw) -> Gb28181CameraSimulator:
    return Gb28181CameraSimulator(
        ("127.0.0.1", platform.sip_port), SERVER, DEVICE, password, scene=Scene(label_text="x"), **kw
    )


async def test_register_with_digest_then_keepalive_catalog_and_device_info(platform):
    async with camera(platform, keepalive_s=0.2) as cam:
        await platform.wait_registered(DEVICE, 10)
        await wait_for(lambda: cam.registrations == 1)
        assert cam.platform_date is not None
        await wait_for(lambda: cam.keepalives_ok >= 2)
        assert platform.is_online(DEVICE)
        items = await platform.query_catalog(DEVICE, 5)
        info = await platform.query_device_info(DEVICE, 5)
    assert [(i.device_id, i.name) for i in items] == [(DEVICE, "危废库摄像头")]
    assert (info.result, info.model, info.channel) == ("OK", "SimIPC-GB", 1)


@pytest.mark.parametrize("placement", ["DeviceConfig", "DeviceControl"])
async def test_snapshot_is_asked_with_snapshot_config_and_uploaded_over_http(platform, placement):
    async with camera(platform) as cam:
        source = Gb28181Source(platform, DEVICE, placement=placement, register_wait_s=10)
        await source.connect()
        jpeg = await source.snapshot(10)
        await wait_for(lambda: len(cam.uploads) == 1)
    assert check_jpeg(jpeg).shape == (720, 1280, 3)
    [command] = cam.snapshot_commands
    assert command.placement == placement and len(command.session_id) == 32
    assert parse_snapshot_file_id(cam.uploads[0])[0] == DEVICE


async def test_a_camera_with_the_wrong_password_never_registers(platform):
    async with camera(platform, password="wrong-pw"):
        with pytest.raises(CameraOffline, match="did not register"):
            await platform.wait_registered(DEVICE, 1.5)
        source = Gb28181Source(platform, DEVICE)
        with pytest.raises(CameraOffline):
            await source.snapshot(1)


async def test_a_broken_upload_is_refused(platform):
    async with camera(platform) as cam:
        await platform.wait_registered(DEVICE, 10)
        cam.fault = "broken_jpeg"
        with pytest.raises(BrokenImage):
            await Gb28181Source(platform, DEVICE).snapshot(10)


async def test_a_refused_snapshot_command_is_reported(platform):
    async with camera(platform, accept_device_control=False):
        await platform.wait_registered(DEVICE, 10)
        with pytest.raises(CameraProtocolError, match="refused the snapshot"):
            await Gb28181Source(platform, DEVICE, placement="DeviceControl").snapshot(10)


async def test_a_device_that_lost_its_registration_registers_again(platform):
    async with camera(platform, keepalive_s=0.2) as cam:
        await platform.wait_registered(DEVICE, 10)
        platform.registrar.expires_ms.clear()  # as after the platform restarted
        await wait_for(lambda: cam.registrations >= 2)
        assert platform.is_online(DEVICE)

"""Cameras over real transports: ONVIF against our simulator, RTSP against a silent listener, the store."""

from __future__ import annotations

import asyncio
import socket
import time

import cv2
import numpy as np
import pytest
import zeep.exceptions
from onvif import ONVIFCamera

from edge.cameras.camera import SupervisedCamera
from edge.cameras.errors import BrokenImage, CameraAuthError, CameraTimeout, CameraUnreachable, CameraUriError
from edge.cameras.jpeg import check_jpeg, encode_jpeg
from edge.cameras.onvif_source import OnvifSource
from edge.cameras.rtsp_source import RtspSource, grab_frame
from edge.cameras.settings import CameraSettings, CameraSettingsError, parse_cameras
from edge.cameras.store import SnapshotStore
from edge.cameras.uri import parse_camera_uri, redact
from simulators.onvif_camera import OnvifCameraSimulator
from simulators.scene import Scene

BOUND_SLACK_S = 10.0
"""How far past its timeout a snapshot may end on a loaded machine: a bound, not a speed."""


@pytest.fixture
async def camera():
    async with OnvifCameraSimulator(port=0, password="s3cret-pw", scene=Scene(label_text="hello")) as sim:
        yield sim


def source(uri: str) -> OnvifSource:
    return OnvifSource(parse_camera_uri(uri), connect_timeout_s=10)


@pytest.fixture
def silent_port():
    """A TCP port that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


async def test_onvif_snapshot_with_digest_auth(camera):
    src = source(camera.onvif_uri)
    try:
        await src.connect()
        data = await src.snapshot(5)
        assert (src.profile, src.basic_auth) == ("Profile_1", False)
    finally:
        await src.close()
    assert check_jpeg(data).shape == (720, 1280, 3)
    assert camera.snapshots_served == 1


async def test_onvif_falls_back_to_basic_when_digest_is_refused(camera):
    camera.auth_mode = "basic"
    src = source(camera.onvif_uri)
    try:
        data = await src.snapshot(5)
        again = await src.snapshot(5)
    finally:
        await src.close()
    assert data == again and src.basic_auth is True


async def test_a_wrong_password_is_a_clear_auth_error_without_the_password(camera):
    src = source(camera.onvif_uri.replace("s3cret-pw", "guess-pw"))
    with pytest.raises(CameraAuthError) as caught:
        await src.connect()
    assert "refused the username or password" in str(caught.value)
    assert "guess-pw" not in str(caught.value) and "用户名或密码" in caught.value.message_zh


async def test_a_camera_clock_an_hour_off_is_compensated(camera):
    camera.clock_offset_s = 3600
    src = source(camera.onvif_uri)
    try:
        await src.snapshot(5)
    finally:
        await src.close()
    assert 3_590_000 <= src.clock_offset_ms <= 3_610_000


async def test_the_simulator_refuses_a_token_from_an_hour_ago(camera):
    # Without the offset, our WS-UsernameToken Created is an hour before the camera's clock: refused.
    camera.clock_offset_s = 3600
    client = ONVIFCamera("127.0.0.1", camera.port, camera.username, camera.password, no_cache=True)
    try:
        with pytest.raises(zeep.exceptions.Fault, match="[Nn]ot [Aa]uthorized"):
            await client.update_xaddrs()
    finally:
        await client.close()
    assert camera.refused >= 1


async def test_a_broken_jpeg_is_refused(camera):
    camera.set_fault("broken_jpeg")
    src = source(camera.onvif_uri)
    try:
        with pytest.raises(BrokenImage, match="cut short"):
            await src.snapshot(5)
    finally:
        await src.close()


async def test_an_unreachable_camera_says_so():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CameraUnreachable):
        await source(f"onvif://admin:x@127.0.0.1:{port}").connect()


async def test_a_silent_camera_costs_no_more_than_its_timeout(silent_port):
    uri = f"onvif://admin:x@127.0.0.1:{silent_port}"
    camera = SupervisedCamera(CameraSettings("gate", uri, timeout_s=1.0), source(uri), lambda: 0)
    started = time.monotonic()
    with pytest.raises(CameraTimeout):
        await camera.snapshot()
    assert time.monotonic() - started < 1.0 + BOUND_SLACK_S
    assert camera.state.status == "offline" and camera.state.last_reason == "timeout"


async def test_a_silent_rtsp_camera_gives_up_within_its_timeout(silent_port):
    src = RtspSource(parse_camera_uri(f"rtsp://admin:pw@127.0.0.1:{silent_port}/stream"))
    started = time.monotonic()
    with pytest.raises((CameraTimeout, CameraUnreachable)):
        await src.snapshot(1.0)
    assert time.monotonic() - started < 2.0 + BOUND_SLACK_S


def test_one_frame_is_grabbed_from_a_stream(tmp_path):
    path = str(tmp_path / "clip.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 5, (320, 240))
    for i in range(6):
        writer.write(np.full((240, 320, 3), i * 40, np.uint8))
    writer.release()
    frame = grab_frame(path, 2000, 2000)
    assert frame is not None and frame.shape == (240, 320, 3)


def test_jpeg_checks():
    good = encode_jpeg(np.zeros((10, 10, 3), np.uint8))
    assert check_jpeg(good).shape == (10, 10, 3)
    for bad, words in ((b"", "empty"), (b"GIF89a", "not a JPEG"), (good[:-20], "cut short")):
        with pytest.raises(BrokenImage, match=words):
            check_jpeg(bad)


def test_passwords_never_reach_a_log_line():
    text = "failed: rtsp://admin:p%40ss@10.0.0.9/ch1 and onvif://u:secret@h:80"
    assert redact(text) == "failed: rtsp://admin:***@10.0.0.9/ch1 and onvif://u:***@h:80"
    uri = parse_camera_uri("onvif://admin:p%40ss@10.0.0.9:8000")
    assert (
        uri.password == "p@ss" and "p@ss" not in repr(uri) and str(uri) == "onvif://admin:***@10.0.0.9:8000"
    )
    assert redact("token p@ss seen", uri.password) == "token *** seen"


def test_camera_uris_are_checked():
    with pytest.raises(CameraUriError, match="onvif://"):
        parse_camera_uri("http://10.0.0.9/snap.jpg")
    with pytest.raises(CameraUriError, match="20-digit"):
        parse_camera_uri("gb28181://camera:pw@0.0.0.0:5060")


def test_camera_settings_are_read_and_checked():
    config = parse_cameras(
        {
            "cameras": [
                {
                    "name": "scale",
                    "uri": "onvif://a:b@h:80",
                    "timeout_s": 2.5,
                    "scale_roi": [300, 500, 400, 400],
                },
                {"name": "hall", "uri": "rtsp://h/s", "at_scale": False, "watch": True},
            ],
            "camera_checks": {"working_hours": "07:30-18:00", "working_days": [1, 2, 3, 4, 5]},
        }
    )
    assert [c.name for c in config.cameras] == ["scale", "hall"]
    assert config.cameras[0].scale_roi == (300, 500, 400, 400)
    assert config.checks.working_hours == (450, 1080)
    assert not parse_cameras({})
    for bad in (
        {"cameras": [{"name": "x"}]},
        {"cameras": [{"name": "x", "uri": "onvif://h", "timeout_s": 120}]},
        {"cameras": [{"name": "x", "uri": "onvif://h", "colour": "red"}]},
        {"cameras": [{"name": "x", "uri": "onvif://h"}, {"name": "x", "uri": "rtsp://h"}]},
        {"camera_checks": {"working_hours": "late"}},
    ):
        with pytest.raises(CameraSettingsError):
            parse_cameras(bad)


def test_the_store_purges_uploaded_images_first_and_keeps_the_rest(tmp_path):
    store = SnapshotStore(tmp_path / "snapshots", max_bytes=10_000)
    images = [bytes([i]) * 4000 for i in range(3)]
    uploaded = store.put(images[0], "scale", 1)
    store.bind(uploaded, 1)
    store.mark_upload(uploaded, "uploaded")
    waiting = store.put(images[1], "scale", 2)
    store.bind(waiting, 2)
    assert store.total_bytes() == 8000
    newest = store.put(images[2], "scale", 3)  # over the cap: the uploaded one goes
    assert store.read(uploaded) is None
    assert store.read(waiting) == images[1] and store.read(newest) == images[2]
    assert [s.sha256 for s in store.pending_uploads()] == [waiting]
    store.close()


def test_the_store_deletes_unbound_images_before_unsent_evidence(tmp_path):
    store = SnapshotStore(tmp_path / "snapshots", max_bytes=9_000)
    evidence = store.put(b"a" * 4000, "scale", 1)
    store.bind(evidence, 1)
    stray = store.put(b"b" * 4000, "scale", 2)
    store.put(b"c" * 4000, "scale", 3)
    assert store.read(stray) is None and store.read(evidence) is not None
    store.close()


async def test_a_supervised_camera_reports_auth_failure_and_keeps_running(camera):
    uri = camera.onvif_uri.replace("s3cret-pw", "nope")
    supervised = SupervisedCamera(CameraSettings("scale", uri), source(uri), lambda: 42)
    task = asyncio.create_task(supervised.run())
    try:
        for _ in range(200):
            if supervised.state.status == "auth_failed":
                break
            await asyncio.sleep(0.05)
        assert supervised.probe().status == "auth_failed" and not supervised.probe().ok
        assert "nope" not in (supervised.state.last_error or "")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

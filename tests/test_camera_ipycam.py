"""Our ONVIF client against a camera we did not write: ipycam, with authentication on.

ipycam needs `opencv-python` (5.x), which provides the same `cv2` package as our `opencv-python-headless<5`
(and lacks the HOG people detector), so the two cannot share a virtualenv. The test makes ipycam a venv of
its own under pytest's cache (kept between runs), and runs the camera there as a subprocess on loopback.
Its WS-Discovery responder is stubbed out so that nothing is sent to the multicast group. Under CI=true a
failure to install it fails the test; elsewhere it skips.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge.cameras.errors import CameraAuthError
from edge.cameras.jpeg import check_jpeg
from edge.cameras.onvif_source import OnvifSource
from edge.cameras.uri import parse_camera_uri
from edge.vision.qr_label import code_in, decode_qr_codes
from simulators.scene import Scene, render_scene

pytestmark = pytest.mark.slow

IPYCAM = "ipycam==1.3.0"
USER, PASSWORD = "admin", "ipycam-Secret1"
CODE = "91130200699229617X9002490820261123001"

RUNNER = r'''
import sys, time
import cv2
import ipycam.camera as camera_module
from ipycam import CameraConfig, IPCamera


class NoDiscovery:
    """WS-Discovery would announce the camera to the LAN's multicast group: not from a test."""

    def __init__(self, *args, **kwargs):
        pass

    def start(self):
        pass

    def stop(self):
        pass


camera_module.WSDiscoveryServer = NoDiscovery
port, user, password, image = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
frame = cv2.imread(image)
height, width = frame.shape[:2]
config = CameraConfig(
    local_ip="127.0.0.1", onvif_port=port, rtsp_port=port + 1, web_port=port + 2, go2rtc_api_port=port + 3,
    username=user, password=password, main_width=width, main_height=height, sub_width=width // 2,
    sub_height=height // 2, show_timestamp=False,
)
cam = IPCamera(config)
cam.start()
for _ in range(5):
    cam.stream(frame)
print("READY", flush=True)
try:
    while True:
        cam.stream(frame)
        time.sleep(0.2)
finally:
    cam.stop()
'''


def _fail_or_skip(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def ipycam_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)
    venv = cache.mkdir("ipycam-venv") if cache is not None else tmp_path_factory.mktemp("ipycam-venv")
    python = venv / "bin" / "python"
    stamp = venv / f".installed-{IPYCAM}"
    if stamp.exists() and python.exists():
        return python
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, timeout=300
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", IPYCAM],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except subprocess.CalledProcessError as exc:
        _fail_or_skip(
            f"cannot install {IPYCAM} in its own venv: {exc.stderr.decode(errors='replace')[-500:]}"
        )
    except (subprocess.TimeoutExpired, OSError) as exc:
        _fail_or_skip(f"cannot install {IPYCAM} in its own venv: {exc}")
    stamp.write_text("ok\n")
    return python


def _free_port_block(size: int = 4) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + size < 65535 and all(_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def ipycam(ipycam_python: Path, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("ipycam")
    image = work / "scene.jpg"
    image.write_bytes(render_scene(Scene(label_text=f"http://hub.test/t/{CODE}")))
    script = work / "run_ipycam.py"
    script.write_text(RUNNER)
    port = _free_port_block()
    process = subprocess.Popen(
        [str(ipycam_python), str(script), str(port), USER, PASSWORD, str(image)],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        lines = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.strip() == "READY":
                break
        else:
            pytest.fail("ipycam did not start:\n" + "".join(lines[-20:]))
        if process.poll() is not None:
            pytest.fail("ipycam exited:\n" + "".join(lines[-20:]))
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_snapshot_from_ipycam_with_authentication(ipycam):
    source = OnvifSource(
        parse_camera_uri(f"onvif://{USER}:{PASSWORD}@127.0.0.1:{ipycam}"), connect_timeout_s=30
    )
    try:
        await source.connect()
        assert source.profile == "Profile_Main"
        data = await source.snapshot(15)
        # ipycam guards its snapshot with HTTP Basic only: our Digest attempt is refused, Basic is used.
        assert source.basic_auth is True
    finally:
        await source.close()
    frame = check_jpeg(data)
    assert frame.shape[:2] == (720, 1280)
    assert [code_in(t) for t in decode_qr_codes(frame)] == [CODE]


async def test_ipycam_refuses_a_wrong_password_with_a_clear_error(ipycam):
    source = OnvifSource(
        parse_camera_uri(f"onvif://{USER}:wrong-Pass9@127.0.0.1:{ipycam}"), connect_timeout_s=30
    )
    with pytest.raises(CameraAuthError, match="refused the username or password") as caught:
        await source.connect()
    assert "wrong-Pass9" not in str(caught.value)

"""`wastetrace edge snapshot`: the installer's check, run as a process against simulated cameras."""

from __future__ import annotations

import asyncio
import socket
import sys

from edge.cameras.jpeg import check_jpeg
from simulators.gb28181_camera import Gb28181CameraSimulator
from simulators.onvif_camera import OnvifCameraSimulator
from simulators.scene import Scene


async def snapshot(*args: str, timeout_s: float = 90.0) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wastetrace.cli",
        "edge",
        "snapshot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    return process.returncode, out.decode(), err.decode()


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_onvif_snapshot_is_written(tmp_path):
    out = tmp_path / "snap.jpg"
    async with OnvifCameraSimulator(port=0, password="pw-1234", scene=Scene(label_text="x")) as cam:
        code, stdout, stderr = await snapshot("--camera", cam.onvif_uri, "--out", str(out))
    assert code == 0, stderr
    assert check_jpeg(out.read_bytes()).shape == (720, 1280, 3)
    assert "sha256" in stdout


async def test_a_wrong_password_exits_non_zero_with_the_reason_and_no_password(tmp_path):
    async with OnvifCameraSimulator(port=0, password="pw-1234") as cam:
        uri = cam.onvif_uri.replace("pw-1234", "Wrong-999")
        code, _, stderr = await snapshot("--camera", uri, "--out", str(tmp_path / "x.jpg"))
    assert code == 1
    assert "auth: " in stderr and "用户名或密码" in stderr and "Wrong-999" not in stderr
    assert not (tmp_path / "x.jpg").exists()


async def test_an_unreachable_camera_exits_non_zero(tmp_path):
    uri = f"onvif://admin:pw@127.0.0.1:{free_port()}"
    code, _, stderr = await snapshot("--camera", uri, "--out", str(tmp_path / "x.jpg"), "--timeout", "3")
    assert code == 1 and "unreachable" in stderr


async def test_an_unknown_scheme_is_a_usage_error(tmp_path):
    code, _, stderr = await snapshot("--camera", "http://10.0.0.9/snap.jpg", "--out", str(tmp_path / "x.jpg"))
    assert code == 2 and "onvif://" in stderr


async def test_a_gb28181_camera_registers_with_the_tool_and_sends_its_snapshot(tmp_path):
    out = tmp_path / "gb.jpg"
    server, device, port = "34020000002000000001", "34020000001320000001", free_port(socket.SOCK_DGRAM)
    uri = f"gb28181://{device}:12345678@127.0.0.1:{port}?server={server}"
    tool = asyncio.create_task(snapshot("--camera", uri, "--out", str(out), "--register-wait", "60"))
    # The camera keeps trying to register until the tool listens, as a real one does.
    async with Gb28181CameraSimulator(("127.0.0.1", port), server, device, "12345678", keepalive_s=1.0):
        code, stdout, stderr = await tool
    assert code == 0, stderr
    assert check_jpeg(out.read_bytes()).shape == (720, 1280, 3)

"""A weighing with cameras end to end: pty scale, TCP printer, ONVIF camera simulator, the real hub."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import time
from dataclasses import replace

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.cameras.settings import CameraChecks, CamerasConfig, CameraSettings
from protocols.ledger import EventKind
from simulators.onvif_camera import OnvifCameraSimulator
from simulators.scene import Scene
from tests.edge_support import ADMIN, USCC, HubServer, enrolled_config
from tests.waiting import wait_for

OTHER = "91130200699229617X9002490820260101999"
BOUND_SLACK_S = 10.0


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
async def scale(scale):
    """The shared scale (tests/conftest.py), with a bag already on it."""
    scale.set_target(12340)
    return scale


@pytest.fixture
async def camera():
    async with OnvifCameraSimulator(port=0, password="cam-pw-1", scene=Scene(label_text=None)) as sim:
        yield sim


@pytest.fixture
def silent_port():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def with_camera(config, uri: str, **settings):
    camera = CameraSettings("scale-cam", uri, **({"timeout_s": 3.0} | settings))
    return replace(config, cameras=CamerasConfig((camera,), CameraChecks()))


@pytest.fixture
def base_config(tmp_path, hub, scale, printer):
    return enrolled_config(tmp_path, hub, str(scale.link), printer.port)


async def weigh(config):
    url = f"http://127.0.0.1:{config.ui_port}/api/v1/weighings"
    async with aiohttp.ClientSession() as s, s.post(url, json={"waste_code": "900-249-08"}) as resp:
        return resp.status, await resp.json()


def commissioning(edge, code):
    return next(e for e in edge.ledger.events_for(code) if e.kind == EventKind.COMMISSIONING)


def reader(hub) -> dict[str, str]:
    """Bearer headers of a user of the site's enterprise: who may see its bags' snapshots."""
    import httpx

    admin, password = {"Authorization": f"Bearer {ADMIN}"}, "Site-passw0rd"
    user = {"username": "site-user", "display_name": "库管员", "password": password}
    assert httpx.post(f"{hub.url}/api/v1/users", json=user, headers=admin).status_code == 201
    role = {"role": "enterprise", "region_code": None, "enterprise_uscc": USCC}
    assert httpx.put(f"{hub.url}/api/v1/users/site-user/role", json=role, headers=admin).status_code == 200
    session = httpx.post(f"{hub.url}/api/v1/sessions", json={"username": "site-user", "password": password})
    return {"Authorization": f"Bearer {session.json()['token']}"}


async def get(url, headers=None):
    async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as resp:
        return resp.status, await resp.read()


async def test_each_weighing_records_its_snapshot_and_the_hub_shows_it(base_config, camera, hub):
    config = with_camera(base_config, camera.onvif_uri)
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201 and body["printed"] is True
        event = commissioning(edge, body["code"])
        sha = event.data["snapshot"]["sha256"]
        assert [(a.sha256, a.media_type, a.role) for a in event.attachments] == [
            (sha, "image/jpeg", "snapshot")
        ]
        assert hashlib.sha256(edge.cameras.store.read(sha)).hexdigest() == sha
        assert edge.upkeep.probes["camera:scale-cam"]().status == "online"  # what the heartbeat reports
        url = f"{hub.url}/api/v1/snapshots/{sha}.jpg"
        await wait_for(lambda: edge.cameras.store.get(sha).upload == "uploaded", 20.0, in_thread=True)
    assert (await get(url))[0] == 401  # not for anyone: for who may read the bag
    headers = await asyncio.to_thread(reader, hub)
    status, image = await get(url, headers)
    assert status == 200 and hashlib.sha256(image).hexdigest() == sha
    status, page = await get(f"{hub.url}/t/{body['code']}", headers)
    assert status == 200 and f'src="/api/v1/snapshots/{sha}.jpg"' in page.decode()


async def test_a_silent_camera_holds_the_weighing_no_longer_than_its_timeout(base_config, silent_port):
    config = with_camera(base_config, f"onvif://admin:x@127.0.0.1:{silent_port}", timeout_s=1.0)
    async with running(build_edge(config)) as edge:
        started = time.monotonic()
        status, body = await weigh(config)
        elapsed = time.monotonic() - started
        assert status == 201 and body["printed"] is True
        event = commissioning(edge, body["code"])
    assert event.data["snapshot"]["missing"] == "timeout" and event.attachments == ()
    # The weighing also waits for the scale to settle and the label to print; the camera adds at most 1 s.
    assert elapsed < 1.0 + BOUND_SLACK_S


async def test_a_refused_password_is_recorded_as_the_reason(base_config, camera):
    config = with_camera(base_config, camera.onvif_uri.replace("cam-pw-1", "nope"))
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201
        snapshot = commissioning(edge, body["code"]).data["snapshot"]
    assert snapshot["missing"] == "auth" and "nope" not in snapshot["detail"]


async def test_a_broken_jpeg_is_recorded_as_the_reason(base_config, camera):
    camera.set_fault("broken_jpeg")
    config = with_camera(base_config, camera.onvif_uri)
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201
        assert commissioning(edge, body["code"]).data["snapshot"]["missing"] == "broken_image"


async def test_a_bag_showing_another_bags_label_raises_a_warning_at_the_hub(base_config, camera, hub):
    camera.show(label_text=f"{hub.url}/t/{OTHER}")
    config = with_camera(base_config, camera.onvif_uri)
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201
        await edge.cameras.drain()
        [check] = [e for e in edge.ledger.events_for(body["code"]) if e.kind == EventKind.INSPECTING]
        assert (check.data["check"], check.data["outcome"]) == ("qr_label", "warn")
        assert check.data["details"]["seen"] == [OTHER]
        warnings_url = f"{hub.url}/api/v1/analytics/warnings"

        def hub_has_warning():
            import httpx

            answer = httpx.get(warnings_url, headers={"Authorization": f"Bearer {ADMIN}"}).json()
            return any(w["code"] == body["code"] for w in answer.get("warnings", []))

        await wait_for(hub_has_warning, 20.0, in_thread=True)


async def test_the_printed_label_is_looked_for_on_the_bag(base_config, camera, hub):
    config = with_camera(base_config, camera.onvif_uri, label_check_after_s=2.0)
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201
        camera.show(label_text=f"{hub.url}/t/{body['code']}")  # the operator sticks the label on

        def label_checked():
            return [e.data for e in edge.ledger.events_for(body["code"]) if e.kind == EventKind.INSPECTING]

        await wait_for(label_checked, 20.0, in_thread=True)
        [data] = label_checked()
    assert (data["check"], data["outcome"], data["details"]["stage"]) == ("qr_label", "pass", "labelled")


async def test_a_site_without_cameras_records_no_snapshot(base_config):
    async with running(build_edge(base_config)) as edge:
        assert edge.cameras is None
        status, body = await weigh(base_config)
        assert status == 201
        event = commissioning(edge, body["code"])
    assert "snapshot" not in event.data and event.attachments == ()


async def move(config, path: str, code: str):
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.post(url, json={"code": code}) as resp:
        return resp.status, await resp.json()


async def test_storing_and_taking_out_each_record_a_snapshot_that_reaches_the_hub(base_config, camera, hub):
    config = with_camera(base_config, camera.onvif_uri)
    async with running(build_edge(config)) as edge:
        code = (await weigh(config))[1]["code"]
        assert (await move(config, "/api/v1/movements/store", code))[0] == 201
        assert (await move(config, "/api/v1/movements/out", code))[0] == 201
        moved = [
            e
            for e in edge.ledger.events_for(code)
            if e.kind in (EventKind.STORING, EventKind.STAGING_OUTBOUND)
        ]
        shas = [e.data["snapshot"]["sha256"] for e in moved]
        assert [[a.sha256 for a in e.attachments] for e in moved] == [[s] for s in shas]
        for sha in shas:
            await wait_for(
                lambda sha=sha: edge.cameras.store.get(sha).upload == "uploaded", 20.0, in_thread=True
            )
    headers = await asyncio.to_thread(reader, hub)
    for sha in shas:
        status, image = await get(f"{hub.url}/api/v1/snapshots/{sha}.jpg", headers)
        assert status == 200 and hashlib.sha256(image).hexdigest() == sha


async def test_a_silent_camera_never_holds_up_or_loses_a_movement(base_config, silent_port):
    config = with_camera(base_config, f"onvif://admin:x@127.0.0.1:{silent_port}", timeout_s=1.0)
    async with running(build_edge(config)) as edge:
        code = (await weigh(config))[1]["code"]
        started = time.monotonic()
        status, stored = await move(config, "/api/v1/movements/store", code)
        elapsed = time.monotonic() - started
        assert status == 201
        event = next(e for e in edge.ledger.events_for(code) if e.kind == EventKind.STORING)
    assert event.data["snapshot"]["missing"] == "timeout" and event.attachments == ()
    assert elapsed < 1.0 + BOUND_SLACK_S


async def test_a_camera_can_be_left_out_of_the_movements(base_config, camera):
    config = with_camera(base_config, camera.onvif_uri, at_movements=False)
    async with running(build_edge(config)) as edge:
        code = (await weigh(config))[1]["code"]
        assert (await move(config, "/api/v1/movements/store", code))[0] == 201
        stored = next(e for e in edge.ledger.events_for(code) if e.kind == EventKind.STORING)
    assert "snapshot" not in stored.data and stored.attachments == ()

"""Remote configuration: kept as versions at the hub, applied on the box only when changed, last-known-good
kept, rolled back when the agent does not come up with it."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from edge.config import ConfigError, EdgeConfig, PrinterConfig, ScaleConfig, WasteTypeConfig
from edge.heartbeat import HeartbeatReporter, http_sender, mqtt_sender
from edge.ledger import Ledger
from edge.remote_config import RemoteConfigAgent
from edge.storage import Storage
from edge.uplink import HttpTransport, Uplink
from protocols.fleet import seal_config, seal_heartbeat
from protocols.ledger import generate_private_key
from tests.reliability_support import USCC, ServedHub, make_hub, system_broker, wait_until
from tests.test_heartbeat import heartbeat_for
from tests.test_hub_support import admin
from tests.test_mqtt_uplink import started, transport_for

HUB_KEY = generate_private_key()
OIL = {"code": "900-249-08", "name": "废矿物油", "form": "液态"}
DRUMS = {"code": "900-041-49", "name": "废包装桶"}


def base_config(tmp_path) -> EdgeConfig:
    return EdgeConfig(
        path=tmp_path / "edge.toml",
        device_id="edge-rc",
        key_file=tmp_path / "k.pem",
        data_dir=tmp_path / "data",
        enterprise_uscc=USCC,
        enterprise_name="测试",
        contact="",
        place="",
        hub_url="http://hub",
        hub_public_url="http://hub",
        hub_key="",
        scale=ScaleConfig(port="/dev/null"),
        printer=PrinterConfig(uri="tcp://127.0.0.1:9"),
        waste_types=(WasteTypeConfig("900-249-08", "废矿物油"),),
    )


def agent(tmp_path, key=HUB_KEY, **kw) -> RemoteConfigAgent:
    return RemoteConfigAgent(tmp_path / "data" / "remote-config", "edge-rc", key.public_key(), **kw)


def doc(version: int, settings: dict, device_id: str = "edge-rc", key=HUB_KEY) -> dict:
    return seal_config(key, device_id, version, 1_795_392_000_000, settings)


NEW = {"waste_types": [OIL, DRUMS], "thresholds": {"min_free_mb": 200, "scale_tolerance_g": 20}}


def test_a_new_configuration_becomes_the_candidate_and_asks_for_a_restart(tmp_path):
    restarts = []
    a = agent(tmp_path, on_candidate=lambda: restarts.append(1))
    a.boot(base_config(tmp_path))
    assert a.offer(doc(1, NEW)).outcome == "candidate"
    assert restarts == [1]
    assert a.offer(doc(1, NEW)).outcome == "ignored"  # the same version again: nothing happens
    assert restarts == [1]


def test_a_candidate_is_applied_at_the_next_start(tmp_path):
    agent(tmp_path).offer(doc(1, NEW))
    config = agent(tmp_path).boot(base_config(tmp_path))
    assert [w.code for w in config.waste_types] == ["900-249-08", "900-041-49"]
    assert config.min_free_bytes == 200 * 1024 * 1024 and config.scale.tolerance_g == 20
    assert config.scale.port == "/dev/null"  # hardware stays the box's own


def test_the_same_settings_under_a_new_version_restart_nothing(tmp_path):
    first = agent(tmp_path)
    first.offer(doc(1, NEW))
    first.boot(base_config(tmp_path))
    first.confirm()
    restarts = []
    again = agent(tmp_path, on_candidate=lambda: restarts.append(1))
    again.boot(base_config(tmp_path))
    assert again.offer(doc(2, NEW)).outcome == "unchanged"
    assert restarts == [] and again.status()["config_version"] == 2


def test_a_configuration_the_agent_did_not_come_up_with_is_rolled_back(tmp_path):
    good = agent(tmp_path)
    good.offer(doc(1, NEW))
    good.boot(base_config(tmp_path))
    good.confirm()
    bad = {"waste_types": [DRUMS]}
    agent(tmp_path).offer(doc(2, bad))
    tried = agent(tmp_path).boot(base_config(tmp_path))  # the start that takes version 2 …
    assert [w.code for w in tried.waste_types] == ["900-041-49"]
    # … crashes before it is confirmed (or hangs and the watchdog kills it). The next start:
    restarted = agent(tmp_path)
    config = restarted.boot(base_config(tmp_path))
    assert [w.code for w in config.waste_types] == ["900-249-08", "900-041-49"]  # version 1 again
    status = restarted.status()
    assert status["config_version"] == 1
    assert status["config_rejected_version"] == 2 and "rolled back" in status["config_rejected_reason"]
    assert restarted.offer(doc(2, bad)).outcome == "ignored"  # never tried twice


def test_an_agent_stopped_on_purpose_before_confirming_tries_the_configuration_again(tmp_path):
    agent(tmp_path).offer(doc(1, NEW))
    first = agent(tmp_path)
    first.boot(base_config(tmp_path))
    first.interrupted()  # SIGTERM within the first seconds: an operator's reboot, not a failure
    config = agent(tmp_path).boot(base_config(tmp_path))
    assert [w.code for w in config.waste_types] == ["900-249-08", "900-041-49"]


def test_a_confirmed_configuration_is_last_known_good_and_the_one_before_is_kept(tmp_path):
    a = agent(tmp_path)
    a.offer(doc(1, NEW))
    a.boot(base_config(tmp_path))
    a.confirm()
    b = agent(tmp_path)
    b.boot(base_config(tmp_path))
    b.offer(doc(2, {"waste_types": [OIL]}))
    c = agent(tmp_path)
    c.boot(base_config(tmp_path))
    c.confirm()
    directory = tmp_path / "data" / "remote-config"
    assert json.loads((directory / "current.json").read_text())["body"]["version"] == 2
    assert (directory / "previous" / "1.json").exists() and not (directory / "candidate.json").exists()


def test_settings_the_box_cannot_use_are_refused_without_a_restart(tmp_path):
    def validate(config: EdgeConfig) -> None:
        raise ConfigError("waste type 900-999-99 is not in the catalogue")

    restarts = []
    a = agent(tmp_path, validate=validate, on_candidate=lambda: restarts.append(1))
    a.boot(base_config(tmp_path))
    offer = a.offer(doc(1, NEW))
    assert offer.outcome == "refused" and restarts == []
    assert a.status()["config_rejected_version"] == 1


def test_a_configuration_signed_by_another_key_or_for_another_box_is_ignored(tmp_path):
    a = agent(tmp_path)
    a.boot(base_config(tmp_path))
    assert a.offer(doc(1, NEW, key=generate_private_key())).outcome == "ignored"
    assert a.offer(doc(1, NEW, device_id="edge-other")).outcome == "ignored"
    assert a.status()["config_version"] is None


def test_the_hub_keeps_settings_as_versions_and_a_repeat_makes_none(tmp_path):
    h = make_hub(tmp_path)
    url = f"/api/v1/devices/{h.device_id}/config"
    first = h.client.put(url, json={"settings": NEW}, headers=admin())
    assert first.status_code == 201 and first.json()["version"] == 1
    assert h.client.put(url, json={"settings": NEW}, headers=admin()).status_code == 200
    assert (
        h.client.put(url, json={"settings": {"waste_types": [OIL]}}, headers=admin()).json()["version"] == 2
    )
    kept = h.client.get(url, headers=admin()).json()
    assert [v["version"] for v in kept["versions"]] == [1, 2] and kept["current"]["version"] == 2


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"waste_types": [{"code": "900-999-99", "name": "x"}]}, "not in the"),
        ({"thresholds": {"min_free_mb": 1}}, "min_free_mb must be an integer from 10"),
        ({"thresholds": {"reboot": 1}}, "unknown threshold"),
        ({"printer": {}}, "unknown settings"),
    ],
)
def test_settings_the_hub_cannot_vouch_for_are_refused(tmp_path, settings, words):
    h = make_hub(tmp_path)
    answer = h.client.put(
        f"/api/v1/devices/{h.device_id}/config", json={"settings": settings}, headers=admin()
    )
    assert answer.status_code == 422 and words in answer.json()["detail"]


def test_the_heartbeat_answer_offers_the_newest_version_until_the_device_runs_or_refused_it(tmp_path):
    h = make_hub(tmp_path)
    h.client.put(f"/api/v1/devices/{h.device_id}/config", json={"settings": NEW}, headers=admin())

    def beat(**over):
        envelope = seal_heartbeat(h.device_key, heartbeat_for(h.device_id, **over))
        return h.client.post(f"/api/v1/devices/{h.device_id}/heartbeats", json=envelope).json()["config"]

    offered = beat()
    assert offered["body"]["version"] == 1 and offered["body"]["settings"] == NEW
    assert beat(config_version=1) is None
    assert beat(config_rejected_version=1, config_rejected_reason="did not start") is None


async def test_a_configuration_reaches_the_box_in_the_answer_to_its_http_heartbeat(tmp_path):
    h = make_hub(tmp_path / "hub")
    served = ServedHub(h)
    try:
        h.client.put(f"/api/v1/devices/{h.device_id}/config", json={"settings": NEW}, headers=admin())
        ledger = Ledger(tmp_path / "ledger.db", h.device_id)
        restarts = []
        box = RemoteConfigAgent(
            tmp_path / "rc", h.device_id, h.hub_public_key, on_candidate=lambda: restarts.append(1)
        )
        reporter = _reporter(ledger, h, http_sender(served.url, h.device_id), box)
        await reporter.beat_once()
        assert restarts == [1]
        box.boot(base_config(tmp_path))  # the restart
        box.confirm()
        await reporter.beat_once()
        assert (
            h.client.get(f"/api/v1/devices/{h.device_id}/config", headers=admin()).json()["device_runs"] == 1
        )
        ledger.close()
    finally:
        served.stop()


async def test_a_configuration_reaches_the_box_on_its_mqtt_config_topic(tmp_path):
    broker = system_broker()
    h = make_hub(tmp_path / "hub")
    h.client.put(f"/api/v1/devices/{h.device_id}/config", json={"settings": NEW}, headers=admin())
    worker = h.consumer(broker)
    worker.start()
    assert worker.connected.wait(10)
    ledger = Ledger(tmp_path / "ledger.db", h.device_id)
    box = RemoteConfigAgent(tmp_path / "rc", h.device_id, h.hub_public_key)
    transport = transport_for(broker, h, client_id=f"edge-rc-{uuid.uuid4().hex[:6]}")
    transport.on_config = box.offer
    try:
        await started(transport)
        await _reporter(ledger, h, mqtt_sender(transport.publish_heartbeat), box, transport).beat_once()
        await asyncio.to_thread(
            wait_until, lambda: (tmp_path / "rc" / "candidate.json").exists(), 20, "the configuration"
        )
        await asyncio.to_thread(
            wait_until,
            lambda: h.rows("SELECT transport FROM device_health") == [("mqtt",)],
            20,
            "the heartbeat",
        )
    finally:
        await transport.close()
        worker.stop()
        ledger.close()


def _reporter(ledger: Ledger, h, send, box: RemoteConfigAgent, transport=None) -> HeartbeatReporter:
    from collections import namedtuple

    usage = namedtuple("Usage", "total used free")
    storage = Storage(
        ledger.path.parent,
        10,
        (),
        wall_ms=ledger.clock.now_ms,
        clock_synced=lambda: True,
        disk_usage=lambda _p: usage(10**12, 0, 10**11),
    )
    return HeartbeatReporter(
        device_id=h.device_id,
        device_key=h.device_key,
        ledger=ledger,
        clock=ledger.clock,
        storage=storage,
        uplink=Uplink(
            ledger, transport or HttpTransport("http://127.0.0.1:9"), h.device_key, h.hub_public_key
        ),
        send=send,
        config_status=box.status,
        on_config=box.offer,
    )


async def test_the_agent_restarts_for_a_new_configuration_and_comes_up_with_it(tmp_path):
    from edge.app import run_edge
    from edge.reliability import remote_config_agent
    from protocols.catalogue import load_catalogue
    from protocols.ledger import load_public_key
    from simulators.printer import PrinterSimulator
    from simulators.scale import ScaleSimulator
    from tests.edge_support import ADMIN, HubServer, enrolled_config

    hub = HubServer(tmp_path / "hub").start()
    try:
        async with (
            ScaleSimulator(tmp_path / "scale.tty", control_port=None, seed=1) as scale,
            PrinterSimulator(tmp_path / "printed", port=0, control_port=None) as printer,
        ):
            config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
            import httpx

            answer = httpx.put(
                f"{hub.url}/api/v1/devices/{config.device_id}/config",
                json={"settings": {"waste_types": [OIL, DRUMS, {"code": "900-039-49", "name": "废活性炭"}]}},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
            assert answer.status_code == 201, answer.text
            # The first heartbeat goes at start; its answer carries version 1; the agent asks to restart.
            assert await asyncio.wait_for(run_edge(config), 30) is True
            agent = remote_config_agent(config, load_public_key(config.hub_key), load_catalogue())
            restarted = agent.boot(config)
            assert [w.code for w in restarted.waste_types] == ["900-249-08", "900-041-49", "900-039-49"]
    finally:
        hub.stop()

"""The whole edge agent with `[hub] transport = "mqtt"`: a weighed bag reaches the hub through the broker."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.config import MqttConfig
from edge.uplink import DESTINATION
from simulators.printer import PrinterSimulator
from simulators.scale import ScaleSimulator
from tests.edge_support import HubServer, enrolled_config
from tests.reliability_support import system_broker


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
def worker(hub):
    from hub.ledger.mqtt_consumer import BrokerSettings, MqttConsumer

    state = hub.app.state.hub
    consumer = MqttConsumer(
        BrokerSettings(
            url=system_broker(), client_id=f"hub-{uuid.uuid4().hex[:6]}", group=f"g{uuid.uuid4().hex[:6]}"
        ),
        state.read,
        state.write,
        state.key,
    )
    consumer.start()
    assert consumer.connected.wait(10)
    yield consumer
    consumer.stop()


async def test_a_weighed_bag_reaches_the_hub_over_mqtt(tmp_path, hub, worker):
    async with (
        ScaleSimulator(tmp_path / "scale.tty", control_port=None, settle_ms=300, seed=1) as scale,
        PrinterSimulator(tmp_path / "printed", port=0, control_port=None) as printer,
    ):
        config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
        mqtt = MqttConfig(url=system_broker(), client_id=f"edge-{uuid.uuid4().hex[:6]}", session_expiry_s=60)
        config = replace(config, transport="mqtt", mqtt=mqtt, upload_batch_age_ms=100)
        scale.set_target(12340)
        async with running(build_edge(config)) as edge:
            url = f"http://127.0.0.1:{config.ui_port}/api/v1/weighings"
            async with aiohttp.ClientSession() as s, s.post(url, json={"waste_code": "900-249-08"}) as resp:
                assert resp.status == 201, await resp.text()
            deadline = asyncio.get_running_loop().time() + 20
            while edge.ledger.backlog(DESTINATION)[0] or edge.ledger.head()[0] < 2:
                assert asyncio.get_running_loop().time() < deadline, edge.uplink.state
                await asyncio.sleep(0.05)
            assert edge.uplink.state.transport == "mqtt"
    import sqlite3

    kinds = sqlite3.connect(hub.db_path).execute("SELECT kind FROM events ORDER BY seq").fetchall()
    assert kinds == [("commissioning",), ("encoding",)]

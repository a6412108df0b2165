"""A broker of our own (never the system one) restarted in the middle of a flush, behind the fault proxy,
and the same broker over TLS."""

from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge.config import MqttConfig
from edge.ledger import Ledger
from edge.mqtt_uplink import MqttTransport
from edge.uplink import DESTINATION
from hub.ledger.mqtt_consumer import BrokerSettings, MqttConsumer
from simulators.fault_proxy import FaultProxy
from tests.reliability_support import USCC, PrivateBroker, fill, free_port, make_hub
from tests.test_mqtt_uplink import assert_exactly_once, flush_all, started, uplink_over


@pytest.fixture
def harness(tmp_path):
    return make_hub(tmp_path / "hub")


async def test_a_broker_restart_mid_flush_through_a_faulty_link_loses_and_doubles_nothing(tmp_path, harness):
    broker = PrivateBroker(tmp_path / "broker").start()
    worker = harness.consumer(broker.url)
    worker.start()
    assert worker.connected.wait(10)
    ledger = Ledger(tmp_path / "edge" / "ledger.db", harness.device_id)
    fill(ledger, 4000)
    try:
        async with FaultProxy("127.0.0.1", broker.port, protocol="mqtt", seed=42) as proxy:
            proxy.set(duplicate=0.1, reorder=0.1, drop=0.03, delay_ms=1, jitter_ms=3)
            config = MqttConfig(
                url=f"mqtt://127.0.0.1:{proxy.port}",
                client_id=f"edge-{uuid.uuid4().hex[:6]}",
                session_expiry_s=120,
                receipt_timeout_s=2.0,
            )
            transport = await started(MqttTransport(config, USCC, harness.device_id))
            uplink = uplink_over(transport, ledger, harness, max_events=200)

            restarted_at: list[int] = []

            async def restart_when_half_done() -> None:
                while ledger.cursor(DESTINATION) < 2000:
                    await asyncio.sleep(0.01)
                await asyncio.to_thread(broker.restart)
                restarted_at.append(ledger.cursor(DESTINATION))

            restarting = asyncio.create_task(restart_when_half_done())
            await flush_all(uplink, ledger, timeout_s=120)
            await restarting
            await transport.close()
        assert restarted_at and restarted_at[0] < 4000  # the broker went down with events still to send
        assert proxy.stats["duplicated_up"] + proxy.stats["duplicated_down"] > 0
        assert_exactly_once(harness, ledger)
    finally:
        worker.stop()
        ledger.close()
        broker.stop()


def _certificates(directory) -> tuple[str, str, str]:
    """A CA and a server certificate for 127.0.0.1, as PEM files: (ca, cert, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wastetrace test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return tuple(str(p) for p in paths)


async def test_batches_travel_over_tls_to_a_broker_that_checks_nothing_else(tmp_path, harness):
    (tmp_path / "tls").mkdir()
    ca, cert, key = _certificates(tmp_path / "tls")
    tls_port = free_port()
    broker = PrivateBroker(
        tmp_path / "broker",
        extra=f"listener {tls_port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n",
    ).start()
    url = f"mqtts://127.0.0.1:{tls_port}"
    worker = MqttConsumer(
        BrokerSettings(url=url, client_id="hub-tls", group=f"g{uuid.uuid4().hex[:6]}", ca_file=ca),
        harness.hub.read,
        harness.hub.write,
        harness.hub.key,
        clock=harness.clock,
    )
    worker.start()
    ledger = Ledger(tmp_path / "edge" / "ledger.db", harness.device_id)
    try:
        assert worker.connected.wait(10)
        fill(ledger, 50)
        config = MqttConfig(url=url, client_id="edge-tls", ca_file=ca, session_expiry_s=60)
        transport = await started(MqttTransport(config, USCC, harness.device_id))
        await flush_all(uplink_over(transport, ledger, harness), ledger)
        await transport.close()
        assert_exactly_once(harness, ledger)
    finally:
        worker.stop()
        ledger.close()
        broker.stop()

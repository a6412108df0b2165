"""The fault proxy: whole MQTT packets and HTTP messages are dropped, doubled, held back, cut or delayed."""

from __future__ import annotations

import asyncio

import pytest
from waiting import wait_for

from simulators.fault_proxy import FaultProxy

PUBLISH_A = bytes([0x30, 3]) + b"\x00\x01a"  # QoS 0 PUBLISH, topic "a", no payload
PUBLISH_B = bytes([0x30, 3]) + b"\x00\x01b"
PINGREQ = bytes([0xC0, 0])


class Upstream:
    """A TCP server that records what it receives and can answer HTTP requests."""

    def __init__(self, http: bool = False) -> None:
        self.received = bytearray()
        self.requests = 0
        self.http = http
        self.server: asyncio.base_events.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                if self.http:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
                    await reader.readexactly(length)
                    self.requests += 1
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    await writer.drain()
                else:
                    data = await reader.read(65536)
                    if not data:
                        return
                    self.received += data
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    async def __aenter__(self) -> Upstream:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.server.close()

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]


async def http_request(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /api/v1/batches HTTP/1.1\r\nhost: hub\r\ncontent-length: 4\r\n\r\nbody")
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()


async def test_raw_bytes_pass_through_delayed_but_intact():
    async with Upstream() as upstream, FaultProxy("127.0.0.1", upstream.port, seed=1) as proxy:
        proxy.set(delay_ms=20, jitter_ms=10)
        _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"hello " * 1000)
        await writer.drain()
        await wait_for(lambda: len(upstream.received) == 6000)
        writer.close()
    assert bytes(upstream.received) == b"hello " * 1000


async def test_mqtt_publish_packets_are_doubled_and_other_packets_are_not():
    async with Upstream() as upstream, FaultProxy("127.0.0.1", upstream.port, protocol="mqtt") as proxy:
        proxy.set(duplicate=1.0)
        _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        # Written a byte at a time: the proxy must find packet boundaries however the bytes arrive.
        for byte in PUBLISH_A + PINGREQ:
            writer.write(bytes([byte]))
            await writer.drain()
        await wait_for(lambda: len(upstream.received) == 2 * len(PUBLISH_A) + len(PINGREQ))
        writer.close()
    assert bytes(upstream.received) == PUBLISH_A + PUBLISH_A + PINGREQ


async def test_mqtt_publish_packets_can_arrive_out_of_order():
    async with (
        Upstream() as upstream,
        FaultProxy("127.0.0.1", upstream.port, protocol="mqtt", seed=1) as proxy,
    ):
        proxy.set(reorder=1.0)
        _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(PUBLISH_A + PUBLISH_B)
        await writer.drain()
        await wait_for(lambda: len(upstream.received) == 2 * len(PUBLISH_A))
        writer.close()
    assert bytes(upstream.received) == PUBLISH_B + PUBLISH_A


async def test_mqtt_publish_packets_can_be_dropped():
    async with Upstream() as upstream, FaultProxy("127.0.0.1", upstream.port, protocol="mqtt") as proxy:
        proxy.set(drop=1.0)
        _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(PUBLISH_A + PINGREQ)
        await writer.drain()
        await wait_for(lambda: len(upstream.received) == len(PINGREQ))
        writer.close()
    assert bytes(upstream.received) == PINGREQ and proxy.stats["dropped_up"] == 1


async def test_a_dropped_http_answer_reaches_the_upstream_but_not_the_client():
    async with (
        Upstream(http=True) as upstream,
        FaultProxy("127.0.0.1", upstream.port, protocol="http") as proxy,
    ):
        proxy.set(drop=1.0)
        assert await http_request(proxy.port) == b""
    assert upstream.requests == 1


async def test_an_injected_500_comes_after_the_upstream_got_the_request():
    async with (
        Upstream(http=True) as upstream,
        FaultProxy("127.0.0.1", upstream.port, protocol="http") as proxy,
    ):
        proxy.set(http_error=1.0)
        answer = await http_request(proxy.port)
    assert answer.startswith(b"HTTP/1.1 500") and upstream.requests == 1


async def test_a_doubled_http_request_reaches_the_upstream_twice():
    async with (
        Upstream(http=True) as upstream,
        FaultProxy("127.0.0.1", upstream.port, protocol="http") as proxy,
    ):
        proxy.set(duplicate=1.0)
        assert (await http_request(proxy.port)).endswith(b"ok")
        await wait_for(lambda: upstream.requests == 2)


async def test_a_refusing_proxy_closes_new_connections_and_cut_all_closes_open_ones():
    async with Upstream() as upstream, FaultProxy("127.0.0.1", upstream.port) as proxy:
        reader, _ = await asyncio.open_connection("127.0.0.1", proxy.port)
        await wait_for(lambda: proxy.open_connections == 1)
        proxy.cut_all()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        proxy.set(refuse=True)
        reader, _ = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await asyncio.wait_for(reader.read(), 5) == b""
    assert proxy.stats["refused"] == 1


def test_an_unknown_protocol_is_refused():
    with pytest.raises(ValueError, match="raw, mqtt or http"):
        FaultProxy("127.0.0.1", 1, protocol="smtp")

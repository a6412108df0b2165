"""A fault-injecting TCP proxy between an edge and the hub (HTTP) or the broker (MQTT).

It understands just enough of each protocol to cut the stream into messages — MQTT control packets
(fixed header and remaining length), HTTP/1.1 requests and responses (Content-Length bodies) — so that
faults hit whole messages, as a bad network and a crashing peer would:

- `drop`       a message silently disappears (MQTT: a PUBLISH; HTTP: the response, after the hub got the
               request, and the connection is closed — the edge never learns the batch was stored)
- `delay_ms`   every message waits (plus up to `jitter_ms`)
- `duplicate`  a message is delivered twice (MQTT: a PUBLISH; HTTP: the request is replayed to the hub)
- `reorder`    a message is held back and delivered after the next one (HTTP: an earlier request is
               replayed later, after newer ones, like a stale retransmission)
- `cut`        the connection is closed in the middle of a message
- `http_error` the hub's answer is replaced by a 500 (the hub did store the batch)
- `refuse`     new connections are closed at once; `cut_all()` closes the open ones (an outage)

Probabilities are per message, from a seeded random generator, so a failing run can be replayed.
`wastetrace sim fault-proxy --listen 9000 --upstream 127.0.0.1:8000 --protocol http --drop 0.1 …`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
from collections import Counter
from dataclasses import dataclass, fields, replace

from simulators.lifecycle import stop_on_signals

log = logging.getLogger(__name__)

MQTT_PUBLISH = 3
HOLD_S = 0.5  # a message held back for reordering goes out alone after this long
_READ = 65536
_MAX_HEADER = 64 * 1024


@dataclass(frozen=True, slots=True)
class Faults:
    drop: float = 0.0
    delay_ms: int = 0
    jitter_ms: int = 0
    duplicate: float = 0.0
    reorder: float = 0.0
    cut: float = 0.0
    http_error: float = 0.0
    refuse: bool = False


class _Cut(Exception):
    """The proxy decided to cut this connection."""


class FaultProxy:
    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        protocol: str = "raw",
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        faults: Faults | None = None,
        seed: int | None = None,
    ) -> None:
        if protocol not in ("raw", "mqtt", "http"):
            raise ValueError(f"protocol must be raw, mqtt or http, not {protocol!r}")
        self.upstream = (upstream_host, upstream_port)
        self.protocol = protocol
        self.listen = (listen_host, listen_port)
        self.faults = faults or Faults()
        self.rng = random.Random(seed)
        self.stats: Counter[str] = Counter()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._replay: bytes | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    @property
    def open_connections(self) -> int:
        return len(self._writers) // 2

    def set(self, **changes: object) -> None:
        """Change the faults while connections are open."""
        self.faults = replace(self.faults, **changes)

    def clear(self) -> None:
        self.faults = Faults()

    def cut_all(self) -> None:
        """Close every open connection now (both sides)."""
        for writer in list(self._writers):
            writer.transport.abort()
        self.stats["cut_all"] += 1

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, *self.listen)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self.cut_all()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # -- connections -------------------------------------------------------------------------------------

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        if self.faults.refuse:
            self.stats["refused"] += 1
            client_w.transport.abort()
            return
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            self.stats["upstream_down"] += 1
            client_w.transport.abort()
            return
        self._writers.update((client_w, upstream_w))
        try:
            if self.protocol == "http":
                await self._http(client_r, client_w, upstream_r, upstream_w)
            else:
                await asyncio.gather(
                    self._pump(client_r, upstream_w, "up"), self._pump(upstream_r, client_w, "down")
                )
        except (_Cut, ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            for w in (client_w, upstream_w):
                self._writers.discard(w)
                w.transport.abort()

    def _chance(self, p: float) -> bool:
        return p > 0 and self.rng.random() < p

    async def _delay(self) -> None:
        f = self.faults
        if f.delay_ms or f.jitter_ms:
            await asyncio.sleep((f.delay_ms + self.rng.uniform(0, f.jitter_ms)) / 1000)

    # -- MQTT and raw: two pumps of messages ----------------------------------------------------------------

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, way: str) -> None:
        # Messages are read by a task of their own, so that waiting for the next one can time out (and a
        # held-back message go out alone) without cancelling a read half-way through a packet.
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=64)
        reading = asyncio.create_task(self._read_messages(reader, queue))
        held: bytes | None = None
        try:
            while True:
                try:
                    message = await (asyncio.wait_for(queue.get(), HOLD_S) if held else queue.get())
                except TimeoutError:
                    writer.write(held or b"")
                    held = None
                    await writer.drain()
                    continue
                if not message:
                    break
                await self._delay()
                f = self.faults
                if self._chance(f.cut):
                    self.stats[f"cut_{way}"] += 1
                    writer.write(message[: len(message) // 2])
                    raise _Cut()
                # Only MQTT PUBLISH packets are dropped, doubled or reordered: those are what a flaky link
                # and a resending peer produce; the raw protocol only gets delays and cuts.
                faultable = self.protocol == "mqtt" and message[0] >> 4 == MQTT_PUBLISH
                if faultable and self._chance(f.drop):
                    self.stats[f"dropped_{way}"] += 1
                    continue
                if faultable and held is None and self._chance(f.reorder):
                    self.stats[f"reordered_{way}"] += 1
                    held = message
                    continue
                writer.write(message)
                if faultable and self._chance(f.duplicate):
                    self.stats[f"duplicated_{way}"] += 1
                    writer.write(message)
                if held is not None:
                    writer.write(held)
                    held = None
                await writer.drain()
        finally:
            reading.cancel()
            writer.transport.abort()

    async def _read_messages(self, reader: asyncio.StreamReader, queue: asyncio.Queue[bytes]) -> None:
        try:
            while True:
                message = await (self._mqtt_packet(reader) if self.protocol == "mqtt" else reader.read(_READ))
                await queue.put(message)
                if not message:
                    return
        except (_Cut, ConnectionError, asyncio.IncompleteReadError, OSError):
            await queue.put(b"")

    @staticmethod
    async def _mqtt_packet(reader: asyncio.StreamReader) -> bytes:
        first = await reader.read(1)
        if not first:
            return b""
        length_bytes = bytearray()
        length, shift = 0, 0
        while True:
            b = (await reader.readexactly(1))[0]
            length_bytes.append(b)
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift > 21:
                raise _Cut()
        return first + bytes(length_bytes) + await reader.readexactly(length)

    # -- HTTP: request, response, one at a time ---------------------------------------------------------

    async def _http(
        self,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        upstream_r: asyncio.StreamReader,
        upstream_w: asyncio.StreamWriter,
    ) -> None:
        while True:
            request = await _http_message(client_r)
            if not request:
                return
            await self._delay()
            f = self.faults
            if self._chance(f.cut):
                self.stats["cut_up"] += 1
                upstream_w.write(request[: len(request) // 2])
                raise _Cut()
            if self._replay is not None and self._chance(f.reorder):
                self.stats["replayed_late"] += 1
                await self._side_request(self._replay)
                self._replay = None
            elif self._replay is None and self._chance(f.reorder):
                self._replay = request  # replayed after some newer request
            upstream_w.write(request)
            await upstream_w.drain()
            response = await _http_message(upstream_r)
            if not response:
                return
            if self._chance(f.duplicate):
                self.stats["duplicated_up"] += 1
                await self._side_request(request)
            if self._chance(f.drop):
                self.stats["dropped_down"] += 1
                raise _Cut()
            if self._chance(f.http_error):
                self.stats["http_500"] += 1
                response = _http_500()
            await self._delay()
            client_w.write(response)
            await client_w.drain()

    async def _side_request(self, request: bytes) -> None:
        """Send `request` to the upstream on a connection of its own and throw the answer away."""
        try:
            r, w = await asyncio.open_connection(*self.upstream)
        except OSError:
            return
        try:
            w.write(request)
            await w.drain()
            await _http_message(r)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            w.transport.abort()


async def _http_message(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 message (request or response) with a Content-Length body, or b'' at the end."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return b""
    except asyncio.LimitOverrunError as exc:
        raise _Cut() from exc
    if len(head) > _MAX_HEADER:
        raise _Cut()
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        elif name.strip().lower() == b"transfer-encoding":
            raise _Cut()  # chunked bodies are not needed by our peers
    return head + (await reader.readexactly(length) if length else b"")


def _http_500() -> bytes:
    body = b'{"detail":"fault proxy: injected 500"}'
    return (
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wastetrace sim fault-proxy", description=__doc__.split("\n")[0])
    parser.add_argument("--listen", type=int, default=0, help="port to listen on (127.0.0.1)")
    parser.add_argument("--upstream", required=True, help="host:port of the hub or broker")
    parser.add_argument("--protocol", choices=["raw", "mqtt", "http"], default="raw")
    parser.add_argument("--seed", type=int)
    for f in fields(Faults):
        if f.type == "bool":
            parser.add_argument(f"--{f.name.replace('_', '-')}", action="store_true")
        else:
            kind = int if f.type == "int" else float
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=f.default)
    args = parser.parse_args(argv)
    host, _, port = args.upstream.rpartition(":")
    faults = Faults(**{f.name: getattr(args, f.name) for f in fields(Faults)})
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def serve() -> None:
        proxy = await FaultProxy(
            host or "127.0.0.1",
            int(port),
            protocol=args.protocol,
            listen_port=args.listen,
            faults=faults,
            seed=args.seed,
        ).start()
        print(
            f"fault-proxy: 127.0.0.1:{proxy.port} -> {args.upstream} ({args.protocol}) {faults}", flush=True
        )
        stop = stop_on_signals()
        await stop.wait()
        print(f"fault-proxy: {dict(proxy.stats)}", flush=True)
        await proxy.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0

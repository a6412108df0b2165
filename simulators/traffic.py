"""A traffic department's platform (交管) serving vehicle positions over HTTP, as the hub pulls them:
`GET /positions?since=<cursor>&limit=<n>` with a bearer token, answered `{"points": [...], "next": "<cursor>",
"more": bool}` (docs/traffic.md). Trucks drive between two points at a steady speed, one position a minute
each, from a start time; the cursor is the index of the next position in the platform's log.

Faults for tests (`POST /_sim/faults`): `{"fail": n}` answers the next n requests with 500; `{"repeat": true}`
serves the next page again after it was served once (a platform that lost its place); `{"garble": true}`
answers the next request with something that is not JSON. `GET /_sim/stats` counts requests and points served.
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from protocols.traffic import TrafficPoint, encode_point
from simulators.lifecycle import run_until_stopped, stop_on_signals

DEFAULT_TOKEN = "traffic-sim-token-0123456789abcdef0123"


@dataclass(frozen=True, slots=True)
class Truck:
    plate: str
    plate_colour: int
    start: tuple[int, int]  # lon_e6, lat_e6
    end: tuple[int, int]


def drive(trucks: list[Truck], start_ms: int, minutes: int) -> list[TrafficPoint]:
    """Every truck's positions, one a minute, interleaved in time order (as a live feed logs them)."""
    log = []
    for minute in range(minutes):
        for t in trucks:
            share = minute / max(minutes - 1, 1)
            lon = round(t.start[0] + (t.end[0] - t.start[0]) * share)
            lat = round(t.start[1] + (t.end[1] - t.start[1]) * share)
            log.append(TrafficPoint(t.plate, t.plate_colour, start_ms + minute * 60_000, lon, lat, 45, 60))
    return log


class TrafficPlatform:
    def __init__(self, points: list[TrafficPoint], token: str = DEFAULT_TOKEN) -> None:
        self.points = points
        self.token = token
        self.faults: dict[str, Any] = {}
        self.requests = 0
        self.served = 0
        self._last: tuple[int, int] | None = None  # (from, to) of the page served last
        self._lock = threading.Lock()

    def set_faults(self, faults: dict[str, Any]) -> None:
        with self._lock:
            self.faults.update(faults)

    def _take_fault(self, name: str) -> bool:
        with self._lock:
            value = self.faults.get(name)
            if not value:
                return False
            if isinstance(value, int) and not isinstance(value, bool) and value > 1:
                self.faults[name] = value - 1
            else:
                self.faults.pop(name)
            return True

    async def positions(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "unauthorised"}, status=401)
        if self._take_fault("fail"):
            return web.Response(status=500, text="simulated failure")
        if self._take_fault("garble"):
            return web.Response(status=200, text="<html>gateway</html>", content_type="text/html")
        since = request.query.get("since") or "0"
        limit = request.query.get("limit") or "1000"
        if not (since.isdigit() and limit.isdigit()) or not 1 <= int(limit) <= 1000:
            return web.json_response({"error": "since is a cursor, limit 1–1000"}, status=400)
        begin = int(since)
        if self._last is not None and self._take_fault("repeat"):
            begin = self._last[0]  # the page just served, once more
        end = min(begin + int(limit), len(self.points))
        self._last = (begin, end)
        page = self.points[begin:end]
        self.served += len(page)
        body = {"points": [encode_point(p) for p in page], "next": str(end), "more": end < len(self.points)}
        return web.json_response(body)

    async def control_faults(self, request: web.Request) -> web.Response:
        self.set_faults(json.loads(await request.read() or b"{}"))
        return web.json_response({"faults": self.faults})

    async def control_stats(self, _request: web.Request) -> web.Response:
        counts = {"requests": self.requests, "served": self.served, "points": len(self.points)}
        return web.json_response(counts)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/positions", self.positions)
        app.router.add_post("/_sim/faults", self.control_faults)
        app.router.add_get("/_sim/stats", self.control_stats)
        return app

    def release(self) -> None:
        """Nothing is held (the province simulator holds pages; this one does not)."""


async def _serve(platform: TrafficPlatform, host: str, port: int) -> None:
    runner = web.AppRunner(platform.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"traffic: http://{host}:{bound}/positions ({len(platform.points)} positions)", flush=True)
    try:
        await stop_on_signals().wait()
    finally:
        await runner.cleanup()


def _truck(text: str) -> Truck:
    """PLATE:COLOUR:LON,LAT:LON,LAT, e.g. 冀F12345:2:115.46,38.87:115.97,39.48."""
    plate, colour, a, b = text.split(":")
    start = tuple(round(float(v) * 1e6) for v in a.split(","))
    end = tuple(round(float(v) * 1e6) for v in b.split(","))
    return Truck(plate, int(colour), (start[0], start[1]), (end[0], end[1]))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="wastetrace sim traffic", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700, help="0 picks a free port (printed on start)")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="the bearer it accepts")
    p.add_argument(
        "--truck",
        action="append",
        type=_truck,
        help="PLATE:COLOUR:LON,LAT:LON,LAT (repeatable); default one yellow-plated truck in Baoding",
    )
    p.add_argument("--start-ms", type=int, required=True, help="time of the first position (UTC ms)")
    p.add_argument("--minutes", type=int, default=60)
    args = p.parse_args(argv)
    trucks = args.truck or [Truck("冀F12345", 2, (115_464_000, 38_873_000), (115_974_000, 39_485_000))]
    platform = TrafficPlatform(drive(trucks, args.start_ms, args.minutes), token=args.token)
    return run_until_stopped(_serve(platform, args.host, args.port), "traffic")


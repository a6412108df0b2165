"""`wastetrace sim province`: a provincial solid-waste platform speaking the 数据对接 interface over HTTP.

It serves a generated city (simulators/province_data.py) through `POST {list_path}` (listByDynamicParam:
paged, filtered by modification time) and receives the hub's records through `POST {push_path}`, keeping
each by its `recordId` once. Faults are switched on through `POST /_sim/faults` (or `set_faults` in
process): `slow_ms` (every answer late), `fail` (the next N requests answer 500), `cert` (the certificate it
now accepts: the old one is refused), `repeat` / `skip` ({dataset, page}: that page once repeats the
previous page / lacks a record), `hold` ({dataset, page}: that page waits until faults are cleared), and
`push_fail` (the next push is stored, then answered 500). `POST /_sim/change` changes a record (its update
time becomes now); `GET /_sim/stats` tells what was asked and received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from protocols.province import (
    ListAnswer,
    Profile,
    ProfileError,
    ProvinceProtocolError,
    decode_request,
    encode_answer,
    format_time,
    parse_profile,
    parse_time,
)
from simulators.lifecycle import run_until_stopped, stop_on_signals
from simulators.province_data import City, generate_city

PROFILES = Path(__file__).resolve().parents[1] / "firmware-config" / "province"
DEFAULT_CERT = "SIM-CERT-0001"


def load_profile(name_or_path: str) -> Profile:
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES / f"{name_or_path}.toml"
    return parse_profile(path.read_text(encoding="utf-8"))


@dataclass
class Dataset:
    """One dataset's records ordered by (update time, id), for range queries."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[tuple[int, str]] = field(default_factory=list)

    def put(self, key: tuple[int, str], record: dict[str, Any], old: tuple[int, str] | None = None) -> None:
        if old is not None:
            self.order.pop(bisect_left(self.order, old))
        self.order.insert(bisect_left(self.order, key), key)
        self.records[key[1]] = record

    def window(self, since_ms: int, until_ms: int) -> list[tuple[int, str]]:
        lo = bisect_left(self.order, (since_ms, ""))
        hi = bisect_left(self.order, (until_ms, ""))
        return self.order[lo:hi]


class ProvincePlatform:
    """The platform's state and its aiohttp application."""

    def __init__(self, profile: Profile, city: City, *, cert: str = DEFAULT_CERT) -> None:
        self.profile = profile
        self.cert = cert
        self.data: dict[str, Dataset] = {}
        self.faults: dict[str, Any] = {}
        self.requests: list[dict[str, Any]] = []
        self.pushed: dict[str, dict[str, Any]] = {}
        self.push_duplicates = 0
        self.reached = threading.Event()  # a held page was asked for
        self._release = threading.Event()
        self._lock = threading.Lock()
        for name, records in city.datasets.items():
            ds = self.profile.datasets[name]
            table = Dataset()
            keyed = sorted((self._updated(ds.name, r), str(r[ds.id_field])) for r in records)
            table.order = keyed
            table.records = {str(r[ds.id_field]): r for r in records}
            self.data[name] = table

    def _updated(self, name: str, record: dict[str, Any]) -> int:
        return parse_time(record[self.profile.datasets[name].updated_field], self.profile.time_format)

    # --- control (in process or over /_sim) ---
    def set_faults(self, faults: dict[str, Any]) -> None:
        with self._lock:
            self.faults = dict(faults)
            self.reached.clear()
            if "hold" in faults:
                self._release.clear()
            else:
                self._release.set()

    def change_record(self, dataset: str, record_id: str, changes: dict[str, Any], now_ms: int) -> None:
        ds = self.profile.datasets[dataset]
        table = self.data[dataset]
        with self._lock:
            record = table.records[record_id]
            old = (self._updated(dataset, record), record_id)
            changed = {**record, **ds.to_province(changes)}
            changed[ds.updated_field] = format_time(now_ms, self.profile.time_format)
            table.put((self._updated(dataset, changed), record_id), changed, old)

    def stats(self) -> dict[str, Any]:
        return {
            "requests": len(self.requests),
            "pushed": len(self.pushed),
            "push_duplicates": self.push_duplicates,
            "records": {k: len(v.records) for k, v in self.data.items()},
        }

    # --- the interface ---
    def _one_shot(self, kind: str, dataset: str, page: int) -> bool:
        spec = self.faults.get(kind)
        if spec and spec.get("dataset") == dataset and int(spec.get("page", 1)) == page:
            del self.faults[kind]
            return True
        return False

    async def _delay(self) -> None:
        slow = int(self.faults.get("slow_ms", 0))
        if slow:
            await asyncio.sleep(slow / 1000)

    async def list_resource(self, request: web.Request) -> web.Response:
        await self._delay()
        if self.faults.get("fail", 0) > 0:
            self.faults["fail"] -= 1
            return web.Response(status=500, text="internal error (simulated)")
        try:
            req = decode_request(await request.read())
            ds = self.profile.by_res_code(req.res_code)
            param = self.profile.read_param(req.json_param)
        except (ProvinceProtocolError, ProfileError) as exc:
            return _answer(ListAnswer(False, "400", f"请求错误: {exc}"), 400)
        if req.cert_code != self.faults.get("cert", self.cert):
            return _answer(ListAnswer(False, "401", "资源凭证无效 (certCode refused)"))
        if ds is None:
            return _answer(ListAnswer(False, "404", f"未知资源编码 {req.res_code}"))
        page, size = param.get("page", 1), min(max(param.get("size", 100), 1), 2000)
        since, until = param.get("since_ms", 0), param.get("until_ms", 2**62)
        self.requests.append({"dataset": ds.name, "page": page, "size": size})
        hold = self.faults.get("hold")
        if hold and hold.get("dataset") == ds.name and int(hold.get("page", 1)) == page:
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait)
        table = self.data[ds.name]
        with self._lock:
            keys = table.window(since, until)
            shown = page - 1 if self._one_shot("repeat", ds.name, page) and page > 1 else page
            chosen = keys[(shown - 1) * size : shown * size]
            rows = [table.records[k[1]] for k in chosen]
        if self._one_shot("skip", ds.name, page) and rows:
            rows = rows[:-1]
        return _answer(ListAnswer(True, "200", "成功", total=len(keys), data=tuple(rows)))

    async def push(self, request: web.Request) -> web.Response:
        await self._delay()
        try:
            req = decode_request(await request.read())
        except ProvinceProtocolError as exc:
            return _answer(ListAnswer(False, "400", f"请求错误: {exc}"), 400)
        if req.cert_code != self.faults.get("cert", self.cert):
            return _answer(ListAnswer(False, "401", "资源凭证无效 (certCode refused)"))
        records = req.json_param.get("records")
        sound = isinstance(records, list) and all(isinstance(r, dict) and r.get("recordId") for r in records)
        if not sound:
            return _answer(ListAnswer(False, "400", "records 应为带 recordId 的对象列表"), 400)
        new = 0
        with self._lock:
            for r in records:
                key = f"{req.res_code}:{r['recordId']}"
                if key in self.pushed:
                    self.push_duplicates += 1
                else:
                    self.pushed[key] = r
                    new += 1
        if self.faults.pop("push_fail", False):
            return web.Response(status=500, text="stored, then failed (simulated)")
        return _answer(ListAnswer(True, "200", "成功", total=new, obj={"received": new}))

    async def control_faults(self, request: web.Request) -> web.Response:
        self.set_faults(json.loads(await request.read() or b"{}"))
        return web.json_response({"faults": self.faults})

    async def control_change(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.change_record(body["dataset"], body["id"], body.get("changes", {}), time.time_ns() // 1_000_000)
        return web.json_response({"changed": body["id"]})

    async def control_stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post(self.profile.list_path, self.list_resource)
        app.router.add_post(self.profile.push_path, self.push)
        app.router.add_post("/_sim/faults", self.control_faults)
        app.router.add_post("/_sim/change", self.control_change)
        app.router.add_get("/_sim/stats", self.control_stats)
        return app

    def release(self) -> None:
        self._release.set()


def _answer(answer: ListAnswer, status: int = 200) -> web.Response:
    return web.Response(body=encode_answer(answer), status=status, content_type="application/json")


def load_or_generate(profile: Profile, data: Path, *, size: int, seed: int, months: int) -> City:
    """DIR/city.json if it is there, else a city generated now and saved there."""
    path = data / "city.json"
    if path.exists():
        return City(json.loads(path.read_text(encoding="utf-8"))["datasets"])
    city = generate_city(profile, size=size, seed=seed, months=months)
    data.mkdir(parents=True, exist_ok=True)
    doc = {"profile": profile.name, "size": size, "seed": seed, "datasets": city.datasets}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return city


async def _serve(platform: ProvincePlatform, host: str, port: int) -> None:
    runner = web.AppRunner(platform.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    counts = platform.stats()["records"]
    print(f"province: http://{host}:{bound} ({platform.profile.title}, {counts})", flush=True)
    try:
        await stop_on_signals().wait()
    finally:
        platform.release()
        await runner.cleanup()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="wastetrace sim province", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8600, help="0 picks a free port (printed on start)")
    p.add_argument("--data", type=Path, required=True, help="folder of city.json (generated when absent)")
    p.add_argument("--profile", default="hebei", help="firmware-config/province/NAME.toml, or a path")
    p.add_argument("--cert", default=DEFAULT_CERT, help="the certCode it accepts")
    p.add_argument("--size", type=int, default=4200, help="enterprises in a generated city")
    p.add_argument("--months", type=int, default=12, help="months of declarations in a generated city")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    profile = load_profile(args.profile)
    city = load_or_generate(profile, args.data, size=args.size, seed=args.seed, months=args.months)
    platform = ProvincePlatform(profile, city, cert=args.cert)
    return run_until_stopped(_serve(platform, args.host, args.port), "province")

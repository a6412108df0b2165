"""`wastetrace sim fleet`: a city's sites against a real hub, on a fast-forwarded clock.

    wastetrace sim fleet --sites 200 --hub http://127.0.0.1:8000 --admin-token … [--hours 24] [--seed 1]

N sites — producers (about 80 %), carriers and disposers (about 10 % each, at least one of each) — are
registered through the hub's API as people would register them: enterprises by a system administrator (made
with the admin token), disposers' licences, carriers' vehicles, one account per enterprise, and one weighing
box per site, enrolled through the real enrolment API with its own Ed25519 key and its own hash chain.

Then the simulated hours run as fast as the hub takes them (device time moves, nobody waits):

- producers weigh bags in their shift (a start between 07:30 and 09:00 China time, 8–12 hours), at the rate
  of their industry, each bag commissioned, labelled and stored (入库) on the box's ledger;
- a few sites lose their uplink for some hours: their events wait in the outbox and go when it is back;
- every `--pickup-hours` and at the end, producers with enough bags in stock take them out (出库), and a
  manifest goes through the hub's API between real enterprises: created by the producer, bags loaded,
  submitted; the carrier departs with its registered vehicle, its box scans each bag (departing) and the
  truck reports GPS points; the disposer's box re-weighs each bag (复磅, within ±0.5 %) and the disposer
  confirms;
- at the end every site is back online and flushes what it holds.

Sites act at once, as a city's do: registration, each hour's sending and each round of pickups go over
`--clients` kept-alive connections (a site's own calls and events stay in their order; a carrier or a
disposer serves one manifest at a time). What is drawn at random is drawn before the calls go, so a seed
gives the same city and the same figures whatever the number of connections.

With `--storm` every site's uplink is down for the whole run; at its end they all come back within
`--return-within` seconds (each at its own random moment, over `--clients` connections), each sending its
backlog in full batches and waiting as long as a busy hub asks (503 + Retry-After). The summary then says how
long the hub took to absorb the backlog and how often it asked a site to come back later.

Batches are sealed as the edge seals them (RFC 8785 bytes, `seal_canonical_batch`, at most 1,000 events) and
sent over HTTP (`POST /api/v1/batches`) or MQTT (`wt/v1/{uscc}/{device}/batches`, QoS 1, the receipt awaited
on `…/receipts`; a hub MQTT worker must be running). Every receipt is checked. The summary — sites, events,
bags, storage records, manifests, receipts — is printed as JSON (and written to `--summary`), so the figures
can be compared exactly with what the hub then holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import queue
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pyotp

from protocols.codes import uscc_check_char
from protocols.ledger import (
    GENESIS_HASH,
    Event,
    generate_private_key,
    new_event_id,
    public_key_b64,
    seal_canonical_batch,
)

HOUR_MS = 3_600_000
MINUTE_MS = 60_000
CHINA = dt.timezone(dt.timedelta(hours=8))
MAX_BATCH = 1000
PASSWORD = "Fleet-passw0rd"
CITY = "130600"  # 保定市
DISTRICTS = ("130602", "130606", "130607", "130608", "130609", "130681", "130682", "130683")
# industry → (bags per shift hour, waste codes it produces, grams of a bag (low, high))
INDUSTRIES: dict[str, tuple[float, tuple[str, ...], tuple[int, int]]] = {
    "化学原料和化学制品制造业": (6.0, ("900-249-08", "261-084-45"), (20_000, 800_000)),
    "汽车制造业": (3.0, ("900-252-12", "900-041-49"), (10_000, 300_000)),
    "医药制造业": (2.0, ("271-001-02",), (5_000, 200_000)),
    "金属表面处理及热处理加工": (4.0, ("336-064-17",), (50_000, 1_000_000)),
    "涂料、油墨、颜料及类似产品制造": (3.0, ("264-011-12", "900-041-49"), (20_000, 500_000)),
}
WASTE_CODES = sorted({c for _, codes, _ in INDUSTRIES.values() for c in codes})


class FleetError(RuntimeError):
    """The hub refused something the fleet needs, or could not be reached."""


@dataclass
class Site:
    n: int
    role: str  # producer / transporter / receiver
    district: str
    industry: str | None = None
    key: Any = field(default_factory=generate_private_key, repr=False)
    seq: int = 0
    last_hash: str = GENESIS_HASH
    outbox: list[tuple[str, bytes]] = field(default_factory=list, repr=False)  # (kind, canonical bytes)
    batches: int = 0
    shift_start_ms: int = 0  # after midnight, China time
    shift_hours: int = 8
    outage: tuple[int, int] | None = None  # (from, to) device time, uplink down
    stock: list[tuple[str, str, int]] = field(default_factory=list)  # (code, waste code, grams)
    serials: dict[str, int] = field(default_factory=dict)  # per day and waste code
    token: str = ""
    plate: str = ""
    free_at: int = 0  # a carrier's truck: back from its last trip (device time)
    # Held while the site's chain grows and goes out: several manifests may call on one carrier at once.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def uscc(self) -> str:
        first17 = f"91{self.district}MA{self.n:07d}"
        return first17 + uscc_check_char(first17)

    @property
    def device_id(self) -> str:
        return f"fleet-{self.n:05d}"

    @property
    def name(self) -> str:
        kind = {"producer": "化工", "transporter": "危险货物运输", "receiver": "环境科技"}[self.role]
        return f"保定某{kind}{self.n}号有限公司"

    def record(self, kind: str, code: str, time_ms: int, **fields: Any) -> None:
        self.seq += 1
        event = Event(
            event_id=new_event_id(time_ms),
            device_id=self.device_id,
            seq=self.seq,
            prev_hash=self.last_hash,
            kind=kind,
            code=code,
            time_ms=time_ms,
            boot_id=f"boot-{self.n}",
            mono_ms=time_ms % 86_400_000,
            clock_synced=True,
            **fields,
        )
        self.last_hash = event.hash
        self.outbox.append((kind, event.canonical))

    def online(self, now_ms: int) -> bool:
        return self.outage is None or not (self.outage[0] <= now_ms < self.outage[1])

    def new_code(self, waste_code: str, time_ms: int) -> str:
        day = dt.datetime.fromtimestamp(time_ms / 1000, CHINA).strftime("%Y%m%d")
        key = f"{day}:{waste_code}"
        self.serials[key] = self.serials.get(key, 0) + 1
        return f"{self.uscc}{waste_code.replace('-', '')}{day}{self.serials[key]:03d}"


@dataclass
class Summary:
    sites: dict[str, int] = field(default_factory=dict)
    events: int = 0  # stored by the hub, by its receipts
    events_by_kind: dict[str, int] = field(default_factory=dict)
    bags: int = 0
    storage_records: int = 0  # 入库 + 出库
    manifests: int = 0
    receipts: int = 0  # bags re-weighed at a disposer
    gps_points: int = 0
    batches: int = 0
    outages: int = 0
    simulated_hours: int = 0
    wall_seconds: float = 0.0
    storm_events: int = 0  # with --storm: the backlog every site brought back at once
    storm_seconds: float = 0.0  # from the first site back to the last receipt of the backlog
    busy_answers: int = 0  # 503/429 answers honoured (the hub asked a site to come back later)


class Hub:
    """The hub's HTTP API over one kept-alive connection."""

    def __init__(self, url: str, patience: int = 5) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FleetError(f"not a hub URL: {url!r}")
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self.url = url
        self.conn = cls(parts.hostname, parts.port, timeout=120)
        self.patience = patience  # tries of one call (a busy hub's waits included)
        self.busy = 0  # 503/429 answers honoured

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str = "",
        ok: int = 200,
        renew: Callable[[], str] | None = None,
    ) -> Any:
        """`renew`: signs in again and gives the new session token, called once if the hub answers 401 (a
        session idle past the hub's timeout, as a person's is after a long break)."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode("utf-8")
        attempt = 0
        while attempt < self.patience:
            attempt += 1
            try:
                self.conn.request(method, path, body=data, headers=headers)
                answer = self.conn.getresponse()
                payload = answer.read()
            except (ConnectionError, http.client.HTTPException) as exc:
                self.conn.close()  # the server closed a kept-alive connection: open a new one
                if attempt == self.patience:
                    raise FleetError(f"{method} {path}: {exc}") from exc
                continue
            if answer.status in (429, 503) and attempt < self.patience:
                self.busy += 1  # the hub asked to wait: as long as it said, as a box does
                time.sleep(min(30.0, float(answer.getheader("Retry-After") or 1)))
                continue
            if answer.status == 401 and renew is not None:
                headers["Authorization"] = f"Bearer {renew()}"
                renew, attempt = None, attempt - 1  # once, and not counted as a try
                continue
            if answer.status != ok:
                raise FleetError(
                    f"{method} {path}: {answer.status} {payload[:400].decode('utf-8', 'replace')}"
                )
            return json.loads(payload) if payload else None
        raise FleetError(f"{method} {path}: no answer")

    def close(self) -> None:
        self.conn.close()


class Links:
    """`count` kept-alive connections to the hub, each used by one thread at a time."""

    def __init__(self, url: str, count: int, patience: int = 5) -> None:
        self.hubs = [Hub(url, patience) for _ in range(max(1, count))]

    @property
    def busy(self) -> int:
        return sum(hub.busy for hub in self.hubs)

    def each(self, work: Callable[[Hub, Any], None], items: list[Any]) -> None:
        """`work(hub, item)` for every item, in their order, over all connections at once; the first
        failure stops the rest and is raised here, in the caller's thread."""
        todo: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for item in items:
            todo.put(item)
        failures: list[Exception] = []

        def client(hub: Hub) -> None:
            try:
                while not failures:
                    try:
                        item = todo.get_nowait()
                    except queue.Empty:
                        return
                    work(hub, item)
            except Exception as exc:  # noqa: BLE001 - not lost in a thread: raised again by the caller
                failures.append(exc)

        threads = [threading.Thread(target=client, args=(hub,), daemon=True) for hub in self.hubs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]

    def close(self) -> None:
        for hub in self.hubs:
            hub.close()


@dataclass(frozen=True, slots=True)
class Pickup:
    """One producer's load, with everything drawn at random for it drawn beforehand."""

    producer: Site
    carrier: Site
    receiver: Site
    load: list[tuple[str, str, int]]  # (code, waste code, grams)
    weighed: list[int]  # each bag's 复磅 at the disposer
    now_ms: int


class MqttLink:
    """Batches over MQTT as the edge sends them; each receipt awaited on the device's receipts topic."""

    def __init__(self, url: str, timeout_s: float = 60.0) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        parts = urlsplit(url)
        self.timeout_s = timeout_s
        self.answers: dict[str, dict[str, Any]] = {}
        self.arrived = threading.Condition()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"wt-fleet-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
        )
        self.client.on_message = self._on_message
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.subscribe("wt/v1/+/+/receipts", qos=1)
        self.client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        answer = json.loads(message.payload)
        with self.arrived:
            self.answers[str(answer.get("batch_id"))] = answer
            self.arrived.notify_all()

    def send(self, site: Site, batch_id: str, raw: bytes) -> dict[str, Any]:
        info = self.client.publish(f"wt/v1/{site.uscc}/{site.device_id}/batches", raw, qos=1)
        info.wait_for_publish(self.timeout_s)
        with self.arrived:
            if not self.arrived.wait_for(lambda: batch_id in self.answers, self.timeout_s):
                raise FleetError(f"no receipt for {batch_id} over MQTT within {self.timeout_s:.0f} s")
            answer = self.answers.pop(batch_id)
        if answer.get("status") != 200:
            raise FleetError(f"batch {batch_id} refused over MQTT: {answer}")
        return dict(answer["receipt"])

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class Fleet:
    def __init__(
        self,
        hub: Hub,
        admin_token: str,
        sites: int,
        seed: int,
        start_ms: int,
        mqtt: MqttLink | None = None,
        pickup_hours: int = 4,
        min_pickup: int = 3,
        clients: int = 1,
    ) -> None:
        """`clients`: connections the sites' calls share (registration, sending, pickups)."""
        self.hub, self.admin_token, self.mqtt = hub, admin_token, mqtt
        self.links = Links(hub.url, clients)
        self.tally = threading.Lock()  # the summary, counted from every connection's thread
        self.rng = random.Random(seed)
        self.seed = seed
        self.start_ms = start_ms
        self.pickup_hours, self.min_pickup = pickup_hours, min_pickup
        self.summary = Summary()
        carriers = max(1, sites // 10)
        receivers = max(1, sites // 10)
        producers = max(1, sites - carriers - receivers)
        roles = ["producer"] * producers + ["transporter"] * carriers + ["receiver"] * receivers
        base = seed * 100_000
        self.sites = [Site(base + i, role, self.rng.choice(DISTRICTS)) for i, role in enumerate(roles)]
        self.summary.sites = {r: roles.count(r) for r in ("producer", "transporter", "receiver")}
        for s in self.producers:
            s.industry = self.rng.choice(sorted(INDUSTRIES))
            s.shift_start_ms = (7 * 60 + 30 + self.rng.randrange(0, 91)) * MINUTE_MS
            s.shift_hours = self.rng.choice((8, 8, 10, 12))

    @property
    def producers(self) -> list[Site]:
        return [s for s in self.sites if s.role == "producer"]

    def of(self, role: str) -> list[Site]:
        return [s for s in self.sites if s.role == role]

    # ----------------------------------------------------------------------------------------- set-up

    def register(self) -> None:
        """Enterprises, licences, vehicles, accounts and enrolled devices, all through the hub's API."""
        admin = f"fleet-admin-{self.seed}-{uuid.uuid4().hex[:6]}"
        self.sysadmin = self._account(self.hub, admin, "system_admin", {})
        self.today = dt.datetime.now(CHINA).date()
        self.links.each(self._register, self.sites)

    def _register(self, hub: Hub, s: Site) -> None:
        hub.call(
            "POST",
            "/api/v1/enterprises",
            {
                "uscc": s.uscc,
                "name": s.name,
                "region_code": s.district,
                "roles": [s.role],
                "industry": s.industry,
                "address": f"{s.name}厂区",
            },
            self.sysadmin,
            ok=201,
        )
        if s.role == "receiver":
            hub.call(
                "POST",
                f"/api/v1/enterprises/{s.uscc}/licences",
                {
                    "number": f"冀危许{s.n}",
                    "valid_from": f"{self.today.year - 1}-01-01",
                    "valid_to": f"{self.today.year + 4}-12-31",
                    "waste_codes": WASTE_CODES,
                    "annual_capacity_grams": 10**13,
                },
                self.sysadmin,
                ok=201,
            )
        role = {"producer": "enterprise", "transporter": "transporter", "receiver": "receiver"}[s.role]
        s.token = self._account(hub, f"fleet-{s.n}", role, {"enterprise_uscc": s.uscc})
        if s.role == "transporter":
            s.plate = f"冀F{s.n % 100_000:05d}"
            self._as(
                hub,
                s,
                "POST",
                f"/api/v1/enterprises/{s.uscc}/vehicles",
                {"plate": s.plate, "capacity_grams": 30_000_000},
                ok=201,
            )
        issued = hub.call(
            "POST",
            "/api/v1/enrolment-tokens",
            {"enterprise_uscc": s.uscc, "enterprise_name": s.name, "device_id": s.device_id},
            self.admin_token,
            ok=201,
        )
        hub.call(
            "POST",
            "/api/v1/devices/enrol",
            {"token": issued["token"], "device_id": s.device_id, "public_key": public_key_b64(s.key)},
            ok=201,
        )

    def _account(self, hub: Hub, username: str, role: str, scope: dict[str, str]) -> str:
        hub.call(
            "POST",
            "/api/v1/users",
            {"username": username, "display_name": username, "password": PASSWORD},
            self.admin_token,
            ok=201,
        )
        hub.call("PUT", f"/api/v1/users/{username}/role", {"role": role, **scope}, self.admin_token)
        session = self._session(hub, username)
        token = str(session["token"])
        if session.get("must_enrol_totp"):  # an administrator: set the second factor up, as its owner would
            shown = hub.call("POST", "/api/v1/me/totp", {}, token, ok=201)
            code = pyotp.TOTP(shown["secret"]).now()
            hub.call("POST", "/api/v1/me/totp/activate", {"code": code}, token)
        return token

    @staticmethod
    def _session(hub: Hub, username: str) -> dict[str, Any]:
        body = {"username": username, "password": PASSWORD}
        answer: dict[str, Any] = hub.call("POST", "/api/v1/sessions", body, ok=201)
        return answer

    def _as(self, hub: Hub, s: Site, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        """A call by the site's account. Its session, opened at registration, is renewed when the hub has
        ended it: registering a city's 4,200 sites takes longer than the hub's idle timeout."""

        def sign_in() -> str:
            s.token = str(self._session(hub, f"fleet-{s.n}")["token"])
            return s.token

        return hub.call(method, path, body, s.token, ok=ok, renew=sign_in)

    # ------------------------------------------------------------------------------------------ the day

    def plan_outages(self, hours: int, share: float = 0.05) -> None:
        """Some sites lose their uplink for 1 hour to most of the run; they catch up when it is back."""
        for s in self.producers:
            if self.rng.random() < share:
                begin = self.start_ms + self.rng.randrange(0, max(1, hours)) * HOUR_MS
                s.outage = (begin, begin + self.rng.randint(1, max(1, hours)) * HOUR_MS)
                self.summary.outages += 1

    def run(self, hours: int, storm: Storm | None = None) -> Summary:
        """Run `hours` simulated hours; with `storm`, every uplink is down until the end and all come back
        at once (`come_back`) before the last pickups."""
        started = time.perf_counter()
        if storm is None:
            self.plan_outages(hours)
        try:
            for h in range(hours):
                hour_ms = self.start_ms + h * HOUR_MS
                for s in self.producers:
                    self.produce(s, hour_ms)
                if storm is not None:
                    continue  # nobody is online: events wait in the outboxes, no truck is called
                end_ms = hour_ms + HOUR_MS
                self.links.each(self.flush, [s for s in self.sites if s.online(end_ms) and s.outbox])
                if (h + 1) % self.pickup_hours == 0 and h + 1 < hours:
                    self.pickups(end_ms)
            end_ms = self.start_ms + hours * HOUR_MS
            if storm is not None:
                self.come_back(storm)
            self.pickups(end_ms)
            self.links.each(self.flush, [s for s in self.sites if s.outbox])  # every site back online
        finally:
            self.summary.busy_answers += self.links.busy
            self.links.close()
        self.summary.simulated_hours = hours
        self.summary.wall_seconds = round(time.perf_counter() - started, 3)
        return self.summary

    def produce(self, s: Site, hour_ms: int) -> None:
        assert s.industry is not None
        rate, codes, (low, high) = INDUSTRIES[s.industry]
        since_midnight = (hour_ms + 8 * HOUR_MS) % 86_400_000  # China time
        shift_from, shift_to = s.shift_start_ms, s.shift_start_ms + s.shift_hours * HOUR_MS
        begin, end = max(since_midnight, shift_from), min(since_midnight + HOUR_MS, shift_to)
        if end <= begin:
            return
        bags = self._poisson(rate * (end - begin) / HOUR_MS)
        times = sorted(self.rng.randrange(begin, end) for _ in range(bags))
        for offset in times:
            t = hour_ms - since_midnight + offset
            waste = self.rng.choice(codes)
            grams = self.rng.randint(low, high)
            code = s.new_code(waste, t)
            s.record("commissioning", code, t, waste_code=waste, grams=grams, operator="张三",
                     place="危废仓库A", data={"container_type": "吨袋"})  # fmt: skip
            s.record("encoding", code, t + 4_000, operator="张三")
            s.record("storing", code, t + 90_000, operator="李四", data={"handler": "王五"})
            s.stock.append((code, waste, grams))
            self.summary.bags += 1
            self.summary.storage_records += 1

    def _poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def pickups(self, now_ms: int) -> None:
        """Producers with enough in stock ship it under a manifest, carried and received by real sites: drawn
        here, in the producers' order, then shipped over all connections at once."""
        carriers, receivers = self.of("transporter"), self.of("receiver")
        planned: list[Pickup] = []
        for s in self.producers:
            if len(s.stock) < self.min_pickup or not s.online(now_ms):
                continue
            carrier, receiver = self.rng.choice(carriers), self.rng.choice(receivers)
            load, s.stock = s.stock[:MAX_BATCH], s.stock[MAX_BATCH:]
            # 复磅 within ±0.5 %
            weighed = [grams + self.rng.randint(-grams // 200, grams // 200) for _, _, grams in load]
            for i, (code, _, _) in enumerate(load):
                s.record(
                    "staging_outbound", code, now_ms + i, operator="李四", data={"destination": receiver.name}
                )
            self.summary.storage_records += len(load)
            planned.append(Pickup(s, carrier, receiver, load, weighed, now_ms))
        self.links.each(self.ship, planned)

    def ship(self, hub: Hub, p: Pickup) -> None:
        """One manifest from the producer's 出库 to the disposer's confirmation. The carrier's and the
        disposer's parts each hold that site's lock: their chains carry only what the hub can place (a bag
        departs on a manifest already departed) and in order."""
        s, codes = p.producer, [code for code, _, _ in p.load]
        self.flush(hub, s)
        body = {
            "carrier_uscc": p.carrier.uscc,
            "receiver_uscc": p.receiver.uscc,
            "waste_description": "危险废物",
        }
        number = self._as(hub, s, "POST", "/api/v1/manifests", body, ok=201)["number"]
        self._as(hub, s, "POST", f"/api/v1/manifests/{number}/bags", {"codes": codes})
        self._as(hub, s, "POST", f"/api/v1/manifests/{number}/transitions", {"command": "submit"})
        carrier = p.carrier
        with carrier.lock:
            depart = max(p.now_ms + 30 * MINUTE_MS, carrier.free_at)  # a truck makes one trip at a time
            carrier.free_at = depart + 2 * HOUR_MS
            self._as(
                hub,
                carrier,
                "POST",
                f"/api/v1/manifests/{number}/transitions",
                {"command": "depart", "transport": {"vehicle_plate": carrier.plate, "driver": "赵六"}},
            )
            for i, code in enumerate(codes):
                carrier.record("departing", code, depart + i, data={"manifest": number})
            self.flush(hub, carrier)
            points = [
                {
                    "time_ms": depart + i * 5 * MINUTE_MS,
                    "lat_e6": 38_873_000 + i * 9_000,
                    "lon_e6": 115_464_000 + i * 7_000,
                }
                for i in range(12)
            ]
            path = f"/api/v1/vehicles/{quote(carrier.plate)}/positions"
            stored = self._as(hub, carrier, "POST", path, {"points": points})["stored"]
        arrive = depart + HOUR_MS
        with p.receiver.lock:
            for i, (code, grams) in enumerate(zip(codes, p.weighed, strict=True)):
                p.receiver.record("receiving", code, arrive + i * 20_000, grams=grams, operator="孙七",
                                  data={"manifest": number})  # fmt: skip
            self.flush(hub, p.receiver)
            confirm = {"command": "confirm"}
            self._as(hub, p.receiver, "POST", f"/api/v1/manifests/{number}/transitions", confirm)
        with self.tally:
            self.summary.gps_points += stored
            self.summary.manifests += 1
            self.summary.receipts += len(p.load)

    def come_back(self, storm: Storm) -> None:
        """Every site with a backlog back online, each at a random moment within `storm.within_s` seconds,
        sending over `storm.clients` connections of its own; a busy hub's waits are honoured."""
        backlog = sum(len(s.outbox) for s in self.sites)
        returns = [
            (at, self.sites[i])
            for at, i in sorted((self.rng.uniform(0, storm.within_s), i) for i in range(len(self.sites)))
            if self.sites[i].outbox
        ]
        links = Links(self.hub.url, storm.clients, patience=200)
        started = time.perf_counter()

        def back(hub: Hub, returning: tuple[float, Site]) -> None:
            at, site = returning
            # Real seconds, not simulated ones: this is the spread of the returns the hub must take.
            time.sleep(max(0.0, started + at - time.perf_counter()))
            self.flush(hub, site)

        try:
            links.each(back, returns)
        finally:
            self.summary.busy_answers += links.busy
            links.close()
        self.summary.storm_events = backlog
        self.summary.storm_seconds = round(time.perf_counter() - started, 3)

    def flush(self, hub: Hub, s: Site) -> None:
        """Send the site's outbox in batches over `hub`, each receipt checked."""
        while s.outbox:
            chunk, s.outbox = s.outbox[:MAX_BATCH], s.outbox[MAX_BATCH:]
            events = [canonical for _, canonical in chunk]
            s.batches += 1
            batch_id = f"{s.device_id}:{s.batches}"
            raw = seal_canonical_batch(s.key, s.device_id, batch_id, self.start_ms, events)
            if self.mqtt is not None:
                receipt = self.mqtt.send(s, batch_id, raw)
            else:
                receipt = hub.call("POST", "/api/v1/batches", raw)["receipt"]
            body = receipt["body"]
            if body["stored"] + body["duplicates"] != len(events):
                raise FleetError(f"batch {batch_id}: the receipt counts {body}, not {len(events)} events")
            with self.tally:
                self.summary.events += body["stored"]
                self.summary.batches += 1
                for kind, _ in chunk:
                    self.summary.events_by_kind[kind] = self.summary.events_by_kind.get(kind, 0) + 1


@dataclass(frozen=True, slots=True)
class Storm:
    """Every site's uplink down for the whole run, then all back within `within_s` seconds."""

    within_s: float = 60.0
    clients: int = 8


def default_start() -> int:
    """Today 00:00 China time: a simulated day starts at midnight, shifts from about 08:00."""
    today = dt.datetime.now(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(today.timestamp() * 1000)


def parse_start(text: str) -> int:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return int(moment.timestamp() * 1000)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wastetrace sim fleet", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sites",
        type=int,
        default=50,
        help="sites in all (≈80 %% producers, 10 %% carriers, 10 %% disposers)",
    )
    p.add_argument("--hub", required=True, help="the hub's base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--admin-token", required=True, help="the hub's admin token (WT_HUB_ADMIN_TOKEN)")
    p.add_argument("--transport", choices=["http", "mqtt"], default="http", help="how batches are sent")
    p.add_argument("--mqtt", default="mqtt://127.0.0.1:1883", help="the broker, with --transport mqtt")
    p.add_argument("--hours", type=int, default=24, help="simulated hours (fast-forwarded)")
    p.add_argument("--start", help="simulated start, ISO 8601 (China time if no offset; default today 00:00)")
    p.add_argument(
        "--seed", type=int, default=1, help="the same seed gives the same city (use a new one per hub)"
    )
    p.add_argument("--pickup-hours", type=int, default=4, help="hours between manifest pickups")
    p.add_argument("--summary", type=Path, help="also write the JSON summary to this file")
    p.add_argument(
        "--storm",
        action="store_true",
        help="every uplink down for the whole run, then all back at once (the reconnect storm; HTTP)",
    )
    p.add_argument(
        "--return-within", type=float, default=60.0, help="with --storm: seconds over which the sites return"
    )
    p.add_argument(
        "--clients",
        type=int,
        default=8,
        help="connections the sites share: registration, sending, pickups (--storm: the returning sites')",
    )
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.sites < 3:
        print(
            "wastetrace sim fleet: --sites must be at least 3 (a producer, a carrier, a disposer)",
            file=sys.stderr,
        )
        return 2
    if args.storm and args.transport != "http":
        print("wastetrace sim fleet: --storm sends over HTTP (MQTT: bench/bench_storm.py)", file=sys.stderr)
        return 2
    hub = Hub(args.hub)
    mqtt = MqttLink(args.mqtt) if args.transport == "mqtt" else None
    try:
        start = parse_start(args.start) if args.start else default_start()
        fleet = Fleet(
            hub,
            args.admin_token,
            args.sites,
            args.seed,
            start,
            mqtt,
            pickup_hours=args.pickup_hours,
            clients=args.clients,
        )
        fleet.register()
        storm = Storm(args.return_within, args.clients) if args.storm else None
        summary = fleet.run(args.hours, storm)
    except (FleetError, OSError) as exc:
        print(f"wastetrace sim fleet: {exc}", file=sys.stderr)
        return 1
    finally:
        hub.close()
        if mqtt is not None:
            mqtt.close()
    text = json.dumps(asdict(summary), ensure_ascii=False, indent=2)
    print(text)
    if args.summary:
        args.summary.write_text(text + "\n", encoding="utf-8")
    return 0

"""A whole site as separate processes, for bench_flush.py and torture.py (no benchmark here).

The hub (`wastetrace hub serve`), optionally a Mosquitto of our own and `wastetrace hub mqtt` workers, the
scale and printer simulators, and edge agents (`wastetrace edge run`), each in its own process group so it
can be killed with SIGKILL alone. Everything lives under one working folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.ledger import Ledger  # noqa: E402
from protocols.ledger import EventKind  # noqa: E402
from provisioning.client import enrol, request_token  # noqa: E402
from provisioning.keys import ensure_device_key  # noqa: E402

ADMIN = "bench-admin-token-0123456789abcdef"
USCC = "91130200699229617X"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(what: str, predicate: Any, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready within {timeout_s} s")
        time.sleep(0.05)


def get_json(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def post_json(url: str, body: Any, timeout: float = 30) -> tuple[int, Any]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def vm_kb(pid: int, field_name: str) -> int | None:
    """VmRSS or VmHWM (peak) of a process, in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Site:
    work: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.work / "logs").mkdir(parents=True, exist_ok=True)

    # -- processes ------------------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.work / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            cwd=self.work,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def wastetrace(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        return self.spawn(name, [sys.executable, "-m", "wastetrace.cli", *args], env)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    # -- the parts ------------------------------------------------------------------------------------

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['hub']}"

    @property
    def hub_env(self) -> dict[str, str]:
        return {
            "WT_HUB_ADMIN_TOKEN": ADMIN,
            "WT_HUB_DB": f"sqlite:///{self.work / 'hub.db'}",
            "WT_HUB_KEY_FILE": str(self.work / "hub-key.pem"),
            "WT_HUB_ENV": "development",
        }

    def start_hub(self) -> None:
        self.ports.setdefault("hub", free_port())
        self.wastetrace(
            "hub",
            "hub",
            "serve",
            "--port",
            str(self.ports["hub"]),
            "--log-level",
            "warning",
            env=self.hub_env,
        )
        wait_for("hub", lambda: _ok(f"{self.hub_url}/api/v1/health"))

    def start_broker(self) -> str:
        port = self.ports.setdefault("broker", free_port())
        state = self.work / "broker"
        state.mkdir(exist_ok=True)
        conf = state / "mosquitto.conf"
        conf.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {state}/\nautosave_interval 5\nmax_queued_messages 100000\n"
            f"user {os.environ.get('USER') or 'root'}\n"
        )
        self.spawn("broker", [MOSQUITTO, "-c", str(conf)])
        wait_for("mosquitto", lambda: port_open(port), 15)
        return f"mqtt://127.0.0.1:{port}"

    def start_mqtt_worker(self, index: int = 1) -> None:
        name = f"hub-mqtt-{index}"
        self.wastetrace(
            name,
            "hub",
            "mqtt",
            "--broker",
            f"mqtt://127.0.0.1:{self.ports['broker']}",
            "--client-id",
            f"hub-bench-{index}",
            "--log-level",
            "warning",
            env=self.hub_env,
        )
        wait_for(name, lambda: "consuming" in (self.work / "logs" / f"{name}.log").read_text(), 60)

    def start_simulators(self) -> None:
        self.ports.setdefault("scale_control", free_port())
        self.ports.setdefault("printer", free_port())
        self.wastetrace(
            "scale", "sim", "scale", "--link", str(self.work / "scale.tty"), "--settle-ms", "200",
            "--control-port", str(self.ports["scale_control"]),
        )  # fmt: skip
        self.wastetrace(
            "printer", "sim", "printer", "--port", str(self.ports["printer"]),
            "--out", str(self.work / "labels"), "--control-port", str(free_port()),
        )  # fmt: skip
        wait_for("scale", lambda: _ok(f"http://127.0.0.1:{self.ports['scale_control']}/weight"))
        wait_for("printer", lambda: port_open(self.ports["printer"]))

    def enrol_edge(self, device_id: str, *, transport: str = "http", batch_events: int = 500) -> Path:
        """Enrol a device the real way and write its edge.toml; return the config path."""
        folder = self.work / device_id
        folder.mkdir(exist_ok=True)
        token = request_token(self.hub_url, ADMIN, USCC, "唐山示范化工有限公司", device_id)["token"]
        enrolment = enrol(self.hub_url, token, device_id, ensure_device_key(folder / "device-key.pem"))
        port = free_port()
        self.ports[f"ui-{device_id}"] = port
        scale = self.work / "scale.tty"
        printer = self.ports.get("printer", 9)
        mqtt = (
            f'\n[mqtt]\nurl = "mqtt://127.0.0.1:{self.ports["broker"]}"\nsession_expiry_s = 3600\n'
            "receipt_timeout_s = 10\n"
            if transport == "mqtt"
            else ""
        )
        config = folder / "edge.toml"
        config.write_text(
            f"""[device]
id = "{device_id}"
key_file = "device-key.pem"
data_dir = "data"
min_free_mb = 50

[enterprise]
uscc = "{USCC}"
name = "唐山示范化工有限公司"
place = "危废贮存库 1号"

[hub]
url = "{self.hub_url}"
public_key = "{enrolment.hub_public_key}"
transport = "{transport}"
batch_events = {batch_events}
batch_bytes = 4000000
heartbeat_s = 10

[scale]
port = "{scale}"
stable_timeout_s = 10

[printer]
uri = "tcp://127.0.0.1:{printer}"
timeout_s = 3

[ui]
port = {port}
{mqtt}
[[waste_types]]
code = "900-249-08"
name = "废矿物油"
form = "液态"
""",
            encoding="utf-8",
        )
        return config

    def ui(self, device_id: str) -> str:
        return f"http://127.0.0.1:{self.ports[f'ui-{device_id}']}"

    def start_edge(self, device_id: str) -> subprocess.Popen[bytes]:
        proc = self.wastetrace(
            f"edge-{device_id}", "edge", "run", "--config", str(self.work / device_id / "edge.toml"),
            "--log-level", "WARNING",
        )  # fmt: skip
        wait_for(f"edge {device_id}", lambda: _ok(f"{self.ui(device_id)}/api/v1/status"), 60)
        return proc

    def ledger_path(self, device_id: str) -> Path:
        return self.work / device_id / "data" / "ledger.db"


def fill_ledger(path: Path, device_id: str, n: int) -> float:
    """Commit n events offline (5000 per transaction); return the seconds it took."""
    started = time.perf_counter()
    ledger = Ledger(path, device_id)
    done = 0
    prefix = f"{USCC}90024908"
    while done < n:
        chunk = min(5000, n - done)
        ledger.append_many(
            (
                EventKind.COMMISSIONING,
                f"{prefix}{(done + i):011d}",
                {"waste_code": "900-249-08", "grams": 12340},
            )
            for i in range(chunk)
        )
        done += chunk
    ledger.close()
    return time.perf_counter() - started


def _ok(url: str) -> bool:
    try:
        get_json(url, timeout=2)
        return True
    except (OSError, ValueError):
        return False

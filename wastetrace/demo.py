"""`wastetrace demo`: a hub on embedded SQLite, a simulated scale and printer, and an enrolled edge agent.

Each part runs as its own process and they talk over real sockets, as deployed: HTTP to the hub, a
pseudo-terminal to the scale, TCP 9100-style to the printer. With --headless it weighs and labels N bags
unattended and exits 0 only when every bag's trace at the hub holds its weighing and label events.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
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

from provisioning.client import enrol, request_token
from provisioning.keys import ensure_device_key

MARKER = ".wastetrace-demo"
ENTERPRISE_USCC = "91130200699229617X"
ENTERPRISE_NAME = "唐山示范化工有限公司"
DEVICE_ID = "edge-demo-001"
VIEWER = "demo-regulator"
WASTE_TYPES = [
    ("900-249-08", "废矿物油", "液态", "矿物油", "石油烃", "远离火源，防止泄漏"),
    ("900-041-49", "废包装桶及沾染物", "固态", "铁桶、塑料桶", "有机溶剂残留", "密闭存放，防止遗撒"),
    ("900-039-49", "废活性炭", "固态", "活性炭", "挥发性有机物", "密封贮存，防潮防火"),
    ("900-252-12", "废漆渣", "半固态", "漆渣", "苯系物", "远离火源，密闭存放"),
]


class DemoError(RuntimeError):
    pass


@dataclass
class Demo:
    out: Path
    python: str = sys.executable
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    viewer: dict[str, str] = field(default_factory=dict)  # a regulator's login, to read traces at the hub

    # -- processes -----------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.out / "logs" / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 - lives with the process
        self.procs[name] = subprocess.Popen(
            [self.python, "-m", "wastetrace.cli", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,
        )

    def wait_until(self, name: str, ready: Any, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise DemoError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            if ready():
                return
            time.sleep(0.1)
        raise DemoError(f"{name} did not come up within {timeout_s:.0f} s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 20) -> str:
        text = (self.out / "logs" / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                print(f"demo: {name} did not stop on SIGTERM; killed", file=sys.stderr)

    # -- the parts -----------------------------------------------------------------------------

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['hub']}"

    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['edge']}"

    @property
    def scale_control(self) -> str:
        return f"http://127.0.0.1:{self.ports['scale_control']}"

    def start(self) -> None:
        for name in ("hub", "edge", "printer", "printer_control", "scale_control"):
            self.ports[name] = free_port()
        admin_token = secrets.token_urlsafe(24)
        self.spawn(
            "hub",
            ["hub", "serve", "--db", f"sqlite:///{self.out / 'hub.db'}", "--port", str(self.ports["hub"])],
            env={
                "WT_HUB_ADMIN_TOKEN": admin_token,
                "WT_HUB_KEY_FILE": str(self.out / "hub-key.pem"),
                "WT_HUB_PUBLIC_URL": self.hub_url,
            },
        )
        self.spawn(
            "scale",
            [
                "sim",
                "scale",
                "--link",
                str(self.out / "scale.tty"),
                "--control-port",
                str(self.ports["scale_control"]),
            ],
        )
        self.spawn(
            "printer",
            [
                "sim",
                "printer",
                "--port",
                str(self.ports["printer"]),
                "--out",
                str(self.out / "labels"),
                "--control-port",
                str(self.ports["printer_control"]),
            ],
        )
        self.wait_until("hub", lambda: http_ok(f"{self.hub_url}/api/v1/health"))
        self.wait_until(
            "scale", lambda: (self.out / "scale.tty").exists() and http_ok(f"{self.scale_control}/weight")
        )
        self.wait_until("printer", lambda: tcp_open(self.ports["printer"]))

        token = request_token(self.hub_url, admin_token, ENTERPRISE_USCC, ENTERPRISE_NAME, DEVICE_ID)["token"]
        key_file = self.out / "edge" / "device-key.pem"
        enrolment = enrol(self.hub_url, token, DEVICE_ID, ensure_device_key(key_file))
        self.viewer = make_viewer(self.hub_url, admin_token)
        config = self.out / "edge.toml"
        config.write_text(edge_toml(self, enrolment.hub_public_key), encoding="utf-8")
        self.spawn("edge", ["edge", "run", "--config", str(config)])
        self.wait_until("edge", lambda: http_ok(f"{self.edge_url}/api/v1/status"), timeout_s=60)
        # Serving is not weighing: on a loaded machine the edge may still be retrying to open the scale's
        # port when its web server answers, and a bag posted then is refused (503). Wait for a reading.
        self.wait_until("edge", self.scale_connected, timeout_s=60)

    def scale_connected(self) -> bool:
        status = get_json(f"{self.edge_url}/api/v1/status") or {}
        scale = status.get("scale") or {}
        return scale.get("connected") is True and scale.get("last_reading_ms") is not None

    def watch(self) -> int:
        """Run until Ctrl-C; if a part dies, say which and stop the rest."""
        try:
            while True:
                for name, proc in self.procs.items():
                    if proc.poll() is not None:
                        print(
                            f"demo: {name} stopped ({proc.returncode}):\n{self.log_tail(name)}",
                            file=sys.stderr,
                        )
                        return 1
                time.sleep(1)
        except KeyboardInterrupt:
            print("\ndemo: stopping", flush=True)
            return 0

    # -- headless run --------------------------------------------------------------------------

    def weigh_bags(self, n: int, seed: int) -> list[dict[str, Any]]:
        rng = random.Random(seed)
        bags = []
        for i in range(n):
            waste_code = WASTE_TYPES[i % len(WASTE_TYPES)][0]
            grams = rng.randrange(500, 50_000, 10)
            post_json(f"{self.scale_control}/weight", {"grams": grams})
            status, body = post_json(
                f"{self.edge_url}/api/v1/weighings", {"waste_code": waste_code}, timeout=60
            )
            if status != 201:
                raise DemoError(
                    f"bag {i + 1}: the edge refused ({status}): {body.get('message_zh')} / {body}"
                )
            if body["grams"] != grams:
                raise DemoError(f"bag {i + 1}: weighed {body['grams']} g, but {grams} g was put on the scale")
            bags.append(
                {
                    "code": body["code"],
                    "grams": body["grams"],
                    "waste_code": waste_code,
                    "printed": body["printed"],
                    "trace_url": body["trace_url"],
                }
            )
            post_json(f"{self.scale_control}/weight", {"grams": 0})
            print(
                f"  bag {i + 1}/{n}: {body['code']}  {grams / 1000:.3f} kg  {body['message_zh']}", flush=True
            )
        return bags

    def check_at_hub(self, bags: list[dict[str, Any]], timeout_s: float = 60.0) -> list[str]:
        """Wait until every bag's trace holds its weighing and label events; return the problems left."""
        deadline = time.monotonic() + timeout_s
        missing = {b["code"] for b in bags}
        while missing and time.monotonic() < deadline:
            for code in sorted(missing):
                trace = get_json(f"{self.hub_url}/api/v1/packages/{code}/trace", self.viewer["headers"])
                kinds = {e["kind"] for e in (trace or {}).get("events", [])}
                if {"commissioning", "encoding"} <= kinds:
                    missing.discard(code)
            if missing:
                time.sleep(0.5)
        return [f"{code}: weighing or label event not at the hub" for code in sorted(missing)]


def edge_toml(demo: Demo, hub_key: str) -> str:
    types = "\n".join(
        f'[[waste_types]]\ncode = "{c}"\nname = "{n}"\nform = "{f}"\nmain_components = "{m}"\n'
        f'harmful_components = "{h}"\nprecautions = "{p}"\n'
        for c, n, f, m, h, p in WASTE_TYPES
    )
    return f"""# Written by `wastetrace demo`. See docs/edge-config.md for every key.
[device]
id = "{DEVICE_ID}"
key_file = "edge/device-key.pem"
data_dir = "edge/data"

[enterprise]
uscc = "{ENTERPRISE_USCC}"
name = "{ENTERPRISE_NAME}"
contact = "王工 0315-1234567"
place = "危废贮存库 1号"

[hub]
url = "{demo.hub_url}"
public_url = "{demo.hub_url}"
public_key = "{hub_key}"

[scale]
port = "{demo.out / "scale.tty"}"
baudrate = 9600
protocol = "and_st"

[printer]
uri = "tcp://127.0.0.1:{demo.ports["printer"]}"

[ui]
host = "127.0.0.1"
port = {demo.ports["edge"]}

[demo]
scale_control_url = "{demo.scale_control}"

{types}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def make_viewer(hub_url: str, admin_token: str) -> dict[str, Any]:
    """A regulator of the demo enterprise's province (the trace is for logged-in readers); its login."""
    username, password = VIEWER, secrets.token_urlsafe(12)
    admin = {"Authorization": f"Bearer {admin_token}"}
    account = {"username": username, "display_name": "演示监管员", "password": password}
    for method, url, body in (
        ("POST", f"{hub_url}/api/v1/users", account),
        ("PUT", f"{hub_url}/api/v1/users/{username}/role", {"role": "regulator", "region_code": "130000"}),
    ):
        status, answer = post_json(url, body, headers=admin, method=method)
        if status not in (200, 201):
            raise DemoError(f"could not make the demo's regulator account ({status}): {answer}")
    status, answer = post_json(f"{hub_url}/api/v1/sessions", {"username": username, "password": password})
    if status != 201:
        raise DemoError(f"could not log in as the demo's regulator ({status}): {answer}")
    headers = {"Authorization": f"Bearer {answer['token']}"}
    return {"username": username, "password": password, "headers": headers}


def get_json(url: str, headers: dict[str, str] | None = None) -> dict | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError:
        return None


def post_json(
    url: str, body: dict, timeout: float = 10, headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[int, dict]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise DemoError(f"{out} is not empty and was not made by the demo; choose another --out")
        shutil.rmtree(out)
    (out / "logs").mkdir(parents=True)
    (out / MARKER).write_text("made by wastetrace demo; removed and remade by the next run\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wastetrace demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("demo-out"), help="folder for the hub db, labels, logs"
    )
    parser.add_argument("--headless", action="store_true", help="weigh --bags bags unattended, then exit")
    parser.add_argument("--bags", type=int, default=3, help="bags to weigh in --headless mode")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the simulated weights")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    try:
        prepare_out(out)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    demo = Demo(out)
    try:
        demo.start()
        print(f"hub:         {demo.hub_url}/", flush=True)
        print(f"touchscreen: {demo.edge_url}/", flush=True)
        print(f"log in:      {demo.hub_url}/login  {VIEWER} / {demo.viewer['password']}", flush=True)
        print(f"output:      {out}", flush=True)
        if not args.headless:
            print("Press Ctrl-C to stop.", flush=True)
            return demo.watch()
        bags = demo.weigh_bags(args.bags, args.seed)
        problems = demo.check_at_hub(bags)
        labels = sorted((out / "labels").glob("label-*.png"))
        for bag, png in zip(bags, labels, strict=False):
            bag["label_png"] = str(png.relative_to(out))
        (out / "summary.json").write_text(
            json.dumps(
                {"hub": demo.hub_url, "bags": bags, "problems": problems}, ensure_ascii=False, indent=2
            ),
            encoding="utf-8",
        )
        if len(labels) != len(bags):
            problems.append(f"{len(bags)} bags weighed but {len(labels)} labels printed")
        for p in problems:
            print(f"demo: {p}", file=sys.stderr)
        print(
            f"demo: {len(bags)} bags weighed, labelled and traced at the hub"
            if not problems
            else f"demo: {len(problems)} problem(s)",
            flush=True,
        )
        return 0 if not problems else 1
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        demo.stop()

"""The headless demo, as a newcomer runs it: separate processes over real sockets, checked at the hub."""

import json
import re
import socket
import sqlite3
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image

from wastetrace.demo import DemoError, check_public_url

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The address a phone on the LAN would open; "localhost" so the QR visibly carries it, not 127.0.0.1.
PUBLIC_URL = f"http://localhost:{free_port()}"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "wastetrace.cli", "demo", "--headless", "--bags", "3"),
            *("--out", str(out), "--public-url", PUBLIC_URL + "/"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out, result


def test_headless_demo_exits_zero(demo_run):
    out, result = demo_run
    assert result.returncode == 0, result.stdout + result.stderr


def test_summary_lists_every_bag_with_grams_and_trace_url(demo_run):
    out, _ = demo_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["bags"]) == 3 and summary["problems"] == []
    for bag in summary["bags"]:
        assert len(bag["code"]) == 37 and isinstance(bag["grams"], int) and bag["grams"] > 0
        assert bag["trace_url"] == f"{PUBLIC_URL}/t/{bag['code']}"


def test_the_simulators_control_ports_are_printed_and_answer(demo_run):
    _, result = demo_run
    scale = re.search(r"^scale sim: +(http://\S+/weight)", result.stdout, re.MULTILINE)
    printer = re.search(r"^printer sim: +(http://\S+)/fault", result.stdout, re.MULTILINE)
    assert scale and printer, result.stdout
    assert f"QR codes:    {PUBLIC_URL}/t/" in result.stdout


@pytest.mark.parametrize("url", ["192.168.1.20:8000", "ftp://x", "http://x/hub", "http://x:port", "http://"])
def test_a_public_url_that_a_phone_cannot_open_is_refused(url):
    with pytest.raises(DemoError):
        check_public_url(url)


def test_a_public_url_loses_its_trailing_slash():
    assert check_public_url("http://192.168.1.20:8000/") == "http://192.168.1.20:8000"


def test_each_printed_label_qr_names_its_bag(demo_run):
    out, _ = demo_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for bag in summary["bags"]:
        decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(out / bag["label_png"]))]
        assert decoded == [bag["trace_url"]]


def test_hub_database_holds_weighing_and_label_events_once(demo_run):
    out, _ = demo_run
    db = sqlite3.connect(out / "hub.db")
    rows = db.execute("SELECT code, kind, COUNT(*) FROM events GROUP BY code, kind").fetchall()
    assert len(rows) == 6
    assert {kind for _, kind, _ in rows} == {"commissioning", "encoding"}
    assert all(count == 1 for _, _, count in rows)

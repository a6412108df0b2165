"""The headless demo, as a newcomer runs it: separate processes over real sockets, checked at the hub."""

import json
import sqlite3
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "wastetrace.cli", "demo", "--headless", "--bags", "3", "--out", str(out)],
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
        assert bag["trace_url"].endswith(f"/t/{bag['code']}")


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

"""The kill -9 torture, bounded for CI: the full run is `python bench/torture.py --kills 100`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability_support import MOSQUITTO, unavailable

ROOT = Path(__file__).resolve().parent.parent


def torture(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "torture.py"),
            "--work",
            str(tmp_path / "site"),
            "--json",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
def test_an_edge_killed_15_times_and_a_hub_killed_during_ingest_lose_and_double_nothing(tmp_path):
    result = torture(tmp_path, "--kills", "15", "--hub-every-s", "6", "--seed", "3", "--backlog", "5000")
    assert result["ok"], result["problems"]
    assert result["hub_kills"] >= 1 and result["labels_printed"] >= 1
    assert result["events"] == result["events_checked"] >= 5002


@pytest.mark.slow
def test_the_same_over_mqtt_with_the_hub_worker_killed(tmp_path):
    if not Path(MOSQUITTO).exists():
        unavailable("the mosquitto binary is not installed")
    result = torture(
        tmp_path,
        "--kills",
        "6",
        "--transport",
        "mqtt",
        "--hub-every-s",
        "5",
        "--seed",
        "4",
        "--backlog",
        "3000",
    )
    assert result["ok"], result["problems"]
    assert result["labels_printed"] >= 1

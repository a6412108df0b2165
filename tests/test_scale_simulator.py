"""The simulated indicator: its display model, its control API and its command line."""

import random
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from protocols.scale import NEED_DATA, AndStParser, Reading
from simulators.scale import IndicatorDisplay, ScaleSimulator, round_to_division

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def sim(tmp_path):
    simulator = ScaleSimulator(tmp_path / "scale.tty", capacity_grams=150_000, seed=1)
    await simulator.start()
    yield simulator
    await simulator.stop()


def test_display_moves_with_jitter_then_settles_exactly_on_the_target():
    display = IndicatorDisplay(division_g=10, settle_ms=800, rng=random.Random(3))
    display.set_target(12345, at_ms=0)
    moving = [display.show(t) for t in range(0, 800, 100)]
    assert all(not settled and grams % 10 == 0 for grams, settled in moving)
    assert display.show(800) == (12340, True)
    assert display.show(5000) == (12340, True)


def test_round_to_division_rounds_ties_to_even():
    assert [round_to_division(g, 10) for g in (12344, 12345, 12355, 12356, -5, -15)] == [
        12340,
        12340,
        12360,
        12360,
        0,
        -20,
    ]


def test_simulator_refuses_a_division_finer_than_a_gram(tmp_path):
    with pytest.raises(ValueError):
        ScaleSimulator(tmp_path / "scale.tty", unit="kg", decimals=4)


def test_frames_are_a_and_d_frames_with_the_settled_weight(tmp_path):
    simulator = ScaleSimulator(tmp_path / "scale.tty", settle_ms=0, seed=1, control_port=None)
    sent: list[bytes] = []
    simulator._write = sent.append
    simulator.set_target(12340)
    simulator._emit()
    parser = AndStParser()
    parser.receive_data(b"".join(sent))
    assert parser.next_event() == Reading(12340, True, "gross", "ok", b"ST,GS,+0012.34kg")
    assert parser.next_event() is NEED_DATA


async def test_get_weight_reports_target_shown_and_stable_with_cors(sim):
    async with aiohttp.ClientSession() as session, session.get(sim.control_url + "/weight") as resp:
        body = await resp.json()
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert {"target_grams": 0, "shown_grams": 0, "stable": True}.items() <= body.items()


async def test_post_weight_sets_the_target(sim):
    async with aiohttp.ClientSession() as session:
        async with session.post(sim.control_url + "/weight", json={"grams": 4000}) as resp:
            assert resp.status == 200
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
        async with session.get(sim.control_url + "/weight") as resp:
            assert (await resp.json())["target_grams"] == 4000


@pytest.mark.parametrize(
    "body",
    [{"grams": "12"}, {"grams": 1.5}, {"grams": -1}, {"grams": 150_001}, {"grams": True}, {}, [12], "x"],
)
async def test_post_weight_refuses_anything_but_grams_within_capacity(sim, body):
    async with aiohttp.ClientSession() as session:
        async with session.post(sim.control_url + "/weight", json=body) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"]
        async with session.get(sim.control_url + "/weight") as resp:
            assert (await resp.json())["target_grams"] == 0


async def test_post_weight_refuses_a_body_that_is_not_json(sim):
    async with aiohttp.ClientSession() as session:
        async with session.post(sim.control_url + "/weight", data=b"grams=5") as resp:
            assert resp.status == 400


async def test_post_fault_refuses_an_unknown_fault(sim):
    async with aiohttp.ClientSession() as session:
        async with session.post(sim.control_url + "/fault", json={"fault": "fire"}) as resp:
            assert resp.status == 400
        async with session.post(sim.control_url + "/fault", json={"fault": "silent"}) as resp:
            assert resp.status == 200 and (await resp.json())["fault"] == "silent"


async def test_preflight_allows_a_page_on_another_origin(sim):
    headers = {"Origin": "http://127.0.0.1:9999", "Access-Control-Request-Method": "POST"}
    async with aiohttp.ClientSession() as session:
        async with session.options(sim.control_url + "/weight", headers=headers) as resp:
            assert resp.status == 204
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
            assert "POST" in resp.headers["Access-Control-Allow-Methods"]
            assert "Content-Type" in resp.headers["Access-Control-Allow-Headers"]


async def test_stop_removes_the_link(tmp_path):
    simulator = ScaleSimulator(tmp_path / "scale.tty", control_port=None)
    await simulator.start()
    assert (tmp_path / "scale.tty").resolve() == Path(simulator.device)
    await simulator.stop()
    assert not (tmp_path / "scale.tty").exists()


def test_command_line_announces_link_and_control_url_then_stops_on_sigterm(tmp_path):
    link = tmp_path / "x" / "scale.tty"
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from simulators.cli import main; sys.exit(main(sys.argv[1:]))"]
        + ["scale", "--link", str(link), "--control-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"scale simulator: {link} (control http://127.0.0.1:"), line
        assert link.is_symlink()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
    assert not link.exists()

"""`wastetrace edge scale-detect`: against the simulated indicator on a pty, for several profiles (and a
Toledo terminal with its checksum option on), it names a profile that reads the weight on the scale and
prints the [[scales]] block to paste."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tomllib
from dataclasses import replace

import pytest

from edge.scales.detect import detect, report, settings_to_try
from edge.scales.profiles import load_profile, profile_names
from simulators.scale import ScaleSimulator
from tests.label_support import ROOT

CASES = ["and-ad4401", "yaohua-xk3190-a9", "toledo-8217", "keli-xk3118t1-command", "mettler-toledo-mtsics"]


def simulator(link, profile):
    kwargs = {"hz": 20, "settle_ms": 0, "seed": 5, "control_port": None, "initial_grams": 12340}
    return ScaleSimulator.from_profile(link, profile, **kwargs)


def test_the_profiles_own_settings_are_tried_first_then_the_usual_ones():
    tried = settings_to_try([load_profile(n) for n in profile_names()])
    assert (tried[0].baudrate, tried[0].bytesize, tried[0].parity) == (9600, 8, "N")
    assert {s.baudrate for s in tried} >= {1200, 2400, 4800, 9600, 19200, 38400, 115200}
    assert len(tried) == len(set(tried))


@pytest.mark.parametrize("name", CASES)
async def test_the_indicator_on_the_port_is_named_with_its_readings(tmp_path, name):
    profile = load_profile(name)
    async with simulator(tmp_path / "scale.tty", profile) as sim:
        found = await asyncio.to_thread(detect, str(sim.link), listen_s=1.0)
    assert found is not None
    names = [found.best.profile.name, *(c.profile.name for c in found.also)]
    assert name in names, names
    # Some protocols read each other's frames (the indicator's display tells them apart): the profile
    # on the scale is the best or one of the equally good, and it reads the weight on the scale.
    named = next(c for c in [found.best, *found.also] if c.profile.name == name)
    assert 12340 in named.readings and 12340 in found.best.readings
    assert found.polled == (profile.mode == "command")
    block = report(found, str(sim.link)).split("# paste into the box's TOML (docs/edge-config.md):\n")[1]
    table = tomllib.loads(block)["scales"][0]
    assert table == {"name": "scale", "port": str(sim.link), "profile": found.best.profile.name}


async def test_a_toledo_terminal_with_the_checksum_option_is_detected_and_verified(tmp_path):
    shipped = load_profile("mettler-toledo-continuous")
    terminal = replace(shipped, frame=replace(shipped.frame, checksum=True))
    async with simulator(tmp_path / "scale.tty", terminal) as sim:
        found = await asyncio.to_thread(detect, str(sim.link), listen_s=1.0)
    assert found is not None and found.best.profile.name == "mettler-toledo-continuous"
    assert found.best.checksum_seen is True and found.best.garbled == 0
    assert "checksum byte" in report(found, "/dev/ttyUSB0")


async def test_a_silent_port_names_nothing_and_exits_1(tmp_path):
    profile = load_profile("and-ad4401")
    async with simulator(tmp_path / "scale.tty", profile) as sim:
        sim.set_fault("silent")

        def run() -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "wastetrace.cli", "edge", "scale-detect", "--port", str(sim.link),
                 "--listen", "0.2", "--baud", "9600"],
                cwd=ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip

        result = await asyncio.to_thread(run)
    assert result.returncode == 1 and "no shipped profile" in result.stderr
    assert "9600 8N1: silent" in result.stderr

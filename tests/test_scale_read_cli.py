"""`wastetrace edge scale-read`: the installer's tool, run as a command against a simulated indicator."""

import asyncio
import json
import sys
from pathlib import Path

import aiohttp

from simulators.scale import ScaleSimulator
from simulators.scale_profiles import load_profile

ROOT = Path(__file__).resolve().parents[1]


async def scale_read(*args, timeout_s=30):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wastetrace.cli",
        "edge",
        "scale-read",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    return proc.returncode, out.decode(), err.decode()


async def test_json_lines_carry_grams_stable_kind_and_status_through_garbage(tmp_path):
    profile = load_profile("yaohua-xk3190-a9")
    sim = ScaleSimulator.from_profile(
        tmp_path / "scale.tty", profile, settle_ms=0, initial_grams=12340, seed=5
    )
    async with sim:
        sim.set_fault("garbage")
        code, out, err = await scale_read(
            "--profile", "yaohua-xk3190-a9", "--port", str(sim.link), "--json", "--count", "40"
        )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 40
    assert all({"grams", "stable", "kind", "status"} <= line.keys() for line in lines)
    ok = [line for line in lines if line["status"] == "ok"]
    garbled = [line for line in lines if line["status"] == "garbled"]
    assert ok and garbled
    assert {line["grams"] for line in ok} == {12340} and {line["kind"] for line in ok} == {"gross"}
    assert all(line["grams"] is None and line["reason"] for line in garbled)
    assert all(line["flag"] is None for line in ok)  # the 12-byte frame has no stable flag


async def test_a_stable_command_scale_is_reported_stable(tmp_path):
    profile = load_profile("mettler-toledo-mtsics")
    sim = ScaleSimulator.from_profile(tmp_path / "scale.tty", profile, settle_ms=0, initial_grams=2500)
    async with sim:
        code, out, err = await scale_read(
            "--profile", "mettler-toledo-mtsics", "--port", str(sim.link), "--json", "--count", "8"
        )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1] | {"time_ms": 0, "raw": ""} == {
        "time_ms": 0,
        "grams": 2500,
        "stable": True,
        "kind": "net",
        "status": "ok",
        "flag": True,
        "tare_grams": None,
        "raw": "",
    }


async def test_overload_is_reported_without_grams(tmp_path):
    profile = load_profile("and-ad4401")
    async with ScaleSimulator.from_profile(tmp_path / "scale.tty", profile, control_port=0) as sim:
        async with (
            aiohttp.ClientSession() as s,
            s.post(sim.control_url + "/fault", json={"fault": "overload"}),
        ):
            pass
        code, out, _ = await scale_read(
            "--profile", "and-ad4401", "--port", str(sim.link), "--json", "--count", "3"
        )
    assert code == 0
    assert [(line["status"], line["grams"]) for line in map(json.loads, out.splitlines())] == [
        ("overload", None)
    ] * 3


async def test_no_scale_on_the_port_is_reported_as_no_data(tmp_path):
    code, out, _ = await scale_read(
        "--profile", "and-ad4401", "--port", str(tmp_path / "nothing.tty"), "--json", "--count", "1"
    )
    (line,) = map(json.loads, out.splitlines())
    assert code == 0
    assert (line["status"], line["grams"], line["stable"], line["connected"]) == (
        "no-data",
        None,
        False,
        False,
    )


async def test_human_output_shows_the_weight_in_kg(tmp_path):
    profile = load_profile("keli-xk3118t1")
    async with ScaleSimulator.from_profile(
        tmp_path / "scale.tty", profile, initial_grams=23450, settle_ms=0
    ) as sim:
        code, out, _ = await scale_read("--profile", "keli-xk3118t1", "--port", str(sim.link), "--count", "2")
    assert code == 0
    header, *lines = out.splitlines()
    assert "XK3118T1" in header and len(lines) == 2
    assert all("23.450 kg" in line for line in lines)


async def test_an_unknown_profile_is_refused_with_the_known_ones(tmp_path):
    code, _, err = await scale_read("--profile", "no-such", "--port", "/dev/null")
    assert code == 2
    assert "no-such" in err and "yaohua-xk3190-a9" in err

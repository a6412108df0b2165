"""Every shipped indicator profile over a real pseudo-terminal: the simulator speaks the profile's
protocol (answering polls in command mode), the edge reads it with the same profile."""

import asyncio

import pytest
from waiting import wait_for

from edge.scales.errors import ScaleNotConnected, ScaleNotStable
from edge.scales.profiles import SHIPPED, load_profile
from edge.scales.reader import ScaleReader
from simulators.scale import ScaleSimulator

PROFILES = sorted(p.stem for p in SHIPPED.glob("*.toml"))
# One of each kind: flagless continuous with a check, '=' frames without one, flagged continuous, and
# command mode with and without a flag.
LINE_FAULTS = [
    ("yaohua-xk3190-a9", "garbage"),
    ("yaohua-xk3190-a23p", "torn"),
    ("mettler-toledo-continuous", "garbage"),
    ("toledo-8217", "torn"),
    ("keli-xk3118t1-command", "garbage"),
    ("mettler-toledo-mtsics", "torn"),
]


def simulator(link, profile, grams=12340, **kwargs):
    kwargs = {"hz": 25, "settle_ms": 0, "seed": 3, "control_port": None, "initial_grams": grams} | kwargs
    return ScaleSimulator.from_profile(link, profile, **kwargs)


def test_there_is_a_profile_for_every_protocol():
    from protocols.scale import PROTOCOLS

    assert {load_profile(name).protocol for name in PROFILES} == set(PROTOCOLS)


async def each(cases, check):
    """Run `check(case)` for every case at once (they mostly wait on timers); name the ones that fail."""
    results = await asyncio.gather(*(check(case) for case in cases), return_exceptions=True)
    failed = {repr(case): result for case, result in zip(cases, results, strict=True) if result is not None}
    assert not failed, failed


async def test_every_profile_reads_the_stable_weight_its_indicator_shows(tmp_path):
    async def check(name):
        profile = load_profile(name)
        async with simulator(tmp_path / name / "scale.tty", profile) as sim:
            reader = ScaleReader.from_profile(str(sim.link), profile)
            await reader.start()
            try:
                assert await reader.wait_stable(15) == 12340
                state = reader.state()
                assert (state.status, state.grams, state.protocol, state.mode) == (
                    "connected",
                    12340,
                    profile.protocol,
                    profile.mode,
                )
                assert profile.mode == "continuous" or sim.requests_answered > 0
            finally:
                await reader.stop()

    await each(PROFILES, check)


async def test_line_faults_never_give_a_wrong_stable_weight(tmp_path):
    async def check(case):
        name, fault = case
        profile = load_profile(name)
        async with simulator(tmp_path / name / "scale.tty", profile, grams=0, settle_ms=150, hz=50) as sim:
            reader = ScaleReader.from_profile(str(sim.link), profile)
            await reader.start()
            try:
                sim.set_fault(fault)
                sim.set_target(12340)
                await asyncio.sleep(0.2)
                try:
                    assert await reader.wait_stable(4) == 12340
                except ScaleNotStable:
                    pass  # refusing to weigh on a bad line is allowed; a wrong weight is not
                assert reader.state().garbled_count > 0
            finally:
                await reader.stop()

    await each(LINE_FAULTS, check)


async def test_a_moving_load_is_never_stable(tmp_path):
    async def check(case):
        name, fault = case
        profile = load_profile(name)
        async with simulator(tmp_path / name / "scale.tty", profile) as sim:
            reader = ScaleReader.from_profile(str(sim.link), profile)
            await reader.start()
            try:
                sim.set_fault(fault)
                await asyncio.sleep(0.1)
                with pytest.raises(ScaleNotStable):
                    await reader.wait_stable(2)
                sim.set_fault("none")
                assert await reader.wait_stable(10) == 12340
            finally:
                await reader.stop()

    # a division every 200 ms against a tolerance of 0 g; noise of ±10 g against 10 g; a swing flagged D
    await each(
        [("yaohua-xk3190-a9", "drift"), ("and-ad4401", "noise"), ("mettler-toledo-mtsics", "motion")], check
    )


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("yaohua-xk3190-a12e", "overload"),
        ("mettler-toledo-continuous", "underload"),
        ("toledo-8217", "overload"),
        ("mettler-toledo-mtsics", "underload"),
    ],
)
async def test_out_of_range_is_reported_and_never_stable(tmp_path, name, fault):
    profile = load_profile(name)
    async with simulator(tmp_path / "scale.tty", profile) as sim:
        reader = ScaleReader.from_profile(str(sim.link), profile)
        await reader.start()
        try:
            sim.set_fault(fault)
            await wait_for(lambda: reader.state().status == fault)
            with pytest.raises(ScaleNotStable):
                await reader.wait_stable(1)
        finally:
            await reader.stop()


@pytest.mark.parametrize("name", ["yaohua-xk3190-a9", "toledo-8217"])
async def test_unplug_and_replug_at_the_same_path_weighs_again(tmp_path, name):
    profile = load_profile(name)
    async with simulator(tmp_path / "by-id" / "usb-scale", profile) as sim:
        reader = ScaleReader.from_profile(str(sim.link), profile)
        await reader.start()
        try:
            assert await reader.wait_stable(10) == 12340
            sim.unplug()
            assert not sim.link.exists()
            await wait_for(lambda: reader.state().status == "disconnected")
            with pytest.raises(ScaleNotConnected):
                await reader.wait_stable(1)
            sim.set_target(3000)
            sim.replug()
            await wait_for(lambda: reader.state().connected, timeout_s=15)
            assert await reader.wait_stable(10) == 3000
        finally:
            await reader.stop()


async def test_a_command_scale_that_stops_answering_shows_no_data_and_missed_polls(tmp_path):
    profile = load_profile("yaohua-xk3190-a9-command")
    async with simulator(tmp_path / "scale.tty", profile) as sim:
        reader = ScaleReader.from_profile(str(sim.link), profile)
        await reader.start()
        try:
            assert await reader.wait_stable(10) == 12340
            sim.set_fault("silent")
            await wait_for(lambda: reader.state().status == "no-data")
            assert reader.state().missed_polls > 0
            with pytest.raises(ScaleNotConnected):
                await reader.wait_stable(5)
        finally:
            await reader.stop()


async def test_a_command_scale_at_another_address_is_never_read(tmp_path):
    from dataclasses import replace

    profile = load_profile("yaohua-xk3190-a9-command")
    other = replace(profile, frame=replace(profile.frame, address="B"))
    async with simulator(tmp_path / "scale.tty", other) as sim:
        reader = ScaleReader.from_profile(str(sim.link), profile)
        await reader.start()
        try:
            with pytest.raises(ScaleNotConnected):
                await reader.wait_stable(4)
            assert sim.requests_answered == 0
        finally:
            await reader.stop()

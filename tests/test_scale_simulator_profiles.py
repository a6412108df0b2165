"""The simulated indicator speaking each profile: what it sends, what it answers, and pulling its cable."""

import asyncio
import os
import time

import aiohttp
import pytest

from protocols.scale import NEED_DATA, Reading, Reply
from simulators.scale import ScaleSimulator
from simulators.scale_profiles import SHIPPED, load_profile

CONTINUOUS = sorted(p.stem for p in SHIPPED.glob("*.toml") if load_profile(p.stem).mode == "continuous")
COMMAND = sorted(p.stem for p in SHIPPED.glob("*.toml") if load_profile(p.stem).mode == "command")


def events(parser, data):
    parser.receive_data(data)
    out = []
    while (event := parser.next_event()) is not NEED_DATA:
        out.append(event)
    return out


def captured(sim):
    sent = []
    sim._write = sent.append
    return sent


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_output_parses_with_the_same_profile(tmp_path, name):
    profile = load_profile(name)
    sim = ScaleSimulator.from_profile(tmp_path / "s.tty", profile, settle_ms=0, control_port=None)
    sent = captured(sim)
    sim.set_target(12340)
    for _ in range(3):
        sim._emit()
    readings = [e for e in events(profile.parser(), b"".join(sent)) if isinstance(e, Reading)]
    assert [r.grams for r in readings][-2:] == [12340, 12340]


@pytest.mark.parametrize("name", COMMAND)
def test_command_mode_answers_the_profiles_poll_and_nothing_unasked(tmp_path, name):
    profile = load_profile(name)
    sim = ScaleSimulator.from_profile(tmp_path / "s.tty", profile, settle_ms=0, control_port=None)
    sent = captured(sim)
    sim.set_target(12340)
    sim._requests.receive_data(profile.poll_request())
    sim._answer(sim._requests.next_event())
    (reading,) = events(profile.parser(), b"".join(sent))
    assert reading.grams == 12340


def test_tare_makes_later_weights_net(tmp_path):
    profile = load_profile("mettler-toledo-mtsics")
    sim = ScaleSimulator.from_profile(tmp_path / "s.tty", profile, settle_ms=0, control_port=None)
    sent = captured(sim)
    sim.set_target(2000)
    sim._requests.receive_data(b"T\r\n")
    sim._answer(sim._requests.next_event())
    sim.set_target(5000)
    sim._requests.receive_data(b"SI\r\n")
    sim._answer(sim._requests.next_event())
    tare, net = events(profile.parser(), b"".join(sent))
    assert (tare.kind, tare.grams) == ("tare", 2000)
    assert (net.kind, net.grams) == ("net", 3000)


def test_a_moving_load_gets_a_busy_answer_to_s(tmp_path):
    profile = load_profile("mettler-toledo-mtsics")
    sim = ScaleSimulator.from_profile(tmp_path / "s.tty", profile, control_port=None)
    sent = captured(sim)
    sim.set_fault("motion")
    sim._requests.receive_data(b"S\r\n")
    sim._answer(sim._requests.next_event())
    assert events(profile.parser(), b"".join(sent)) == [Reply("busy", b"S I", "S")]


async def test_command_mode_answers_over_the_pty(tmp_path):
    profile = load_profile("yaohua-xk3190-a9-command")
    async with ScaleSimulator.from_profile(
        tmp_path / "s.tty", profile, settle_ms=0, initial_grams=7770, control_port=None
    ) as sim:
        fd = os.open(sim.link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            os.write(fd, profile.poll_request())
            reply, deadline = b"", time.monotonic() + 5
            while not reply.endswith(b"\x03") and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                try:
                    reply += os.read(fd, 64)
                except BlockingIOError:
                    pass
        finally:
            os.close(fd)
    (reading,) = events(profile.parser(), reply)
    assert reading.grams == 7770


async def test_plug_endpoint_unplugs_and_replugs_at_the_same_link(tmp_path):
    async with ScaleSimulator(tmp_path / "by-id" / "usb-scale", control_port=0) as sim:
        async with aiohttp.ClientSession() as s:
            async with s.post(sim.control_url + "/plug", json={"plugged": False}) as resp:
                assert resp.status == 200 and (await resp.json())["plugged"] is False
            assert not sim.link.exists()
            async with s.post(sim.control_url + "/plug", json={"plugged": True}) as resp:
                assert (await resp.json())["plugged"] is True
            async with s.post(sim.control_url + "/plug", json={"plugged": "yes"}) as resp:
                assert resp.status == 400
        assert sim.link.is_symlink() and os.readlink(sim.link) == sim.device

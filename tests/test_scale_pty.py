"""The edge's scale reader against the simulated indicator, over a real pseudo-terminal and pyserial."""

import asyncio
import os
import tty

import aiohttp
import pytest
from waiting import wait_for

from edge.scales.errors import ScaleNotConnected, ScaleNotStable
from edge.scales.reader import ScaleReader
from protocols.scale import StabilityJudge
from simulators.scale import ScaleSimulator

NO_DATA_MS = 1000


def judge():
    return StabilityJudge(window=5, tolerance_g=10, min_span_ms=100)


@pytest.fixture
async def sim(tmp_path):
    simulator = ScaleSimulator(tmp_path / "dev" / "scale.tty", hz=50, settle_ms=200, seed=7)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def reader(sim):
    scale = ScaleReader(str(sim.link), judge=judge(), no_data_ms=NO_DATA_MS)
    await scale.start()
    yield scale
    await scale.stop()


async def post(sim, path, body):
    async with aiohttp.ClientSession() as session, session.post(sim.control_url + path, json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_wait_stable_returns_the_grams_set_through_the_control_api(sim, reader):
    await post(sim, "/weight", {"grams": 12340})
    assert await reader.wait_stable(10) == 12340


async def test_next_bag_is_weighed_afresh_not_taken_from_the_last_one(sim, reader):
    await post(sim, "/weight", {"grams": 12340})
    assert await reader.wait_stable(10) == 12340
    await post(sim, "/weight", {"grams": 5670})
    assert await reader.wait_stable(10) == 5670


async def test_state_shows_the_stable_reading(sim, reader):
    await post(sim, "/weight", {"grams": 2500})
    await reader.wait_stable(10)
    state = reader.state()
    assert (state.connected, state.status, state.grams, state.stable) == (True, "connected", 2500, True)
    assert state.message_zh == "读数稳定"


async def test_no_scale_on_the_port_raises_not_connected(tmp_path):
    scale = ScaleReader(str(tmp_path / "absent.tty"), judge=judge(), no_data_ms=NO_DATA_MS)
    await scale.start()
    try:
        with pytest.raises(ScaleNotConnected) as caught:
            await scale.wait_stable(30)
        assert "秤未连接" in caught.value.message_zh
        assert str(tmp_path / "absent.tty") in str(caught.value)
        state = scale.state()
        assert (state.connected, state.status) == (False, "disconnected")
        assert "秤未连接" in state.message_zh
    finally:
        await scale.stop()


async def test_silent_scale_reports_no_data(sim, reader):
    await post(sim, "/fault", {"fault": "silent"})
    await wait_for(lambda: reader.state().status == "no-data")
    assert reader.state().connected and reader.state().grams is None


async def test_silent_scale_raises_not_connected_while_waiting(sim, reader):
    await post(sim, "/fault", {"fault": "silent"})
    with pytest.raises(ScaleNotConnected):
        await reader.wait_stable(30)


@pytest.mark.parametrize("fault", ["garbage", "torn"])
async def test_line_faults_never_give_a_wrong_stable_weight(sim, reader, fault):
    await post(sim, "/fault", {"fault": fault})
    weighed = []
    for grams in (12340, 100000, 20):
        await post(sim, "/weight", {"grams": grams})
        try:
            weighed.append((await reader.wait_stable(10), grams))
        except ScaleNotStable:
            continue  # refusing to weigh on a bad line is allowed; a wrong weight is not
    assert weighed and all(got == grams for got, grams in weighed)
    assert reader.state().garbled_count > 0


async def test_overload_is_reported_and_never_stable(sim, reader):
    await post(sim, "/fault", {"fault": "overload"})
    await wait_for(lambda: reader.state().status == "overload")
    assert reader.state().message_zh.startswith("秤超载")
    with pytest.raises(ScaleNotStable) as caught:
        await reader.wait_stable(0.5)
    assert caught.value.message_zh.startswith("秤超载")


async def test_reader_reopens_the_port_after_the_scale_comes_back(sim, reader):
    await post(sim, "/weight", {"grams": 1000})
    assert await reader.wait_stable(10) == 1000
    await sim.stop()
    await wait_for(lambda: reader.state().status == "disconnected")
    again = ScaleSimulator(sim.link, hz=50, settle_ms=200, seed=8, control_port=None, initial_grams=3000)
    await again.start()
    try:
        await wait_for(lambda: reader.state().connected, timeout_s=10)
        assert await reader.wait_stable(10) == 3000
    finally:
        await again.stop()


async def test_only_unreadable_frames_show_as_garbled(tmp_path):
    master, slave = os.openpty()
    tty.setraw(slave)
    scale = ScaleReader(os.ttyname(slave), judge=judge(), no_data_ms=NO_DATA_MS)
    await scale.start()
    try:
        for _ in range(10):
            os.write(master, b"ST,GS,+00A2.34kg\r\n")
            await asyncio.sleep(0.02)
        state = scale.state()
        assert state.status == "garbled" and state.garbled_count >= 1 and state.grams is None
        assert "无法识别" in state.message_zh
    finally:
        await scale.stop()
        os.close(master)
        os.close(slave)


def test_reader_refuses_impossible_serial_settings():
    with pytest.raises(ValueError):
        ScaleReader("/dev/ttyUSB0", bytesize=9)

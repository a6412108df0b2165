"""A clock that jumps back a year: nothing lost, nothing doubled, nothing restamped, the chain keeps order."""

from __future__ import annotations

from edge.ledger import Ledger
from edge.uplink import HttpTransport, Uplink
from hub.trace.history import trace_package
from protocols.ledger import EventKind
from tests.reliability_support import ServedHub, make_hub
from tests.test_reliability_ledger import YEAR_MS, FakeTime, fake_clock
from tests.test_reliability_uplink import assert_exactly_once, flush_all

CODE = "91110000101623741K9002490820261123001"


async def test_a_clock_set_back_a_year_loses_nothing_and_the_hub_orders_by_the_chain(tmp_path):
    h = make_hub(tmp_path / "hub")
    served = ServedHub(h)
    t = FakeTime()
    synced = {"now": True}
    clock = fake_clock(t)
    clock._synced = lambda: synced["now"]
    ledger = Ledger(tmp_path / "ledger.db", h.device_id, clock=clock)
    try:
        weighed = ledger.append(EventKind.COMMISSIONING, CODE, waste_code="900-249-08", grams=12340)
        t.tick(5000)
        # Someone sets the clock back a year; the kernel drops its synchronised flag.
        t.wall_ns -= YEAR_MS * 1_000_000
        synced["now"] = False
        labelled = ledger.append(EventKind.ENCODING, CODE, waste_code="900-249-08", grams=12340)
        assert "365 天" in clock.health().message_zh
        uplink = Uplink(ledger, HttpTransport(served.url), h.device_key, h.hub_public_key)
        await flush_all(uplink, ledger)
        await uplink.transport.close()
        assert_exactly_once(h, ledger)
        stored = h.rows("SELECT seq, time_ms, received_ms, clock_synced FROM events ORDER BY seq")
        # The device's times are kept as the device read them; the hub's own time beside them.
        assert stored == [
            (1, weighed.time_ms, h.clock.now_ms, 1),
            (2, labelled.time_ms, h.clock.now_ms, 0),
        ]
        with h.hub.read() as session:
            events = trace_package(session, CODE)["events"]
        assert [e["kind"] for e in events] == ["commissioning", "encoding"]  # the chain, not the clock
        assert events[1]["time_ms"] == weighed.time_ms + 5000 - YEAR_MS
        assert events[1]["time_source"] == "monotonic"
        assert events[1]["time_estimated_ms"] == weighed.time_ms + 5000
    finally:
        ledger.close()
        served.stop()


def test_an_unsynchronised_stretch_is_placed_among_other_devices_by_its_monotonic_clock(tmp_path):
    from tests.test_hub_support import START_MS, SimDevice, enrol

    h = make_hub(tmp_path)
    site, plant = SimDevice("edge-site"), SimDevice("edge-plant")
    for device in (site, plant):
        enrol(h.client, device)
    site.record(code=CODE, time_ms=START_MS, mono_ms=1_000, clock_synced=True)
    # The site's clock then loses a year; 10 s later by its monotonic clock it labels the bag.
    site.record(
        kind="encoding", code=CODE, time_ms=START_MS - YEAR_MS + 10_000, mono_ms=11_000, clock_synced=False
    )
    plant.record(kind="inspecting", code=CODE, time_ms=START_MS + 5_000, mono_ms=50, clock_synced=True)
    for device in (site, plant):
        assert h.client.post("/api/v1/batches", json=device.batch()).status_code == 200
    with h.hub.read() as session:
        events = trace_package(session, CODE)["events"]
    assert [(e["device_id"], e["kind"]) for e in events] == [
        ("edge-site", "commissioning"),
        ("edge-plant", "inspecting"),
        ("edge-site", "encoding"),
    ]
    assert (
        events[2]["time_estimated_ms"] == START_MS + 10_000
        and events[2]["time_ms"] == START_MS - YEAR_MS + 10_000
    )

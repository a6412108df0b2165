"""Heartbeats: what a box reports, how the hub keeps it, and how silent or troubled devices are flagged."""

from __future__ import annotations

from collections import namedtuple

from edge.clock import Clock
from edge.heartbeat import HeartbeatReporter
from edge.ledger import HUB, Ledger
from edge.printers.report import PrinterReport
from edge.printers.status import PrinterState
from edge.scales.report import ScaleReport
from edge.storage import Storage
from edge.uplink import HttpTransport, Uplink
from protocols.escpos import PrinterStatus
from protocols.fleet import Heartbeat, seal_heartbeat
from protocols.ledger import generate_private_key
from tests.reliability_support import fill, make_hub
from tests.test_hub_support import admin

MB = 1024 * 1024
Usage = namedtuple("Usage", "total used free")


def printer_probe(ledger: Ledger):
    """The printer probe the agent sends (`PrintQueue.probe`), for a printer that last answered ready."""
    state = PrinterState()
    state.saw(PrinterStatus(), ledger.clock.now_ms())
    return lambda: PrinterReport.of(state, ledger.pending_prints())


def reporter(ledger: Ledger, device_key, free: int = 900 * MB, probes=None) -> HeartbeatReporter:
    storage = Storage(
        ledger.path.parent,
        50 * MB,
        (),
        wall_ms=ledger.clock.now_ms,
        clock_synced=lambda: True,
        disk_usage=lambda _p: Usage(4000 * MB, 0, free),
    )
    uplink = Uplink(
        ledger, HttpTransport("http://127.0.0.1:9"), device_key, generate_private_key().public_key()
    )
    uplink.state.last_error = "hub unreachable"

    async def send(_envelope):
        return None

    return HeartbeatReporter(
        device_id=ledger.device_id,
        device_key=device_key,
        ledger=ledger,
        clock=ledger.clock,
        storage=storage,
        uplink=uplink,
        send=send,
        probes=probes if probes is not None else {"printer": printer_probe(ledger)},
        telemetry_dir=ledger.path.parent / "telemetry",
    )


def heartbeat_for(device_id: str, **over) -> Heartbeat:
    fields = dict(
        device_id=device_id,
        sent_ms=1_795_392_000_000,
        boot_id="boot-1",
        mono_ms=1000,
        clock_synced=True,
        backlog_events=0,
        free_disk_bytes=900 * MB,
        total_disk_bytes=4000 * MB,
        floor_bytes=50 * MB,
        devices={"scale": {"status": "connected", "ok": True, "last_ok_ms": None, "detail": None}},
    )
    fields.update(over)
    return Heartbeat(**fields)


def test_a_heartbeat_carries_backlog_disk_memory_clock_and_devices(tmp_path):
    key = generate_private_key()
    ledger = Ledger(tmp_path / "ledger.db", "edge-hb")
    fill(ledger, 5)
    ledger.set_cursor(HUB, 2)
    scale = ScaleReport(status="disconnected", ok=False, last_ok_ms=5, detail="秤未连接")
    hb = reporter(ledger, key, probes={"scale": lambda: scale, "printer": printer_probe(ledger)}).collect()
    assert (hb.backlog_events, hb.free_disk_bytes, hb.floor_bytes) == (3, 900 * MB, 50 * MB)
    assert hb.oldest_unsent_ms == ledger.events_after(2, 1)[0].time_ms
    assert hb.oldest_unsent_age_ms is not None and hb.oldest_unsent_age_ms >= 0
    assert hb.rss_bytes and hb.rss_bytes > 10 * MB
    assert isinstance(hb.clock_synced, bool) and hb.boot_id == ledger.clock.boot_id
    assert hb.devices["scale"] == scale.as_dict() and hb.devices["printer"]["ok"] is True
    assert hb.uplink_error == "hub unreachable" and hb.transport == "http"
    ledger.close()


async def test_each_heartbeat_is_also_kept_on_the_box(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db", "edge-hb")
    await reporter(ledger, generate_private_key()).beat_once()
    [day] = (tmp_path / "telemetry").glob("heartbeats-*.jsonl")
    assert '"backlog_events":0' in day.read_text()
    ledger.close()


def test_the_hub_keeps_the_heartbeat_and_lists_the_device_as_healthy(tmp_path):
    h = make_hub(tmp_path)
    envelope = seal_heartbeat(h.device_key, heartbeat_for(h.device_id))
    answer = h.client.post(f"/api/v1/devices/{h.device_id}/heartbeats", json=envelope)
    assert answer.status_code == 200
    assert {k: v for k, v in answer.json().items() if k != "shipping"} == {
        "received_ms": h.clock.now_ms,
        "config": None,
    }
    assert answer.json()["shipping"]["body"]["manifests"] == []  # nothing to load: no manifest yet
    listed = h.client.get("/api/v1/device-health", headers=admin()).json()
    [device] = listed["devices"]
    assert device["device_id"] == h.device_id and device["silent"] is False and device["ok"] is True
    assert device["heartbeat"]["free_disk_bytes"] == 900 * MB


def test_a_device_that_goes_quiet_is_flagged_silent(tmp_path):
    h = make_hub(tmp_path)
    h.client.post(
        f"/api/v1/devices/{h.device_id}/heartbeats",
        json=seal_heartbeat(h.device_key, heartbeat_for(h.device_id)),
    )
    h.clock.now_ms += 11 * 60_000
    device = h.client.get(f"/api/v1/devices/{h.device_id}/health", headers=admin()).json()
    assert device["silent"] is True and device["silent_for_ms"] == 11 * 60_000
    assert device["problems"][0]["code"] == "silent"
    assert "11 分钟无消息" in device["problems"][0]["message_zh"]
    assert h.client.get("/api/v1/device-health?silent_after_s=3600", headers=admin()).json()["silent"] == 0


def test_a_device_never_heard_from_is_flagged(tmp_path):
    h = make_hub(tmp_path)
    device = h.client.get(f"/api/v1/devices/{h.device_id}/health", headers=admin()).json()
    assert device["silent"] is True and device["problems"][0]["code"] == "never_heard"


def test_troubles_in_a_heartbeat_are_put_in_words(tmp_path):
    h = make_hub(tmp_path)
    hb = heartbeat_for(
        h.device_id,
        backlog_events=1200,
        oldest_unsent_age_ms=3 * 86_400_000,
        free_disk_bytes=30 * MB,
        clock_synced=False,
        clock_jump_ms=-365 * 86_400_000,
        clock_message_zh="系统时间刚向后跳了 365 天。",
        devices={"printer": {"status": "labels-waiting", "ok": False, "last_ok_ms": None, "detail": "缺纸"}},
    )
    h.client.post(f"/api/v1/devices/{h.device_id}/heartbeats", json=seal_heartbeat(h.device_key, hb))
    device = h.client.get(f"/api/v1/devices/{h.device_id}/health", headers=admin()).json()
    words = {p["code"]: p["message_zh"] for p in device["problems"]}
    assert set(words) == {"backlog_stale", "disk_low", "clock_jump", "printer_fault"}
    assert "最早的已 3 天未上传" in words["backlog_stale"]
    assert "已暂停称重" in words["disk_low"]
    assert "365 天" in words["clock_jump"] and "缺纸" in words["printer_fault"]


def test_a_heartbeat_signed_by_another_key_is_refused(tmp_path):
    h = make_hub(tmp_path)
    forged = seal_heartbeat(generate_private_key(), heartbeat_for(h.device_id))
    answer = h.client.post(f"/api/v1/devices/{h.device_id}/heartbeats", json=forged)
    assert answer.status_code == 401
    assert h.rows("SELECT COUNT(*) FROM device_health") == [(0,)]


def test_a_heartbeat_posted_under_another_device_is_refused(tmp_path):
    h = make_hub(tmp_path)
    envelope = seal_heartbeat(h.device_key, heartbeat_for(h.device_id))
    assert h.client.post("/api/v1/devices/edge-other/heartbeats", json=envelope).status_code == 422


def test_the_device_list_needs_the_admin_token(tmp_path):
    h = make_hub(tmp_path)
    assert h.client.get("/api/v1/device-health").status_code == 401


def test_clock_in_a_heartbeat_comes_from_the_box_clock(tmp_path):
    t = {"wall": 1_795_392_000_000 * 1_000_000}
    clock = Clock(wall_ns=lambda: t["wall"], synced=lambda: False)
    ledger = Ledger(tmp_path / "ledger.db", "edge-hb", clock=clock)
    hb = reporter(ledger, generate_private_key()).collect()
    assert hb.sent_ms == 1_795_392_000_000 and hb.clock_synced is False
    ledger.close()

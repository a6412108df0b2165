"""The durable print queue: labels that could not print wait in the ledger, the touchscreen says why, and
they print by themselves when the printer is back, each exactly once (a copy that may follow a partial
print is marked 补打). The edge runs against a scale on a pty, the printer simulators and the real hub."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from edge.app import build_edge, running
from edge.config import WasteTypeConfig
from edge.fonts import cjk_font_path
from edge.ledger import Ledger
from edge.uplink import DESTINATION
from simulators.scale import ScaleSimulator
from tests.edge_support import HubServer
from tests.print_support import call, edge_config, printed_codes, printer_simulator, weigh
from tests.waiting import wait_for

TSPL = "tspl-4in-203dpi-100x100"
ESCPOS = "escpos-80mm-native"


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
async def scale(tmp_path):
    async with ScaleSimulator(tmp_path / "scale.tty", control_port=None, settle_ms=0, hz=25, seed=1) as sim:
        sim.set_target(8000)
        yield sim


def encodings(edge, code):
    return [e for e in edge.ledger.events_for(code) if e.kind == "encoding"]


@pytest.mark.parametrize("profile_name", [ESCPOS, TSPL])
async def test_paper_out_in_the_middle_of_20_bags_loses_no_label_and_duplicates_none(
    tmp_path, hub, scale, font_bytes, profile_name
):
    async with printer_simulator(profile_name, tmp_path / "printed", font_bytes) as printer:
        config = edge_config(tmp_path, hub, str(scale.link), printer.port, profile_name)
        printer.load_paper(8)  # the roll ends in the middle of the 9th label
        async with running(build_edge(config)) as edge:
            edge.print_queue.busy_poll_s = 0.2
            results = [await weigh(config) for _ in range(20)]
            assert [status for status, _ in results] == [201] * 20
            assert [body["printed"] for _, body in results] == [True] * 8 + [False] * 12
            codes = [body["code"] for _, body in results]
            printer.load_paper(None)
            await wait_for(lambda: not edge.ledger.pending_prints(), timeout_s=30)
            await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0, timeout_s=30)
            labelled = {code: encodings(edge, code) for code in codes}
        pngs = printer.labels()
    assert sorted(printed_codes(pngs)) == sorted(codes)  # 20 labels, one per bag
    assert all(len(events) == 1 for events in labelled.values())
    assert [code for code in codes if labelled[code][0].data["reprint"]] == [codes[8]]
    assert printer.torn_labels == 1
    rows = sqlite3.connect(hub.db_path).execute("SELECT kind, COUNT(*) FROM events GROUP BY kind").fetchall()
    assert dict(rows) == {"commissioning": 20, "encoding": 20}


async def test_the_touchscreen_says_why_a_label_waits_in_plain_words(tmp_path, hub, scale, font_bytes):
    async with printer_simulator(TSPL, tmp_path / "printed", font_bytes) as printer:
        printer.set_fault("cover_open")
        config = edge_config(tmp_path, hub, str(scale.link), printer.port, TSPL)
        async with running(build_edge(config)) as edge:
            status, body = await weigh(config)
            assert status == 201 and not body["printed"]
            assert "机盖" in body["message_zh"] and "自动打印" in body["message_zh"]
            _, state = await call(config, "GET", "/api/v1/status")
            assert "机盖" in state["pending_labels"][0]["message_zh"]
            assert state["printer"]["ready"] is False and "合好机盖" in state["printer"]["message_zh"]
            assert edge.upkeep.probes["printer"]().pending_labels == 1


async def test_a_printer_switched_off_and_on_again_prints_the_waiting_label_unmarked(
    tmp_path, hub, scale, font_bytes
):
    async with printer_simulator(TSPL, tmp_path / "printed", font_bytes) as printer:
        printer.set_fault("power_off")
        config = edge_config(tmp_path, hub, str(scale.link), printer.port, TSPL)
        async with running(build_edge(config)) as edge:
            edge.print_queue.busy_poll_s = 0.2
            _, body = await weigh(config)
            assert not body["printed"] and "未连接" in body["message_zh"]
            printer.set_fault("none")
            await wait_for(lambda: not edge.ledger.pending_prints())
            (event,) = encodings(edge, body["code"])
        assert event.data["reprint"] is False
        assert printed_codes(printer.labels()) == [body["code"]]


async def test_a_connection_dropped_mid_label_gives_one_more_copy_marked_reprint(
    tmp_path, hub, scale, font_bytes
):
    async with printer_simulator(TSPL, tmp_path / "printed", font_bytes) as printer:
        printer.drop_next_label()
        config = edge_config(tmp_path, hub, str(scale.link), printer.port, TSPL)
        async with running(build_edge(config)) as edge:
            edge.print_queue.busy_poll_s = 0.2
            _, body = await weigh(config)
            assert not body["printed"]
            await wait_for(lambda: not edge.ledger.pending_prints())
            (event,) = encodings(edge, body["code"])
        assert event.data["reprint"] is True and event.data["reason"]
        assert printed_codes(printer.labels()) == [body["code"]]


def test_a_power_cut_while_a_label_was_sending_makes_the_next_copy_a_reprint(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db", "edge-t1")
    ledger.commission("CODE1", "PFX", 1, waste_code="900-249-08", grams=1000)
    ledger.mark_sending("CODE1")
    ledger.close()  # the box loses power before the printer confirms
    reopened = Ledger(tmp_path / "ledger.db", "edge-t1")
    job = reopened.print_job("CODE1")
    assert job.state == "pending" and job.maybe_printed and not job.in_flight


def test_a_ledger_from_before_the_print_queue_columns_is_upgraded(tmp_path):
    path = tmp_path / "ledger.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE print_jobs (code TEXT PRIMARY KEY, commissioned INTEGER NOT NULL, state TEXT NOT NULL, "
        "attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, maybe_printed INTEGER NOT NULL DEFAULT 0, "
        "printed INTEGER);"
    )
    db.close()
    ledger = Ledger(path, "edge-t1")
    assert ledger.pending_prints() == []
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(print_jobs)")}
    assert {"in_flight", "last_error_zh", "reprint_reason", "reprint_operator"} <= columns


async def test_a_label_too_long_for_its_size_waits_for_a_person_without_blocking_the_queue(
    tmp_path, hub, scale, font_bytes
):
    async with printer_simulator(TSPL, tmp_path / "printed", font_bytes) as printer:
        config = edge_config(tmp_path, hub, str(scale.link), printer.port, TSPL)
        wordy = WasteTypeConfig("900-249-08", "废矿物油", "液态", precautions="远离火源，防止泄漏；" * 40)
        config = replace(config, waste_types=(wordy, *config.waste_types[1:]))
        printer.set_fault("paper_out")
        async with running(build_edge(config)) as edge:
            edge.print_queue.busy_poll_s = 0.2
            _, long_bag = await weigh(config, "900-249-08")
            _, short_bag = await weigh(config, "900-041-49")
            assert "放不进" in long_bag["message_zh"] and "缺纸" in short_bag["message_zh"]
            printer.load_paper(None)
            await wait_for(lambda: [j.code for j in edge.ledger.pending_prints()] == [long_bag["code"]])
            waiting = edge.ledger.print_job(long_bag["code"])
        assert printed_codes(printer.labels()) == [short_bag["code"]]
        assert "缩短" in waiting.message_zh

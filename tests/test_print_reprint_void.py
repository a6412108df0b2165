"""Reprint and void are ledger events with a reason: a reprint is an `encoding` event with reprint=true and
a label marked 补打; a void is a `decommissioning` event, and a voided label never prints again."""

from __future__ import annotations

import pytest

from edge.app import build_edge, running
from edge.fonts import cjk_font_path
from protocols.label import printed_pages
from simulators.scale import ScaleSimulator
from tests.edge_support import HubServer
from tests.print_support import call, edge_config, printed_codes, printer_simulator, weigh
from tests.waiting import wait_for

TSPL = "tspl-4in-203dpi-100x100"


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
        sim.set_target(5000)
        yield sim


@pytest.fixture
async def printer(tmp_path, font_bytes):
    async with printer_simulator(TSPL, tmp_path / "printed", font_bytes) as sim:
        yield sim


@pytest.fixture
async def edge(tmp_path, hub, scale, printer):
    config = edge_config(tmp_path, hub, str(scale.link), printer.port, TSPL)
    async with running(build_edge(config)) as edge:
        edge.print_queue.busy_poll_s = 0.2
        yield edge


async def test_a_reprint_is_an_encoding_event_with_its_reason_on_a_label_marked_reprint(edge, printer):
    _, bag = await weigh(edge.config)
    status, body = await call(
        edge.config,
        "POST",
        f"/api/v1/labels/{bag['code']}/reprint",
        {"reason": "标签破损", "operator": "李四"},
    )
    assert status == 200 and body["printed"] and "补打" in body["message_zh"]
    first, again = [e for e in edge.ledger.events_for(bag["code"]) if e.kind == "encoding"]
    assert first.data["reprint"] is False
    assert again.data["reprint"] is True and again.data["reason"] == "标签破损" and again.operator == "李四"
    assert printed_codes(printer.labels()) == [bag["code"], bag["code"]]
    kept = edge.workflow.labels.path_for(bag["code"])
    assert kept.name.endswith("-reprint.png")


async def test_the_reprinted_label_shows_the_reprint_mark_and_its_reason(edge, font_bytes):
    _, bag = await weigh(edge.config)
    await call(edge.config, "POST", f"/api/v1/labels/{bag['code']}/reprint", {"reason": "标签脱落"})
    label = edge.workflow.labels
    content = label.content(
        bag["code"], "900-249-08", bag["grams"], "2026-11-23", reprint=True, remark="补打原因：标签脱落"
    )
    data = label.render(content).data
    assert b"REVERSE" in data  # the black 补打 badge
    (page,) = printed_pages("tspl", data, font_bytes)
    assert page.size == (799, 799)


async def test_a_reprint_needs_a_reason(edge):
    _, bag = await weigh(edge.config)
    status, body = await call(edge.config, "POST", f"/api/v1/labels/{bag['code']}/reprint", {"reason": " "})
    assert status == 400 and "原因" in body["message_zh"]


async def test_a_reprint_while_the_printer_is_out_of_paper_waits_and_prints_by_itself(edge, printer):
    _, bag = await weigh(edge.config)
    printer.set_fault("paper_out")
    status, body = await call(
        edge.config, "POST", f"/api/v1/labels/{bag['code']}/reprint", {"reason": "破损"}
    )
    assert status == 202 and not body["printed"]
    printer.load_paper(None)
    await wait_for(lambda: not edge.ledger.pending_prints())
    kinds = [(e.kind, e.data.get("reprint")) for e in edge.ledger.events_for(bag["code"])]
    assert kinds == [("commissioning", None), ("encoding", False), ("encoding", True)]


async def test_void_is_a_decommissioning_event_with_its_reason(edge):
    _, bag = await weigh(edge.config)
    status, body = await call(
        edge.config, "POST", f"/api/v1/labels/{bag['code']}/void", {"reason": "选错废物类型"}
    )
    assert status == 200 and body["message_zh"] == "标签已作废"
    event = edge.ledger.events_for(bag["code"])[-1]
    assert event.kind == "decommissioning" and event.data["reason"] == "选错废物类型"
    assert edge.ledger.print_job(bag["code"]).state == "voided"


async def test_a_queued_label_that_is_voided_never_prints(edge, printer):
    printer.set_fault("paper_out")
    _, bag = await weigh(edge.config)
    status, _ = await call(edge.config, "POST", f"/api/v1/labels/{bag['code']}/void", {"reason": "称错"})
    assert status == 200
    printer.load_paper(None)
    await edge.print_queue.check()
    assert printer.labels() == []
    assert [e.kind for e in edge.ledger.events_for(bag["code"])] == ["commissioning", "decommissioning"]


async def test_a_voided_label_cannot_be_reprinted_or_voided_again(edge):
    _, bag = await weigh(edge.config)
    await call(edge.config, "POST", f"/api/v1/labels/{bag['code']}/void", {"reason": "称错"})
    status, _ = await call(edge.config, "POST", f"/api/v1/labels/{bag['code']}/reprint", {"reason": "x"})
    assert status == 409
    status, _ = await call(edge.config, "POST", f"/api/v1/labels/{bag['code']}/void", {"reason": "x"})
    assert status == 409


async def test_an_unknown_code_is_not_found(edge):
    status, _ = await call(edge.config, "POST", "/api/v1/labels/NOSUCHCODE/void", {"reason": "x"})
    assert status == 404

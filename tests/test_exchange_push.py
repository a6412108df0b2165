"""Pushing the hub's own data up, against the simulated platform over HTTP: 产生 records from the weighing
ledger, every manifest version, the stock at the end of each finished day and every change of a warning's
state, paged, each with a stable record id, so a push interrupted after the province stored a page (a 500 on
the way back, a crash before the cursor moved) and resumed is received once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest
from exchange_support import ROOT, Rig, profile_file, rig
from sqlalchemy import text
from test_hub_support import Clock, admin, fresh_postgres_url, make_client

from hub.core.deps import wall_clock_ms
from hub.exchange.pull import pull_all
from hub.exchange.push import PUSHERS, pager, push_all, push_production
from hub.inventory.tables import Bag, StorageRecord
from hub.manifests.tables import Disposal, Manifest, ManifestBag, ManifestVersion, ReceiptRow
from hub.registry.enterprises import enterprise_by_id
from hub.warnings.record import Finding, clear_missing, get_warning, move, upsert
from protocols.china_time import china_date, day_start_ms
from protocols.province import PUSH_DATASETS
from protocols.warnings import Action
from simulators.province import DEFAULT_CERT

BAGS = 120


@pytest.fixture
def r(tmp_path):
    yield from rig(tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path):
    url = None if request.param == "sqlite" else fresh_postgres_url()
    yield from rig(tmp_path, url)


def _bags(r: Rig) -> None:
    assert pull_all(r.write, r.client(), r.profile, now=wall_clock_ms, datasets=["enterprise"])[0].complete
    with r.write() as session, session.begin():
        ids = [i for (i,) in session.execute(text("SELECT id FROM enterprises ORDER BY id LIMIT 3"))]
        for n in range(BAGS):
            session.add(
                Bag(
                    code=f"BAG{n:05d}",
                    enterprise_id=ids[n % 3],
                    device_id="edge-1",
                    waste_code="900-249-08",
                    grams=12_345 + n,
                    commissioned_ms=1_795_392_000_000 + (n // 2) * 1000,
                    batch_code=f"HWCS{n:08d}",
                    event_id=f"ev-{n}",
                    received_ms=1_795_392_000_000 + (n // 2) * 1000,  # pairs arrived in the same millisecond
                )
            )


def test_a_push_sends_every_bag_once_in_pages(r):
    _bags(r)
    report = push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50)
    assert report.complete and report.sent == BAGS and report.pages == 3
    assert len(r.platform.pushed) == BAGS and r.platform.push_duplicates == 0
    sent = r.platform.pushed["S_HubProduce:WT-PROD-BAG00007"]
    assert sent["weightT"] == "0.012352" and sent["wasteCode"] == "900-249-08"
    again = push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50)
    assert again.complete and again.sent == 0


def test_a_bag_a_box_delivers_weeks_late_is_still_pushed(r):
    _bags(r)
    assert push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50).complete
    now = wall_clock_ms()
    with r.write() as session, session.begin():
        owner = session.execute(text("SELECT id FROM enterprises ORDER BY id LIMIT 1")).scalar_one()
        same = {"enterprise_id": owner, "device_id": "edge-1", "waste_code": "900-249-08", "grams": 1_000}
        session.add(
            Bag(code="BAG-OFFLINE", commissioned_ms=1_790_000_000_000, received_ms=now - 301_000,
                event_id="ev-late", batch_code="HWCS99999998", **same)
        )  # fmt: skip
        session.add(
            Bag(code="BAG-JUST-NOW", commissioned_ms=now - 10_000, received_ms=now - 1_000,
                event_id="ev-now", batch_code="HWCS99999999", **same)
        )  # fmt: skip
    report = push_production(r.write, r.client(), r.profile, now=lambda: now, page_size=50)
    assert report.complete and report.sent == 1  # commissioned two months ago, received just now
    assert "S_HubProduce:WT-PROD-BAG-OFFLINE" in r.platform.pushed
    assert "S_HubProduce:WT-PROD-BAG-JUST-NOW" not in r.platform.pushed  # waits the late-writer allowance
    later = push_production(r.write, r.client(), r.profile, now=lambda: now + 300_000, page_size=50)
    assert later.sent == 1 and "S_HubProduce:WT-PROD-BAG-JUST-NOW" in r.platform.pushed


def test_a_push_interrupted_after_the_province_stored_it_is_received_once(r):
    _bags(r)
    once = r.client(profile=dataclasses.replace(r.profile, retries=0))
    first = push_production(r.write, once, r.profile, now=wall_clock_ms, page_size=50, max_pages=1)
    assert first.sent == 50
    r.platform.set_faults({"push_fail": True})  # the next page is stored at the province, then answered 500
    failed = push_production(r.write, once, r.profile, now=wall_clock_ms, page_size=50)
    assert not failed.complete and "HTTP 500" in (failed.error or "")
    assert len(r.platform.pushed) == 100  # stored there, though we did not hear so
    resumed = push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50)
    assert resumed.complete and resumed.sent == BAGS - 50
    assert len(r.platform.pushed) == BAGS  # every bag received once
    assert r.platform.push_duplicates == 50  # the page sent again was recognised by its record ids


def test_every_dataset_a_profile_may_name_has_its_builder():
    assert list(PUSHERS) == list(PUSH_DATASETS)


# --- manifests, stock and warnings ------------------------------------------------------------------------

DAY_MS = 86_400_000
SETTLE_MS = 300_000  # the hebei profile's overlap_s: what the hub wrote waits this long before it is sent
NOV_1 = day_start_ms(dt.date(2026, 11, 1))  # 00:00 on 1 November 2026, China


def _enterprises(r: Rig) -> list[tuple[int, str]]:
    """(id, USCC) of the first three enterprises, pulled from the province."""
    assert pull_all(r.write, r.client(), r.profile, now=wall_clock_ms, datasets=["enterprise"])[0].complete
    with r.write() as session:
        ids = [i for (i,) in session.execute(text("SELECT id FROM enterprises ORDER BY id LIMIT 3"))]
        return [(i, enterprise_by_id(session, i).uscc) for i in ids]


def _sent(r: Rig, res_code: str) -> dict[str, dict]:
    """What the province holds under `res_code`, by record id."""
    return {k.split(":", 1)[1]: v for k, v in r.platform.pushed.items() if k.startswith(res_code + ":")}


def _push(r: Rig, dataset: str, clock: Clock, **kw):
    return push_all(r.write, r.client(), r.profile, now=clock, datasets=[dataset], **kw)[0]


class Crash(Exception):
    """The hub went down after the province answered, before the cursor moved."""


def _crash_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pager._advance

    def advance(*args, **kwargs):
        monkeypatch.setattr(pager, "_advance", real)  # the next run moves it
        raise Crash

    monkeypatch.setattr(pager, "_advance", advance)


MANIFEST_NO = "HB202611010001"
T0 = NOV_1 + 9 * 3_600_000  # 09:00 on 1 November, China


def _manifest(r: Rig, ents: list[tuple[int, str]]) -> int:
    """A manifest drafted with two bags, a third loaded, submitted and departed: four versions, a minute
    apart."""
    (shipper, _), (carrier, _), (receiver, _) = ents
    with r.write() as session, session.begin():
        m = Manifest(number=MANIFEST_NO, shipper_id=shipper, created_ms=T0, created_by="shipper-1")
        session.add(m)
        session.flush()
        steps = [
            ("draft", "create", {}, ["B1", "B2"]),
            ("draft", "load", {}, ["B1", "B2", "B3"]),
            ("submitted", "submit", {"submitted_ms": T0 + 120_000}, ["B1", "B2", "B3"]),
            (
                "in_transit",
                "depart",
                {"submitted_ms": T0 + 120_000, "departed_ms": T0 + 180_000},
                ["B1", "B2", "B3"],
            ),
        ]
        for n, (state, command, times, codes) in enumerate(steps, start=1):
            _version(session, m.id, n, state, command, T0 + (n - 1) * 60_000, carrier, receiver, times, codes)
        return m.id


BAGS_SHIPPED = {"B1": ("900-249-08", 100_000), "B2": ("900-249-08", 50_000), "B3": ("772-006-49", 25_000)}


def _version(session, manifest_id, n, state, command, at_ms, carrier, receiver, times, codes) -> None:
    session.add(
        ManifestVersion(
            manifest_id=manifest_id,
            version=n,
            state=state,
            command=command,
            carrier_id=carrier,
            receiver_id=receiver,
            vehicle_plate="冀F12345",
            recorded_ms=at_ms,
            recorded_by="shipper-1",
            **times,
        )
    )
    for code in codes:
        waste_code, grams = BAGS_SHIPPED[code]
        session.add(
            ManifestBag(
                manifest_id=manifest_id, version=n, code=code, waste_code=waste_code, shipped_grams=grams
            )
        )


def test_each_manifest_version_is_pushed_once_as_it_was(r):
    ents = _enterprises(r)
    manifest_id = _manifest(r, ents)
    clock = Clock(T0 + 180_000 + SETTLE_MS - 1)
    early = _push(r, "manifest", clock)
    assert early.complete and early.sent == 3  # the departure is not a late writer's allowance old yet
    clock.now_ms += 1
    report = _push(r, "manifest", clock)
    assert report.complete and report.sent == 1
    sent = _sent(r, "S_HubBill")
    assert sorted(sent) == [f"WT-BILL-{MANIFEST_NO}-v{n}" for n in (1, 2, 3, 4)]
    assert sent[f"WT-BILL-{MANIFEST_NO}-v1"]["bags"] == 2
    assert sent[f"WT-BILL-{MANIFEST_NO}-v1"]["shippedT"] == "0.150000"
    assert sent[f"WT-BILL-{MANIFEST_NO}-v4"] == {
        "recordId": f"WT-BILL-{MANIFEST_NO}-v4",
        "number": MANIFEST_NO,
        "version": 4,
        "state": "in_transit",
        "command": "depart",
        "shipperUscc": ents[0][1],
        "carrierUscc": ents[1][1],
        "receiverUscc": ents[2][1],
        "plate": "冀F12345",
        "bags": 3,
        "shippedT": "0.175000",
        "receivedT": "0.000000",
        "acceptedT": "0.000000",
        "wastes": [
            {
                "wasteCode": "772-006-49",
                "bags": 1,
                "shippedT": "0.025000",
                "receivedT": "0.000000",
                "acceptedT": "0.000000",
            },
            {
                "wasteCode": "900-249-08",
                "bags": 2,
                "shippedT": "0.150000",
                "receivedT": "0.000000",
                "acceptedT": "0.000000",
            },
        ],
        "reason": None,
        "createdTime": "2026-11-01 09:00:00",
        "submittedTime": "2026-11-01 09:02:00",
        "departedTime": "2026-11-01 09:03:00",
        "arrivedTime": None,
        "confirmedTime": None,
        "closedTime": None,
        "changedTime": "2026-11-01 09:03:00",
    }

    # received the next day: re-weighed, one bag refused; the manifest's new version goes up once
    (_, _), (carrier, _), (receiver, _) = ents
    t1 = T0 + DAY_MS
    with r.write() as session, session.begin():
        for code, grams, accepted in (("B1", 98_000, True), ("B2", 50_000, True), ("B3", 25_000, False)):
            session.add(
                ReceiptRow(
                    manifest_id=manifest_id,
                    code=code,
                    grams=grams,
                    accepted=accepted,
                    time_ms=t1,
                    recorded_ms=t1,
                    source="api",
                    enterprise_id=receiver,
                )
            )
        times = {
            "submitted_ms": T0 + 120_000,
            "departed_ms": T0 + 180_000,
            "arrived_ms": t1,
            "confirmed_ms": t1,
        }
        codes = list(BAGS_SHIPPED)
        _version(session, manifest_id, 5, "partly_rejected", "confirm", t1, carrier, receiver, times, codes)
    clock.now_ms = t1 + SETTLE_MS
    again = _push(r, "manifest", clock)
    assert again.complete and again.sent == 1
    v5 = _sent(r, "S_HubBill")[f"WT-BILL-{MANIFEST_NO}-v5"]
    assert (v5["state"], v5["receivedT"], v5["acceptedT"]) == ("partly_rejected", "0.173000", "0.148000")
    assert v5["wastes"][0] == {
        "wasteCode": "772-006-49",
        "bags": 1,
        "shippedT": "0.025000",
        "receivedT": "0.025000",
        "acceptedT": "0.000000",
    }
    assert v5["arrivedTime"] == v5["confirmedTime"] == "2026-11-02 09:00:00"
    # the versions before the receipts still say what was known then
    assert _sent(r, "S_HubBill")[f"WT-BILL-{MANIFEST_NO}-v4"]["receivedT"] == "0.000000"
    assert len(_sent(r, "S_HubBill")) == 5 and r.platform.push_duplicates == 0
    assert _push(r, "manifest", clock).sent == 0


def test_a_manifest_push_that_failed_after_the_province_stored_it_is_received_once(r):
    _manifest(r, _enterprises(r))
    clock = Clock(T0 + DAY_MS)
    once = r.client(profile=dataclasses.replace(r.profile, retries=0))
    r.platform.set_faults({"push_fail": True})
    failed = push_all(r.write, once, r.profile, now=clock, datasets=["manifest"], page_size=2)[0]
    assert not failed.complete and "HTTP 500" in (failed.error or "")
    assert len(_sent(r, "S_HubBill")) == 2  # stored there, though we did not hear so
    resumed = _push(r, "manifest", clock, page_size=2)
    assert resumed.complete and resumed.sent == 4 and resumed.pages == 2
    assert len(_sent(r, "S_HubBill")) == 4 and r.platform.push_duplicates == 2


# stock: bags stored and taken out over three days of November, and one a fortnight before
STORED = [
    # code, enterprise index, direction, facility, waste code, grams, time
    ("S0", 1, "in", "F9", "900-249-08", 1_000, NOV_1 - 12 * DAY_MS + 3_600_000),
    ("S0", 1, "out", "F9", "900-249-08", 1_000, NOV_1 - 12 * DAY_MS + 7_200_000),  # in and out one day
    ("S1", 0, "in", "F1", "900-249-08", 10_000, NOV_1 + 9 * 3_600_000),
    ("S2", 0, "in", "F1", "900-249-08", 20_000, NOV_1 + 10 * 3_600_000),
    ("S3", 0, "in", "F2", "900-041-49", 5_000, NOV_1 + 11 * 3_600_000),
    ("S3", 0, "out", "F2", "900-041-49", 5_000, NOV_1 + DAY_MS + 8 * 3_600_000),
    ("S4", 1, "in", None, "772-006-49", 7_000, NOV_1 + DAY_MS + 12 * 3_600_000),
    ("S5", 0, "in", "F1", "900-249-08", 3_000, NOV_1 + 3 * DAY_MS + 9 * 3_600_000),  # on 4 November
]
S4_DISPOSED_MS = NOV_1 + 2 * DAY_MS + 9 * 3_600_000  # 3 November


def _stock(r: Rig, ents: list[tuple[int, str]]) -> None:
    with r.write() as session, session.begin():
        for seq, (code, who, direction, facility, waste_code, grams, at_ms) in enumerate(STORED):
            session.add(
                StorageRecord(
                    enterprise_id=ents[who][0],
                    direction=direction,
                    batch_code=f"HW{direction.upper()}{seq:08d}",
                    code=code,
                    waste_code=waste_code,
                    grams=grams,
                    time_ms=at_ms,
                    facility_code=facility,
                    device_id="edge-1",
                    seq=seq,
                    event_id=f"ev-s{seq}",
                )
            )
        session.add(
            Disposal(
                code="S4",
                enterprise_id=ents[1][0],
                batch_code="HWZXCZ00000001",
                method="焚烧",
                grams=7_000,
                time_ms=S4_DISPOSED_MS,
                device_id="edge-2",
                seq=1,
                event_id="ev-d1",
            )
        )


def _stock_expected(ents: list[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    a, b = ents[0][1], ents[1][1]
    return {
        f"WT-STOCK-{a}-2026-11-01-F1-900-249-08": (2, "0.030000"),
        f"WT-STOCK-{a}-2026-11-01-F2-900-041-49": (1, "0.005000"),
        f"WT-STOCK-{a}-2026-11-02-F1-900-249-08": (2, "0.030000"),
        f"WT-STOCK-{a}-2026-11-02-F2-900-041-49": (0, "0.000000"),  # taken out that day
        f"WT-STOCK-{b}-2026-11-02-_-772-006-49": (1, "0.007000"),
        f"WT-STOCK-{a}-2026-11-03-F1-900-249-08": (2, "0.030000"),
        f"WT-STOCK-{b}-2026-11-03-_-772-006-49": (0, "0.000000"),  # disposed of that day
    }


def test_stock_is_pushed_per_finished_day_and_today_waits_for_its_end(r):
    ents = _enterprises(r)
    _stock(r, ents)
    clock = Clock(NOV_1 + 3 * DAY_MS + 20 * 3_600_000)  # 20:00 on 4 November: three days are over
    report = _push(r, "stock", clock, page_size=2)
    assert report.complete and report.sent == 7 and report.pages == 4  # 2 November spans two pages
    sent = _sent(r, "S_HubStock")
    assert {k: (v["bags"], v["weightT"]) for k, v in sent.items()} == _stock_expected(ents)
    assert sent[f"WT-STOCK-{ents[1][1]}-2026-11-02-_-772-006-49"] == {
        "recordId": f"WT-STOCK-{ents[1][1]}-2026-11-02-_-772-006-49",
        "uscc": ents[1][1],
        "day": "2026-11-02",
        "facilityCode": None,
        "wasteCode": "772-006-49",
        "bags": 1,
        "weightT": "0.007000",
    }
    assert _push(r, "stock", clock).sent == 0  # 4 November is not over
    clock.now_ms = NOV_1 + 4 * DAY_MS  # midnight: it is
    last = _push(r, "stock", clock)
    assert last.complete and last.sent == 1
    assert _sent(r, "S_HubStock")[f"WT-STOCK-{ents[0][1]}-2026-11-04-F1-900-249-08"]["weightT"] == "0.033000"
    assert len(_sent(r, "S_HubStock")) == 8 and r.platform.push_duplicates == 0


def test_a_stock_push_that_crashed_before_its_cursor_moved_is_received_once(r, monkeypatch):
    ents = _enterprises(r)
    _stock(r, ents)
    clock = Clock(NOV_1 + 3 * DAY_MS + 20 * 3_600_000)
    assert _push(r, "stock", clock, page_size=2, max_pages=1).sent == 2  # 1 November
    _crash_once(monkeypatch)
    with pytest.raises(Crash):
        _push(r, "stock", clock, page_size=2)
    assert len(_sent(r, "S_HubStock")) == 4  # the province has half of 2 November
    resumed = _push(r, "stock", clock, page_size=2)
    assert resumed.complete and resumed.sent == 5
    assert set(_sent(r, "S_HubStock")) == set(_stock_expected(ents))
    assert r.platform.push_duplicates == 2  # the page sent again was recognised by its record ids


W0 = NOV_1 + 14 * 3_600_000


def _finding(ent_id: int) -> Finding:
    return Finding(
        rule="storage_overdue",
        severity="warning",
        enterprise_id=ent_id,
        subject="BAG00001",
        message_zh="贮存超期",
        message_en="stored too long",
        facts={"days": 366},
    )


def _warning_life(r: Rig, ent_id: int) -> int:
    """Raised, acknowledged, cleared by itself, back again: four changes of state, ten seconds apart."""
    with r.write() as session, session.begin():
        warning_id, raised = upsert(session, _finding(ent_id), W0)
        assert raised
        move(
            session,
            get_warning(session, warning_id),
            Action.ACKNOWLEDGE,
            actor="reg-1",
            note="已知悉",
            now_ms=W0 + 10_000,
        )
        upsert(session, dataclasses.replace(_finding(ent_id), severity="serious"), W0 + 15_000)  # not a state
        clear_missing(session, "storage_overdue", [], W0 + 20_000)
        upsert(session, _finding(ent_id), W0 + 30_000)  # recurs
    return warning_id


def test_each_change_of_a_warnings_state_is_pushed_once(r):
    ents = _enterprises(r)
    warning_id = _warning_life(r, ents[0][0])
    clock = Clock(W0 + 30_000 + SETTLE_MS)
    report = _push(r, "warning", clock)
    assert report.complete and report.sent == 4
    w = f"WT-WARN-{warning_id}"
    sent = _sent(r, "S_HubWarning")
    assert sorted(sent) == sorted([f"{w}-open", f"{w}-acknowledged", f"{w}-cleared", f"{w}-open-2"])
    assert [
        sent[k]["previousState"] for k in (f"{w}-open", f"{w}-acknowledged", f"{w}-cleared", f"{w}-open-2")
    ] == [
        None,
        "open",
        "acknowledged",
        "cleared",
    ]
    assert sent[f"{w}-acknowledged"] == {
        "recordId": f"{w}-acknowledged",
        "warningId": warning_id,
        "uscc": ents[0][1],
        "regionCode": sent[f"{w}-acknowledged"]["regionCode"],
        "rule": "storage_overdue",
        "severity": "serious",
        "subject": "BAG00001",
        "period": None,
        "state": "acknowledged",
        "previousState": "open",
        "action": "acknowledge",
        "note": "已知悉",
        "changedTime": "2026-11-01 14:00:10",
        "firstSeenTime": "2026-11-01 14:00:00",
        "messageZh": "贮存超期",
        "messageEn": "stored too long",
        "facts": {"days": 366},
    }
    assert _push(r, "warning", clock).sent == 0
    with r.write() as session, session.begin():  # acknowledged a second time: a new record
        move(
            session,
            get_warning(session, warning_id),
            Action.ACKNOWLEDGE,
            actor="reg-1",
            note=None,
            now_ms=W0 + DAY_MS,
        )
    clock.now_ms = W0 + DAY_MS + SETTLE_MS
    assert _push(r, "warning", clock).sent == 1
    assert sent.keys() < _sent(r, "S_HubWarning").keys()
    assert _sent(r, "S_HubWarning")[f"{w}-acknowledged-2"]["previousState"] == "open"
    assert len(_sent(r, "S_HubWarning")) == 5 and r.platform.push_duplicates == 0


def test_a_warning_push_that_crashed_before_its_cursor_moved_is_received_once(r, monkeypatch):
    warning_id = _warning_life(r, _enterprises(r)[0][0])
    clock = Clock(W0 + DAY_MS)
    _crash_once(monkeypatch)
    with pytest.raises(Crash):
        _push(r, "warning", clock, page_size=3)
    assert len(_sent(r, "S_HubWarning")) == 3
    resumed = _push(r, "warning", clock, page_size=3)
    assert resumed.complete and resumed.sent == 4 and resumed.pages == 2
    assert len(_sent(r, "S_HubWarning")) == 4 and r.platform.push_duplicates == 3
    assert f"WT-WARN-{warning_id}-open-2" in _sent(r, "S_HubWarning")


def test_every_dataset_of_the_profile_is_pushed_and_its_cursor_shown(any_db, tmp_path):
    r = any_db
    ents = _enterprises(r)
    _manifest(r, ents)
    _stock(r, ents)
    _warning_life(r, ents[0][0])
    clock = Clock(NOV_1 + 3 * DAY_MS + 20 * 3_600_000)
    reports = push_all(r.write, r.client(), r.profile, now=clock)
    assert [(x.dataset, x.complete, x.sent) for x in reports] == [
        ("production", True, 0),
        ("manifest", True, 4),
        ("stock", True, 7),
        ("warning", True, 4),
    ]
    assert r.platform.stats()["pushed"] == 15
    with make_client(tmp_path, r.db_url) as client:
        answer = client.get("/api/v1/exchange/status", headers=admin())
        assert answer.status_code == 200, answer.text
        pushed = {d["dataset"]: d for d in answer.json()["datasets"] if d["direction"] == "push"}
        assert set(pushed) == {"production", "manifest", "stock", "warning"}
        assert all(d["state"] == "ok" and d["last_success"] != "—" for d in pushed.values())
        assert pushed["stock"]["push_position"] == {"day": "2026-11-03", "after": None}
        assert (
            pushed["stock"]["cursor"].startswith("已报至 2026-11-03 日终") and pushed["stock"]["stored"] == 7
        )
        assert f"联单 {MANIFEST_NO} 第 4 版" in pushed["manifest"]["cursor"]
        assert pushed["production"]["cursor"].startswith("尚未上报")
        page = client.get("/exchange", headers=admin())
        assert (
            page.status_code == 200
            and "贮存库存（日快照）" in page.text
            and "已报至 2026-11-03 日终" in page.text
        )


def _cli_push(r: Rig, tmp_path, cert: str, *more: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "wastetrace.cli", "hub", "exchange", "push", "--province", r.url]
    cmd += ["--cert", cert, "--profile", str(profile_file(tmp_path)), "--db", r.db_url, "--once", *more]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_the_command_pushes_each_dataset_and_says_how_each_went(r, tmp_path):
    ents = _enterprises(r)
    _manifest(r, ents)
    _stock(r, ents)
    refused = _cli_push(r, tmp_path, "NOT-THE-CERT", "--datasets", "manifest,stock")
    assert refused.returncode == 1, refused.stderr
    assert "push manifest: 未完成 (incomplete)" in refused.stdout and "资源凭证无效" in refused.stdout
    assert len(r.platform.pushed) == 0
    done = _cli_push(r, tmp_path, DEFAULT_CERT)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"push {name}" for name in PUSH_DATASETS]
    assert all("完成 (complete)" in line for line in lines)
    assert len(_sent(r, "S_HubBill")) == 4
    # by the wall clock: the seven records to 3 November, then one a day for F1 up to yesterday
    days_held = (china_date(wall_clock_ms()) - dt.date(2026, 11, 4)).days
    assert _stock_expected(ents).keys() < _sent(r, "S_HubStock").keys()
    assert len(_sent(r, "S_HubStock")) == 7 + days_held
    unknown = _cli_push(r, tmp_path, DEFAULT_CERT, "--datasets", "enterprise")
    assert unknown.returncode == 2 and "unknown push datasets ['enterprise']" in unknown.stderr

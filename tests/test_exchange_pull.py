"""回流 against the simulated provincial platform over real HTTP: a full pull of a generated city, a crash
mid-pull (kill -9) resumed without duplicates, each fault handled, a changed record as a new version."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys

import pytest
from exchange_support import PAGE, ROOT, Rig, city, profile_file, rig
from sqlalchemy import text
from test_hub_support import ADMIN_TOKEN, fresh_postgres_url, make_client

from hub.core.deps import wall_clock_ms
from hub.declarations import deadlines, monthly
from hub.exchange.pull import pull_all, pull_dataset
from hub.registry import enterprises, vehicles
from simulators.province import DEFAULT_CERT


@pytest.fixture
def r(tmp_path):
    yield from rig(tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path):
    url = None if request.param == "sqlite" else fresh_postgres_url()
    yield from rig(tmp_path, url)


def q(r: Rig, sql: str) -> list:
    with r.engine.connect() as conn:
        return list(conn.execute(text(sql)))


def one(r: Rig, sql: str) -> int:
    return q(r, sql)[0][0]


def pull(r: Rig, *datasets: str, client=None):
    return pull_all(
        r.write, client or r.client(), r.profile, now=wall_clock_ms, datasets=list(datasets) or None
    )


def test_a_full_pull_of_a_generated_city_lands_in_the_register_and_declarations(any_db, tmp_path):
    r = any_db
    counts = city().count()
    reports = pull(r)
    assert all(x.complete and x.rejected == 0 for x in reports), reports
    assert {x.dataset: x.stored for x in reports} == counts
    assert one(r, "SELECT count(*) FROM enterprises") == counts["enterprise"] + counts["transporter"]
    assert one(r, "SELECT count(*) FROM facility_versions") == counts["storage_point"]
    assert one(r, "SELECT count(*) FROM licence_versions") == counts["licence"]
    assert one(r, "SELECT count(*) FROM plan_versions") == counts["plan"]
    assert one(r, "SELECT count(*) FROM vehicle_versions") == counts["vehicle"]
    assert (
        one(r, "SELECT count(*) FROM declaration_versions WHERE source = 'province'")
        == counts["monthly_declaration"]
    )
    assert one(r, "SELECT count(*) FROM daily_report_versions") == counts["disposer_daily"]
    assert one(r, "SELECT count(DISTINCT recorded_by) FROM enterprise_versions") == 1  # all by "province"
    # paged: the enterprises came in pages of PAGE
    assert reports[0].pages == -(-counts["enterprise"] // PAGE)
    with make_client(tmp_path, r.db_url) as client:
        answer = client.get("/api/v1/exchange/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert answer.status_code == 200, answer.text
        status = {d["dataset"]: d for d in answer.json()["datasets"]}
        assert (
            status["enterprise"]["state"] == "ok" and status["enterprise"]["records"] == counts["enterprise"]
        )
        assert status["monthly_declaration"]["last_success"] != "—"
        page = client.get("/exchange", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert page.status_code == 200 and "企业基本信息" in page.text

    # a second run fetches only the overlap and stores nothing twice
    again = pull(r)
    assert all(x.complete and x.stored == 0 for x in again), again
    assert one(r, "SELECT count(*) FROM exchange_records") == sum(counts.values())


def test_a_pull_killed_mid_page_resumes_without_duplicates(r, tmp_path):
    assert pull(r, "enterprise")[0].complete
    r.platform.set_faults({"hold": {"dataset": "monthly_declaration", "page": 3}})
    cmd = [
        sys.executable,
        "-m",
        "wastetrace.cli",
        "hub",
        "exchange",
        "pull",
        "--province",
        r.url,
        "--cert",
        DEFAULT_CERT,
        "--profile",
        str(profile_file(tmp_path)),
        "--db",
        r.db_url,
        "--datasets",
        "monthly_declaration",
        "--once",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert r.platform.reached.wait(120), "the pull never asked for page 3"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # two pages and the cursor that follows them, nothing more
    assert one(r, "SELECT count(*) FROM exchange_records WHERE dataset = 'monthly_declaration'") == 2 * PAGE
    assert one(r, "SELECT count(*) FROM declaration_versions") == 2 * PAGE
    position = one(r, "SELECT position FROM exchange_cursors WHERE dataset = 'monthly_declaration'")
    assert '"page": 3' in position
    r.platform.set_faults({})
    report = pull(r, "monthly_declaration")[0]
    assert report.complete and report.rejected == 0
    total = city().count()["monthly_declaration"]
    assert report.stored == total - 2 * PAGE
    assert one(r, "SELECT count(*) FROM exchange_records WHERE dataset = 'monthly_declaration'") == total
    assert (
        one(r, "SELECT count(DISTINCT record_id) FROM exchange_records WHERE dataset = 'monthly_declaration'")
        == total
    )
    assert one(r, "SELECT count(*) FROM declaration_versions") == total


def test_a_platform_that_answers_500_is_retried_with_growing_backoff(r):
    r.platform.set_faults({"fail": 2})
    report = pull(r, "enterprise")[0]
    assert report.complete and report.stored == city().count()["enterprise"]
    assert len(r.sleeps) == 2 and r.sleeps[1] > r.sleeps[0] / 3  # doubled, with jitter in [0.5, 1.5)
    assert one(r, "SELECT retries FROM exchange_cursors WHERE dataset = 'enterprise'") == 2


def test_a_platform_down_for_longer_than_the_retries_is_an_error_in_words_then_resumes(r):
    r.platform.set_faults({"fail": 100})
    report = pull(r, "enterprise")[0]
    assert not report.complete and "failed 4 times" in (report.error or "")
    assert one(r, "SELECT count(*) FROM exchange_records") == 0
    error = one(r, "SELECT last_error FROM exchange_cursors WHERE dataset = 'enterprise'")
    assert "省平台" in error and "HTTP 500" in error
    r.platform.set_faults({})
    assert pull(r, "enterprise")[0].complete
    assert one(r, "SELECT last_error FROM exchange_cursors WHERE dataset = 'enterprise'") is None


def test_a_slow_platform_times_out_and_is_retried(r):
    r.platform.set_faults({"slow_ms": 400})
    impatient = r.client(profile=dataclasses.replace(r.profile, timeout_s=0.1, retries=1))
    report = pull_dataset(r.write, impatient, r.profile, "transporter", now=wall_clock_ms)
    assert not report.complete and "timed out" in (report.error or "")
    r.platform.set_faults({"slow_ms": 50})
    assert pull(r, "transporter")[0].complete  # slow but within the timeout


def test_a_bad_certificate_is_refused_in_words_and_changes_nothing(r):
    report = pull(r, "enterprise", client=r.client(cert="NOT-OUR-CERT"))[0]
    assert not report.complete and "certCode" in (report.error or "")
    assert r.sleeps == []  # a refusal is not retried
    assert one(r, "SELECT count(*) FROM exchange_records") == 0
    assert one(r, "SELECT since_ms FROM exchange_cursors WHERE dataset = 'enterprise'") is None


@pytest.mark.parametrize("fault", ["repeat", "skip"])
def test_a_page_that_repeats_or_skips_records_is_fetched_again(r, fault):
    r.platform.set_faults({fault: {"dataset": "enterprise", "page": 2}})
    report = pull(r, "enterprise")[0]
    assert report.complete and report.refetched == 1
    n = city().count()["enterprise"]
    assert report.stored == n
    assert one(r, "SELECT count(*) FROM exchange_records") == n
    assert one(r, "SELECT count(*) FROM enterprises") == n


def test_a_record_changed_at_the_province_updates_the_hub_with_history(r):
    assert pull(r, "enterprise")[0].complete
    first = city().datasets["enterprise"][0]
    uscc, record_id = first["TYSHXYDM"], first["ID"]
    r.platform.change_record(
        "enterprise", record_id, {"name": "保定改名后化工有限公司", "address": "新址1号"}, wall_clock_ms()
    )
    report = pull(r, "enterprise")[0]
    assert report.complete and report.stored == 1
    with r.write() as session:
        ent = enterprises.enterprise_by_uscc(session, uscc)
        assert ent.name == "保定改名后化工有限公司" and ent.address == "新址1号" and ent.version == 2
    versions = q(
        r, f"SELECT version, recorded_by, reason FROM enterprise_versions WHERE enterprise_id = {ent.id}"
    )
    assert [(v, b) for v, b, _ in versions] == [(1, "province"), (2, "province")]
    assert record_id in versions[1][2]
    assert one(r, f"SELECT count(*) FROM exchange_records WHERE record_id = '{record_id}'") == 2


def test_the_hubs_own_value_is_kept_beside_a_changed_province_record(r, tmp_path):
    assert pull(r, "enterprise")[0].complete
    first = city().datasets["enterprise"][1]
    uscc = first["TYSHXYDM"]
    with r.write() as session, session.begin():
        enterprises.change_enterprise(
            session,
            uscc,
            {"address": "监管核实地址"},
            identity_allowed=True,
            reason="现场核实",
            by="regulator-zhang",
            now_ms=wall_clock_ms(),
        )
    r.platform.change_record("enterprise", first["ID"], {"address": "省平台地址"}, wall_clock_ms())
    report = pull(r, "enterprise")[0]
    assert report.complete and report.conflicts == 1
    with r.write() as session:
        assert enterprises.enterprise_by_uscc(session, uscc).address == "监管核实地址"  # not overwritten
    ((source, hub_value, province_value),) = q(
        r, "SELECT hub_source, hub_value, province_value FROM exchange_conflicts"
    )
    assert source == "regulator-zhang" and "监管核实地址" in hub_value and "省平台地址" in province_value
    with make_client(tmp_path, r.db_url) as client:
        answer = client.get("/api/v1/exchange/conflicts", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert answer.status_code == 200, answer.text
        (shown,) = answer.json()
        assert shown["uscc"] == uscc and shown["hub_source"] == "regulator-zhang"
        assert shown["hub_value"] == {"address": "监管核实地址"} and shown["province_value"] == {
            "address": "省平台地址"
        }


def test_a_declaration_changed_at_the_province_becomes_its_next_version(r):
    assert pull(r, "enterprise")[0].complete
    assert pull(r, "monthly_declaration")[0].complete
    record = city().datasets["monthly_declaration"][3]
    ds = r.profile.datasets["monthly_declaration"]
    lines = [{**line, "produced_t": "9.000001"} for line in ds.lines(record)]  # in the hub's names
    r.platform.change_record("monthly_declaration", record["ID"], {"lines": lines}, wall_clock_ms())
    report = pull(r, "monthly_declaration")[0]
    assert report.complete and report.stored == 1 and report.rejected == 0
    uscc, ym = record["TYSHXYDM"], record["NY"]
    versions = q(
        r,
        "SELECT d.version, d.lines FROM declaration_versions d JOIN enterprises e ON e.id = d.enterprise_id "
        f"WHERE e.uscc = '{uscc}' AND d.year = {ym[:4]} AND d.month = {int(ym[5:])} ORDER BY d.version",
    )
    assert [v for v, _ in versions] == [1, 2] and "9000001" in versions[1][1]


def test_records_pulled_before_their_enterprise_wait_and_are_applied_once_it_is_there(r):
    early = pull(r, "licence")[0]
    n = city().count()["licence"]
    assert early.complete and early.rejected == n
    assert "尚未建档" in one(r, "SELECT note FROM exchange_records WHERE dataset = 'licence' LIMIT 1")
    pull(r, "enterprise", "licence")  # the licences come again unchanged; the waiting ones are applied now
    assert one(r, "SELECT count(*) FROM licence_versions") == n
    assert (
        one(r, "SELECT count(*) FROM exchange_records WHERE dataset = 'licence' AND outcome = 'applied'") == n
    )
    assert one(r, "SELECT rejected FROM exchange_cursors WHERE dataset = 'licence'") == 0


def test_a_record_deleted_at_the_province_is_retired_with_its_history_and_never_the_hubs_own(r):
    assert all(
        x.complete for x in pull(r, "enterprise", "transporter", "licence", "vehicle", "monthly_declaration")
    )
    data = city().datasets
    licence, vehicle, month = data["licence"][0], data["vehicle"][0], data["monthly_declaration"][0]
    now = wall_clock_ms()
    with r.write() as session, session.begin():  # a regulator checked this vehicle in the field
        ent = enterprises.enterprise_by_uscc(session, vehicle["SSDWTYSHXYDM"])
        checked = {"permit": "现场核实许可证", "reason": "现场核实"}
        vehicles.change_vehicle(session, ent, vehicle["CPHM"], checked, by="regulator-zhang", now_ms=now)
    for dataset, record in (("licence", licence), ("vehicle", vehicle), ("monthly_declaration", month)):
        r.platform.change_record(dataset, record["ID"], {"deleted": "1"}, now)
    reports = {x.dataset: x for x in pull(r, "licence", "vehicle", "monthly_declaration")}
    assert all(x.complete and x.rejected == 0 for x in reports.values())
    assert reports["vehicle"].conflicts == 1
    number = licence["XKZBH"]
    versions = q(
        r, f"SELECT version, active, recorded_by, reason FROM licence_versions WHERE number = '{number}'"
    )
    assert [(v, bool(a), b) for v, a, b, _ in versions] == [(1, True, "province"), (2, False, "province")]
    assert "省平台删除" in versions[1][3] and licence["ID"] in versions[1][3]
    active = q(
        r, f"SELECT active, permit FROM vehicle_versions WHERE plate = '{vehicle['CPHM']}' ORDER BY version"
    )
    assert [(bool(a), p) for a, p in active][-1] == (True, "现场核实许可证")  # the hub's own stands
    (subject,) = q(r, "SELECT subject FROM exchange_conflicts WHERE dataset = 'vehicle'")[0]
    assert vehicle["CPHM"] in subject
    uscc, ym = month["TYSHXYDM"], month["NY"]
    year, mon = int(ym[:4]), int(ym[5:])
    with r.write() as session:
        ent = enterprises.enterprise_by_uscc(session, uscc)
        assert monthly.declaration(session, ent.id, year, mon, "province").state == "withdrawn"
        assert monthly.province_declaration(session, ent.id, year, mon) is None
        assert deadlines.declared_months(session, [ent.id], [(year, mon)]) == set()
    again = {x.dataset: x for x in pull(r, "licence", "vehicle", "monthly_declaration")}
    assert all(x.stored == 0 for x in again.values())  # the deletion is received once


def test_a_whole_city_of_4200_enterprises_with_a_year_of_declarations_is_pulled_once(tmp_path):
    """The issue's city at full size (its time is a bench: docs/bench-exchange.md)."""
    whole = city(size=4200, months=12)
    counts = whole.count()
    assert counts["enterprise"] == 4200 and counts["monthly_declaration"] > 4200
    for r in rig(tmp_path, the_city=whole):
        client = r.client(profile=dataclasses.replace(r.profile, page_size=500))
        reports = pull(r, client=client)
        assert all(x.complete and x.rejected == 0 for x in reports), reports
        assert {x.dataset: x.stored for x in reports} == counts
        assert one(r, "SELECT count(*) FROM licence_versions") == counts["licence"]
        assert (
            one(r, "SELECT count(*) FROM declaration_versions WHERE source = 'province'")
            == counts["monthly_declaration"]
        )
        assert one(r, "SELECT count(*) FROM exchange_records") == sum(counts.values())

"""The regulator's pages: the shell (user, role, menu by role, logout, breadcrumbs, 403/404 that say what to
do), 一企一档's list and file, the manifests, stock and devices lists, and exports in CSV and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from test_hub_support import START_MS
from test_hub_world import OIL, ORGS, World, bag_code, world  # noqa: F401 (fixture)

from hub.access.menu import MENU, menu_for
from hub.access.principal import Principal
from hub.access.roles import Role
from hub.core.db import make_engine, write_sessions
from hub.registry import enterprises
from hub.warnings.tables import WarningRow


def page(w: World, url: str, user: str | None, status: int = 200) -> str:
    headers = w.h(user) if user else {}
    answer = w.client.get(url, headers=headers, follow_redirects=False)
    assert answer.status_code == status, f"{url} as {user}: {answer.status_code} {answer.text[:300]}"
    return answer.text


def _weigh(w: World) -> None:
    w.record(
        "P1", "commissioning", bag_code(ORGS["P1"], OIL, 1), START_MS + 1000, waste_code=OIL, grams=10_000
    )
    w.record("P1", "storing", bag_code(ORGS["P1"], OIL, 1), START_MS + 2000, waste_code=OIL, grams=10_000)
    w.send("P1")


def test_the_menu_offers_only_what_the_gate_allows():
    regulator = Principal("r", Role.REGULATOR, region_code="130600")
    paths = [i.path for i in menu_for(regulator)]
    assert paths[:4] == ["/", "/dashboard", "/reports/monthly", "/enterprises"] and "/manifests" in paths
    auditor = [i.path for i in menu_for(Principal("a", Role.AUDIT_ADMIN))]
    assert auditor == ["/"]
    assert [i.path for i in menu_for(None)] == ["/"]
    assert {i.path for i in MENU} >= {"/warnings"}  # hub/warnings/ brings its page and policy


def test_the_shell_shows_who_is_logged_in_and_a_logout(world):  # noqa: F811
    w = world
    html = page(w, "/enterprises", "regulator")
    assert "regulator" in html and "监管人员" in html and 'action="/logout"' in html
    assert 'href="/dashboard"' in html and 'aria-current="page"' in html and "当前位置" in html
    english = page(w, "/enterprises?lang=en", "regulator")
    assert "Regulator" in english and 'href="/manifests?lang=en"' in english
    anonymous = page(w, "/", None)
    assert 'href="/login?next=/"' in anonymous and 'action="/logout"' not in anonymous


def test_403_and_404_pages_say_what_to_do(world):  # noqa: F811
    w = world
    refused = page(w, f"/enterprises/{ORGS['P2'].uscc}", "regulator", 403)
    assert "无权访问" in refused and "安全管理员" in refused and "辖区" in refused
    missing = page(w, "/no-such-page", "regulator", 404)
    assert "页面不存在" in missing and "菜单" in missing
    assert w.client.get("/api/v1/no-such").json() == {"detail": "Not Found"}
    answer = w.client.get("/enterprises", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_register_filters_sorts_pages_and_exports(world):  # noqa: F811
    w = world
    _weigh(w)
    html = page(w, "/enterprises", "regulator")
    for key in ("P1", "T1", "D1"):
        assert ORGS[key].name in html
    assert ORGS["P2"].name not in html
    only = page(w, "/enterprises?role=receiver", "regulator")
    assert ORGS["D1"].name in only and ORGS["P1"].name not in only
    found = page(w, f"/enterprises?q={ORGS['T1'].uscc[:10]}", "regulator")
    assert ORGS["T1"].name in found and ORGS["D1"].name not in found
    district = page(w, "/enterprises?district=130681", "regulator")
    assert ORGS["D1"].name in district and ORGS["P1"].name not in district
    paged = page(w, "/enterprises?size=1&sort=name&desc=1&page=2", "regulator")
    assert "2 / 3" in paged
    answer = w.client.get("/enterprises?format=csv&sort=stock_grams&desc=1", headers=w.h("regulator"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0] == "名称" and rows[1][0] == ORGS["P1"].name and rows[1][6] == "10.000 kg"
    assert len(rows) == 4
    book = w.client.get("/enterprises?format=xlsx", headers=w.h("regulator"))
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet.max_row == 4 and sheet.cell(1, 2).value == "统一社会信用代码"
    bad = w.client.get("/enterprises?format=pdf", headers=w.h("regulator"))
    assert bad.status_code == 422
    assert w.client.get("/enterprises?sort=password", headers=w.h("regulator")).status_code == 422
    mine = page(w, "/enterprises", "p1")
    assert ORGS["P1"].name in mine and ORGS["T1"].name not in mine


def test_one_enterprises_file(world):  # noqa: F811
    w = world
    _weigh(w)
    html = page(w, f"/enterprises/{ORGS['P1'].uscc}", "regulator")
    for text in (
        "基本信息",
        "贮存设施",
        "危废贮存库1号",
        "称重终端",
        "edge-p1",
        "10.000 kg",
        "档案变更记录",
        "建档",
    ):
        assert text in html, text
    d1 = page(w, f"/enterprises/{ORGS['D1'].uscc}", "regulator")
    assert "冀危许D12026001" in d1 and "50000000.000 kg" in d1
    page(w, f"/enterprises/{ORGS['P1'].uscc}", "p2", 403)
    page(w, "/enterprises/91130602MA0A1B2C3X", "regulator", 404)


def test_manifests_stock_and_devices_lists(world):  # noqa: F811
    w = world
    _weigh(w)
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    html = page(w, "/manifests", "regulator")
    assert number in html and "草稿" in html and ORGS["T1"].name in html
    assert number in page(w, f"/manifests?number={number[-4:]}&state=draft&party=保定", "regulator")
    assert number not in page(w, "/manifests?state=in_transit", "regulator")
    assert number not in page(w, "/manifests?since=2026-11-01", "regulator")  # not departed yet
    assert number not in page(w, "/manifests", "nj-regulator")
    assert w.client.get("/manifests?state=lost", headers=w.h("regulator")).status_code == 422
    assert w.client.get("/manifests?since=yesterday", headers=w.h("regulator")).status_code == 422
    xlsx = w.client.get("/manifests?format=xlsx", headers=w.h("regulator"))
    assert load_workbook(io.BytesIO(xlsx.content)).active.cell(2, 1).value == number
    assert "面包屑" not in page(w, f"/manifests/{number}", "regulator")  # the one-manifest page still renders

    stock = page(w, "/stock", "regulator")
    assert bag_code(ORGS["P1"], OIL, 1) in stock and "HW08" in stock
    assert bag_code(ORGS["P1"], OIL, 1) not in page(w, "/stock?min_age=3", "regulator")
    assert bag_code(ORGS["P1"], OIL, 1) not in page(w, "/stock", "nj-regulator")
    assert w.client.get("/stock?min_age=-1", headers=w.h("regulator")).status_code == 422

    devices = page(w, "/devices", "regulator")
    assert "edge-p1" in devices and "edge-p2" not in devices
    assert "edge-p1" in page(w, "/devices", "p1") and "edge-t1" not in page(w, "/devices", "p1")
    page(w, "/devices", "auditor", 403)


def test_the_dashboard_shows_the_regions_figures_and_exports_them(world):  # noqa: F811
    w = world
    _weigh(w)
    html = page(w, "/dashboard", "regulator")
    assert "危废一张图" in html and "10.000 kg" in html and 'id="dashboard-data"' in html
    assert '<script src="/static/vendor/echarts.min.js"' in html and "<script>" not in html
    assert "10.000 kg" not in page(w, "/dashboard", "nj-regulator")
    page(w, "/dashboard?region=130600", "nj-regulator", 403)
    answer = w.client.get("/dashboard?format=csv", headers=w.h("regulator"))
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert ["产生", "本年累计", "10.000 kg", "1"] in rows
    book = w.client.get("/dashboard?format=xlsx&lang=en", headers=w.h("regulator"))
    assert load_workbook(io.BytesIO(book.content)).active.cell(1, 1).value == "Statistic"
    page(w, "/dashboard", "auditor", 403)


def test_a_facility_page_lists_its_bags_and_hj1259_records_for_its_readers_only(world):  # noqa: F811
    w = world
    p1 = ORGS["P1"].uscc
    page = w.client.get(f"/enterprises/{p1}/facilities/F01", headers=w.h("regulator"))
    assert page.status_code == 200
    assert "贮存设施台账" in page.text and "危废贮存库1号" in page.text and "入库/出库记录" in page.text
    csv = w.client.get(f"/enterprises/{p1}/facilities/F01?format=csv&direction=in", headers=w.h("regulator"))
    assert csv.status_code == 200 and "批次编码" in csv.content.decode("utf-8-sig")
    assert w.client.get(f"/enterprises/{p1}/facilities/F01", headers=w.h("nj-regulator")).status_code == 403
    assert w.client.get(f"/enterprises/{p1}/facilities/NOPE", headers=w.h("p1")).status_code == 404
    bad_day = w.client.get(f"/enterprises/{p1}/facilities/F01?since=yesterday", headers=w.h("p1"))
    assert bad_day.status_code == 422
    file = w.client.get(f"/enterprises/{p1}", headers=w.h("regulator")).text
    assert f'href="/enterprises/{p1}/facilities/F01"' in file


def test_the_enterprise_file_lists_its_warnings_open_first(world):  # noqa: F811
    w = world
    engine = make_engine(w.db_url)
    try:
        with write_sessions(engine)() as session, session.begin():
            eid = enterprises.enterprise_by_uscc(session, ORGS["P1"].uscc).id
            for n, state in enumerate(("closed", "open")):
                session.add(
                    WarningRow(
                        rule="storage_overdue", severity="warning", enterprise_id=eid, region_code="130602",
                        subject=f"BAG{n}", period="", state=state, message_zh=f"贮存超期第{n}袋",
                        message_en=f"bag {n} stored too long", facts="{}", count=1,
                        first_seen_ms=START_MS + n, last_seen_ms=START_MS + n, updated_ms=START_MS + n,
                    )
                )  # fmt: skip
    finally:
        engine.dispose()
    html = page(w, f"/enterprises/{ORGS['P1'].uscc}", "regulator")
    assert "贮存超期" in html and html.index("贮存超期第1袋") < html.index("贮存超期第0袋")  # open first
    assert 'href="/warnings/' in html and "待处理" in html and "已关闭" in html
    assert "stored too long" in page(w, f"/enterprises/{ORGS['P1'].uscc}?lang=en", "regulator")

"""现场检查 on the hub's pages: the list, one inspection with its checklist, a draft finished on a PC by its
assignee (an item saved on the version the page showed, a stale save refused with the page's words and
nothing changed, submission refused until every item is checked), the signed report linked once submitted;
the enterprise sees its inspection only once submitted, another region never."""

from __future__ import annotations

import re

from test_hub_world import ORGS, World, world  # noqa: F401

P1 = ORGS["P1"].uscc


def plan(w: World) -> str:
    body = {"enterprise_uscc": P1, "source": "plan", "plan_name": "第四季度抽查", "assignees": ["inspector"]}
    return w.ok("POST", "/api/v1/inspections", "regulator", body, status=201)["number"]


def form(w: World, user: str, path: str, fields: dict[str, str]):
    return w.client.post(path, data=fields, headers=w.h(user), follow_redirects=False)


def test_a_draft_is_finished_on_a_pc_and_its_report_linked(world):  # noqa: F811
    w = world
    number = plan(w)
    listed = w.client.get("/inspections", headers=w.h("regulator"))
    assert listed.status_code == 200 and number in listed.text and "待检查" in listed.text
    mine = w.client.get("/inspections?mine=yes", headers=w.h("inspector")).text
    assert number in mine
    page = w.client.get(f"/inspections/{number}", headers=w.h("inspector")).text
    assert "第四季度抽查" in page and "LBL-01" in page and 'action="/inspections/' in page
    # The regulator who planned it is not an assignee: the page shows no forms to them.
    assert 'class="item-form"' not in w.client.get(f"/inspections/{number}", headers=w.h("regulator")).text

    saved = form(
        w, "inspector", f"/inspections/{number}/items/LBL-01", {"base_version": "0", "verdict": "ok"}
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/inspections/{number}"
    detail = w.ok("GET", f"/api/v1/inspections/{number}", "inspector")
    lbl = next(i for i in detail["items"] if i["code"] == "LBL-01")
    assert (lbl["verdict"], lbl["version"], detail["state"]) == ("ok", 1, "in_progress")

    # Saved again on the version the page showed before: refused in words, nothing changed.
    stale = form(
        w, "inspector", f"/inspections/{number}/items/LBL-01", {"base_version": "0", "verdict": "finding"}
    )
    assert stale.status_code == 303 and "problem=" in stale.headers["location"]
    shown = w.client.get(stale.headers["location"], headers=w.h("inspector")).text
    assert "已被他人修改" in shown
    again = w.ok("GET", f"/api/v1/inspections/{number}", "inspector")
    assert next(i for i in again["items"] if i["code"] == "LBL-01")["version"] == 1
    # A finding without a note, a verdict that is none: refused in words.
    for fields in ({"base_version": "0", "verdict": "finding"}, {"base_version": "0", "verdict": "maybe"}):
        refused = form(w, "inspector", f"/inspections/{number}/items/LBL-02", fields)
        assert refused.status_code == 303 and "problem=" in refused.headers["location"], fields
    assert (
        form(w, "inspector", f"/inspections/{number}/items/LBL-02", {"base_version": "x"}).status_code == 422
    )

    # Submission waits for every item.
    early = form(w, "inspector", f"/inspections/{number}/submit", {})
    assert early.status_code == 303 and "problem=" in early.headers["location"]
    assert w.ok("GET", f"/api/v1/inspections/{number}", "inspector")["state"] == "in_progress"
    # The enterprise does not see an inspection under way.
    assert w.client.get(f"/inspections/{number}", headers=w.h("p1")).status_code == 404
    assert number not in w.client.get("/inspections", headers=w.h("p1")).text

    for item in w.ok("GET", f"/api/v1/inspections/{number}", "inspector")["items"]:
        if not item["verdict"]:
            fields = {"base_version": str(item["version"]), "verdict": "ok"}
            if item["code"] == "LBL-02":
                fields = {**fields, "verdict": "finding", "note": "两个桶标签褪色", "requirement": "重新贴标"}
                fields["due"] = "2026-12-20"
            assert (
                form(w, "inspector", f"/inspections/{number}/items/{item['code']}", fields).status_code == 303
            )
    done = form(w, "inspector", f"/inspections/{number}/submit", {})
    assert done.status_code == 303 and "problem" not in done.headers["location"]
    page = w.client.get(f"/inspections/{number}", headers=w.h("p1")).text
    assert "已提交" in page and f"/api/v1/inspections/{number}/report.pdf" in page
    assert re.search(r"[0-9a-f]{64}", page)  # the report's SHA-256
    assert 'class="item-form"' not in page
    pdf = w.client.get(f"/api/v1/inspections/{number}/report.pdf", headers=w.h("p1"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Another region never.
    assert w.client.get(f"/inspections/{number}", headers=w.h("nj-regulator")).status_code in (403, 404)
    assert number not in w.client.get("/inspections", headers=w.h("nj-regulator")).text


def test_an_inspection_is_planned_from_the_page(world):  # noqa: F811
    w = world
    fields = {
        "enterprise_uscc": P1,
        "source": "plan",
        "plan_name": "十二月专项检查",
        "assignees": "inspector，regulator",
        "planned": "2026-12-10",
    }
    planned = form(w, "regulator", "/inspections", fields)
    assert planned.status_code == 303 and planned.headers["location"].startswith("/inspections/XC2026")
    number = planned.headers["location"].rsplit("/", 1)[1]
    got = w.ok("GET", f"/api/v1/inspections/{number}", "inspector")
    assert (got["plan_name"], got["state"]) == ("十二月专项检查", "planned")
    assert {a["username"] for a in got["assignees"]} == {"inspector", "regulator"}
    assert "十二月专项检查" in w.client.get("/inspections", headers=w.h("inspector")).text
    # Refused in words on the list page, nothing planned: a plan with no name, an unknown enterprise, an
    # inspector of another region, a warning number that is none.
    for bad in (
        {**fields, "plan_name": ""},
        {**fields, "enterprise_uscc": "91130600MA0000000X"},
        {**fields, "assignees": "nj-regulator"},
        {**fields, "source": "warning", "warning_id": "x"},
    ):
        refused = form(w, "regulator", "/inspections", bad)
        assert refused.status_code == 303, bad
        assert refused.headers["location"].startswith("/inspections?problem="), bad
    assert w.ok("GET", "/api/v1/inspections", "regulator")["total"] == 1
    assert form(w, "p1", "/inspections", fields).status_code == 403
    # Another region's enterprise: refused, not planned.
    assert form(w, "nj-regulator", "/inspections", fields).status_code == 403
    assert w.ok("GET", "/api/v1/inspections", "regulator")["total"] == 1

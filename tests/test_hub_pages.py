"""The pages a phone opens: /t/{code} in Chinese (English on request), the front page, local assets only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_hub_support import CODE, SimDevice, enrol, login_pages, make_client, sqlite_url

from hub.web.formatting import format_kg, format_time


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        yield client


@pytest.fixture
def device(client) -> SimDevice:
    device = SimDevice()
    enrol(client, device)
    login_pages(client)  # the whole history is for a logged-in reader; test_hub_label_page.py: anyone else
    return device


def send(client: TestClient, device: SimDevice) -> None:
    assert client.post("/api/v1/batches", json=device.batch()).status_code == 200


@pytest.mark.parametrize(
    ("grams", "text"),
    [
        (12340, "12.340 kg"),
        (0, "0.000 kg"),
        (5, "0.005 kg"),
        (1_000_000, "1000.000 kg"),
        (-1500, "-1.500 kg"),
        (None, "—"),
    ],
)
def test_weight_is_shown_in_kilograms_exactly(grams, text):
    assert format_kg(grams) == text


def test_time_is_shown_in_beijing_time():
    assert format_time(1_795_392_000_000) == "2026-11-23 08:00:00"


def test_trace_page_is_chinese_and_shows_the_weight(client, device):
    device.record()
    send(client, device)
    page = client.get(f"/t/{CODE}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'lang="zh-CN"' in html
    for text in (
        CODE,
        "900-249-08",
        "称重赋码",
        "12.340 kg",
        "张三",
        "危废仓库A",
        "edge-001",
        "已同步",
        device.events[0].hash[:12],
        "保定某化工有限公司",
    ):
        assert text in html


def test_trace_page_names_the_waste_type_from_the_catalogue(client, device):
    device.record()
    send(client, device)
    assert "HW08 废矿物油与含矿物油废物" in client.get(f"/t/{CODE}").text


def test_trace_page_in_english_on_request(client, device):
    device.record()
    send(client, device)
    html = client.get(f"/t/{CODE}", params={"lang": "en"}).text
    assert 'lang="en"' in html
    assert "Weighed and coded" in html


def test_trace_page_escapes_what_devices_sent(client, device):
    device.record(operator='<script>alert("x")</script>', place="<img src=x onerror=alert(1)>")
    send(client, device)
    html = client.get(f"/t/{CODE}").text
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_unsynchronised_clock_is_flagged(client, device):
    device.record(clock_synced=False)
    send(client, device)
    assert "未同步" in client.get(f"/t/{CODE}").text


def test_unknown_code_page_is_a_chinese_404(client):
    page = client.get("/t/NO-SUCH-BAG")
    assert page.status_code == 404
    assert "未找到" in page.text
    assert "NO-SUCH-BAG" in page.text


def test_pages_load_nothing_from_elsewhere(client, device):
    device.record()
    send(client, device)
    for path in ("/", f"/t/{CODE}", "/t/NO-SUCH-BAG"):
        html = client.get(path).text
        assert "<script" not in html
        assert not re.search(r'(src|href)="(https?:)?//', html), path


def test_stylesheet_is_served_locally(client):
    answer = client.get("/static/hub.css")
    assert answer.status_code == 200
    assert "text/css" in answer.headers["content-type"]


def test_front_page_has_a_search_box_that_leads_to_the_bag(client):
    html = client.get("/").text
    assert 'action="/t"' in html and 'href="/docs"' in html
    answer = client.get("/t", params={"code": f" {CODE} "}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/t/{CODE}"


def test_a_word_hidden_by_a_dict_method_is_refused_when_its_pages_load():
    import pytest

    from hub.web.pages import PageRenderer

    with pytest.raises(ValueError, match="items"):
        PageRenderer(words={"zh": {"items": "条"}, "en": {"items": "in all"}})

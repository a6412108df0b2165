"""The provincial interface's envelope, profile and paging check: pure values, no I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.province import (
    DATASETS,
    PUSH_DATASETS,
    ListAnswer,
    ListRequest,
    ProfileError,
    ProvinceProtocolError,
    Window,
    check_page,
    decode_answer,
    decode_request,
    encode_answer,
    encode_request,
    grams_from_tonnes,
    parse_profile,
    parse_time,
    tonnes_from_grams,
)
from protocols.province.paging import Verdict

ROOT = Path(__file__).resolve().parents[1]
HEBEI = (ROOT / "firmware-config" / "province" / "hebei.toml").read_text(encoding="utf-8")


def test_request_round_trips_as_object_and_as_string():
    req = ListRequest("1.0", "CERT", "S_YearProd", {"pageNum": 1, "updateTimeBegin": "2026-01-01 00:00:00"})
    body = encode_request(req)
    assert body.startswith(b'{"resVer":"1.0","certCode":"CERT","resCode":"S_YearProd","jsonParam":{')
    assert decode_request(body) == req
    assert decode_request(encode_request(req, param_as_string=True)) == req


def test_answer_round_trips_and_tolerates_nulls():
    answer = ListAnswer(True, "200", "ok", total=2, data=({"ID": "1"}, {"ID": "2"}), sys_msg=None)
    assert decode_answer(encode_answer(answer)) == answer
    sparse = decode_answer(b'{"success":true,"code":200,"data":null,"total":null}')
    assert sparse.data == () and sparse.total == 0 and sparse.code == "200"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"code":1}',
        b'{"success":"yes"}',
        b'{"success":true,"data":{}}',
        b'{"success":true,"total":-1}',
        b'{"success":true,"data":[1]}',
        b"\xff\xfe",
    ],
)
def test_garbage_answers_are_protocol_errors(body):
    with pytest.raises(ProvinceProtocolError):
        decode_answer(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"resVer":"1","certCode":"","resCode":"x"}',
        b'{"resVer":"1","certCode":"c","resCode":"x","jsonParam":"{bad"}',
        b'{"resVer":1,"certCode":"c","resCode":"x"}',
    ],
)
def test_garbage_requests_are_protocol_errors(body):
    with pytest.raises(ProvinceProtocolError):
        decode_request(body)


def test_hebei_profile_names_every_dataset_and_marks_its_guesses():
    profile = parse_profile(HEBEI)
    assert set(profile.datasets) == set(DATASETS)
    confirmed = [d.name for d in profile.datasets.values() if d.confirmed]
    assert confirmed == []  # nothing is confirmed by the province yet
    assert profile.datasets["monthly_declaration"].res_code == "S_YearProd"  # the seed's one code
    assert profile.unknowns
    param = profile.render_param(page=3, size=50, since_ms=parse_time("2026-01-01 00:00:00"), until_ms=0)
    assert param["pageNum"] == 3 and param["updateTimeBegin"] == "2026-01-01 00:00:00"
    assert profile.read_param(param)["since_ms"] == parse_time("2026-01-01 00:00:00")


def test_a_profile_without_paging_placeholders_is_refused():
    with pytest.raises(ProfileError, match="json_param"):
        parse_profile(HEBEI.replace('pageNum = "{page}"', 'pageNum = "1"'))


def test_hebei_profile_names_a_push_code_for_every_push_dataset_and_refuses_others():
    profile = parse_profile(HEBEI)
    assert profile.push == {
        "production": "S_HubProduce",
        "manifest": "S_HubBill",
        "stock": "S_HubStock",
        "warning": "S_HubWarning",
    }
    assert list(profile.push) == list(PUSH_DATASETS)
    with pytest.raises(ProfileError, match="unknown push dataset 'ledger'"):
        parse_profile(HEBEI + '[push.ledger]\nres_code = "S_X"\n')
    with pytest.raises(ProfileError, match="share a resource code"):
        parse_profile(HEBEI.replace('"S_HubStock"', '"S_HubBill"'))
    with pytest.raises(ProfileError, match="push.stock"):
        parse_profile(HEBEI.replace('res_code = "S_HubStock"', 'code = "S_HubStock"'))


def test_tonnes_and_grams_are_exact():
    assert grams_from_tonnes("1.234567") == 1_234_567
    assert grams_from_tonnes(2) == 2_000_000
    assert grams_from_tonnes("0.0000005") == 0  # half-even below a gram
    assert tonnes_from_grams(1_234_567) == "1.234567"
    for bad in ("-1", "x", True, "NaN"):
        with pytest.raises(ProfileError):
            grams_from_tonnes(bad)


def _ids(a: int, b: int) -> list[str]:
    return [str(i) for i in range(a, b)]


def test_paging_accepts_a_sound_window_and_says_when_it_ends():
    w = Window(0, 10, size=3)
    for page, ids in enumerate((_ids(0, 3), _ids(3, 6), _ids(6, 7)), start=1):
        v = check_page(w, 7, ids)
        assert v.verdict == Verdict.ACCEPT and v.last == (page == 3)
        w = v.after
    assert w.page == 4 and w.total == 7


def test_paging_refetches_a_repeated_or_short_page_and_restarts_on_a_moved_total():
    w = check_page(Window(0, 10, size=3), 7, _ids(0, 3)).after
    assert check_page(w, 7, _ids(0, 3)).verdict == Verdict.RETRY  # the previous page again
    assert check_page(w, 7, ["3", "5"]).verdict == Verdict.RETRY  # a record skipped
    assert check_page(w, 7, ["3", "3", "4"]).verdict == Verdict.RETRY
    restart = check_page(w, 6, _ids(3, 6))
    assert restart.verdict == Verdict.RESTART and "6" in restart.reason

"""GB/T 28181 sans-I/O: SIP messages, Digest, MANSCDP XML (vectors from device-protocols.md §4), registrar."""

from __future__ import annotations

import pytest

from protocols.gb28181 import (
    CatalogQuery,
    CatalogResponse,
    ControlResponse,
    DeviceInfoQuery,
    DeviceInfoResponse,
    DigestChallenge,
    DigestCredentials,
    Keepalive,
    ManscdpError,
    NameAddr,
    Registered,
    Registrar,
    SipParseError,
    SipRequest,
    SipResponse,
    SnapShotConfig,
    UnknownCommand,
    Unregistered,
    UploadSnapShotFinished,
    build_request,
    device_type,
    digest_response,
    domain_of,
    gb_date,
    parse_manscdp,
    parse_message,
    parse_snapshot_file_id,
    parse_via,
    snapshot_file_id,
)

DEVICE = "34020000001320000001"
SERVER = "34020000002000000001"
NOW = 1_795_392_000_000  # 2026-11-23 00:00 UTC

# device-protocols.md §4: a captured Dahua IPC keepalive and a real NVR catalog answer.
KEEPALIVE = (
    b'<?xml version="1.0" encoding="GB2312" ?><Notify><CmdType>Keepalive</CmdType><SN>4</SN>'
    b"<DeviceID>34020000001320000001</DeviceID><Status>OK</Status></Notify>"
)
CATALOG_RESPONSE = (
    '<?xml version="1.0" encoding="GB2312" ?><Response><CmdType>Catalog</CmdType><SN>1</SN>'
    '<DeviceID>34020000001180000001</DeviceID><SumNum>4</SumNum><DeviceList Num="1"><Item>'
    "<DeviceID>34020000001310000001</DeviceID><Name>仓库通道1</Name><Manufacturer>General</Manufacturer>"
    "<Model>IPC-HFW4150D-V2</Model><Owner>0</Owner><CivilCode>340200</CivilCode><Address>axy</Address>"
    "<Parental>0</Parental><ParentID>34020000001180000001</ParentID><RegisterWay>1</RegisterWay>"
    "<Secrecy>0</Secrecy><Status>ON</Status></Item></DeviceList></Response>"
).encode("gb2312")
SESSION = "a" * 32
SNAPSHOT_CONFIG = (
    '<?xml version="1.0" encoding="GB2312" ?><Control><CmdType>DeviceConfig</CmdType><SN>7</SN>'
    "<DeviceID>34020000001310000001</DeviceID><SnapShotConfig><SnapNum>3</SnapNum><Interval>2</Interval>"
    "<UploadURL>http://192.168.1.10:8090/snapshots/x</UploadURL>"
    f"<SessionID>{SESSION}</SessionID></SnapShotConfig></Control>"
).encode("gb2312")
FINISHED = (
    '<?xml version="1.0" encoding="GB2312" ?><Notify><CmdType>UploadSnapShotFinished</CmdType><SN>8</SN>'
    f"<DeviceID>34020000001310000001</DeviceID><SessionID>{SESSION}</SessionID><SnapShotList>"
    "<SnapShotFileID>34020000001310000001022025081609220800000</SnapShotFileID>"
    "<SnapShotFileID>34020000001310000001022025081609221000001</SnapShotFileID>"
    "</SnapShotList></Notify>"
).encode("gb2312")

REGISTER = (
    b"REGISTER sip:34020000002000000001@3402000000 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1371463273\r\n"
    b"From: <sip:34020000001320000001@3402000000>;tag=2043466181\r\n"
    b"To: <sip:34020000001320000001@3402000000>\r\n"
    b"Call-ID: 1011047669\r\n"
    b"CSeq: 1 REGISTER\r\n"
    b"Contact: <sip:34020000001320000001@192.168.1.64:5060>\r\n"
    b"Max-Forwards: 70\r\n"
    b"User-Agent: IP Camera\r\n"
    b"Expires: 3600\r\n"
    b"Content-Length: 0\r\n\r\n"
)


# -- MANSCDP ------------------------------------------------------------------------------------


def test_keepalive_vector_parses_and_encodes_byte_for_byte():
    message = parse_manscdp(KEEPALIVE)
    assert message == Keepalive(4, DEVICE, "OK")
    assert message.encode() == KEEPALIVE


def test_catalog_response_vector_round_trips_with_its_gb2312_name():
    message = parse_manscdp(CATALOG_RESPONSE)
    assert isinstance(message, CatalogResponse)
    assert (message.sn, message.device_id, message.sum_num) == (1, "34020000001180000001", 4)
    [item] = message.items
    assert (item.device_id, item.name, item.model, item.status) == (
        "34020000001310000001",
        "仓库通道1",
        "IPC-HFW4150D-V2",
        "ON",
    )
    assert message.encode() == CATALOG_RESPONSE


def test_queries_encode_as_the_standard_shows():
    assert CatalogQuery(1, DEVICE).encode() == (
        b'<?xml version="1.0" encoding="GB2312" ?><Query><CmdType>Catalog</CmdType><SN>1</SN>'
        b"<DeviceID>34020000001320000001</DeviceID></Query>"
    )
    assert parse_manscdp(DeviceInfoQuery(2, DEVICE).encode()) == DeviceInfoQuery(2, DEVICE)


def test_device_info_response_round_trips():
    info = DeviceInfoResponse(3, DEVICE, "OK", "库房摄像头", "Dahua", "IPC-HFW", "2.800", 1)
    assert parse_manscdp(info.encode()) == info


def test_snapshot_config_under_device_config_reads_every_field():
    message = parse_manscdp(SNAPSHOT_CONFIG)
    assert message == SnapShotConfig(
        7, "34020000001310000001", "http://192.168.1.10:8090/snapshots/x", SESSION, 3, 2, "DeviceConfig"
    )
    assert message.encode() == SNAPSHOT_CONFIG


def test_snapshot_config_under_device_control_is_read_too():
    control = SNAPSHOT_CONFIG.replace(b"DeviceConfig", b"DeviceControl")
    assert parse_manscdp(control).placement == "DeviceControl"
    # One implementation names the element SnapShot; read it as the same command.
    renamed = control.replace(b"SnapShotConfig>", b"SnapShot>")
    assert parse_manscdp(renamed) == parse_manscdp(control)


def test_snapshot_config_refuses_values_outside_the_standard():
    with pytest.raises(ManscdpError, match="SnapNum"):
        SnapShotConfig(1, DEVICE, "http://x/", SESSION, snap_num=11)
    with pytest.raises(ManscdpError, match="SessionID"):
        SnapShotConfig(1, DEVICE, "http://x/", "short")


def test_upload_snapshot_finished_lists_the_file_ids():
    message = parse_manscdp(FINISHED)
    assert isinstance(message, UploadSnapShotFinished)
    assert message.file_ids == (
        "34020000001310000001022025081609220800000",
        "34020000001310000001022025081609221000001",
    )
    assert message.encode() == FINISHED


def test_control_response_names_its_command():
    body = ControlResponse(7, DEVICE, "DeviceControl", "OK").encode()
    assert parse_manscdp(body) == ControlResponse(7, DEVICE, "DeviceControl", "OK")


def test_a_name_outside_gb2312_is_declared_gb18030():
    body = DeviceInfoResponse(1, DEVICE, device_name="𠀀号库").encode()
    assert b'encoding="GB18030"' in body
    assert parse_manscdp(body).device_name == "𠀀号库"


def test_unknown_commands_are_reported_not_crashed_on():
    body = (
        b'<?xml version="1.0"?><Query><CmdType>RecordInfo</CmdType><SN>9</SN><DeviceID>1</DeviceID></Query>'
    )
    assert parse_manscdp(body) == UnknownCommand("Query", "RecordInfo", 9, "1")


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<Notify><CmdType>Keepalive</CmdType><DeviceID>1</DeviceID></Notify>",  # no SN
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Notify><CmdType>&a;</CmdType></Notify>',
        b'<?xml version="1.0" encoding="GB2312" ?><Notify><SN>x</SN></Notify>',
        b"<Notify><SN>1</SN></Notify>",  # no CmdType
    ],
)
def test_garbage_bodies_raise_manscdp_error(body):
    with pytest.raises(ManscdpError):
        parse_manscdp(body)


# -- ids ----------------------------------------------------------------------------------------


def test_ids_give_their_domain_and_type():
    assert domain_of(SERVER) == "3402000000"
    assert device_type(SERVER) == 200
    assert device_type(DEVICE) == 132


def test_snapshot_file_id_matches_the_reference_example():
    # 2025-08-16 09:22:08 Beijing time is 01:22:08 UTC.
    time_ms = 1_755_307_328_000
    assert snapshot_file_id("34020000001310000001", time_ms, 0) == "34020000001310000001022025081609220800000"
    assert parse_snapshot_file_id("34020000001310000001022025081609220800000.jpg") == (
        "34020000001310000001",
        "20250816092208",
        0,
    )


def test_register_date_is_local_time_with_milliseconds():
    assert gb_date(1_755_307_328_123) == "2025-08-16T09:22:08.123"


# -- SIP ----------------------------------------------------------------------------------------


def test_register_vector_parses_into_its_headers():
    request = parse_message(REGISTER)
    assert isinstance(request, SipRequest)
    assert (request.method, request.uri) == ("REGISTER", "sip:34020000002000000001@3402000000")
    assert request.cseq == (1, "REGISTER")
    assert request.header("expires") == "3600"
    via = parse_via(request.header("Via"))
    assert (via.host, via.port, via.branch) == ("192.168.1.64", 5060, "z9hG4bK1371463273")


def test_encoding_a_parsed_message_gives_the_same_bytes():
    assert parse_message(REGISTER).encode() == REGISTER


def test_compact_header_names_are_expanded():
    compact = REGISTER.replace(b"Call-ID:", b"i:").replace(b"Content-Length:", b"l:")
    request = parse_message(compact)
    assert request.call_id == "1011047669"
    assert request.encode() == REGISTER


def test_the_body_is_cut_at_content_length():
    message = build_request(
        "MESSAGE",
        f"sip:{SERVER}@3402000000",
        from_=NameAddr(f"sip:{DEVICE}@3402000000", params={"tag": "1"}),
        to=NameAddr(f"sip:{SERVER}@3402000000"),
        call_id="c1",
        cseq=2,
        via="SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKx",
        body=KEEPALIVE,
    ).encode()
    parsed = parse_message(message + b"trailing junk")
    assert parsed.body == KEEPALIVE
    assert parsed.content_type == "application/manscdp+xml"


@pytest.mark.parametrize(
    "datagram",
    [
        b"",
        b"\x00\x01\x02",
        b"HELLO WORLD\r\n\r\n",
        b"REGISTER sip:x SIP/2.0\r\nContent-Length: 99\r\n\r\nshort",
        b"REGISTER sip:x SIP/2.0\r\nno colon here\r\n\r\n",
        b"SIP/2.0 999 Nope\r\n\r\n",
    ],
)
def test_garbage_datagrams_raise_sip_parse_error(datagram):
    with pytest.raises(SipParseError):
        parse_message(datagram)


# -- Digest -------------------------------------------------------------------------------------


def test_digest_matches_the_rfc_2617_example():
    assert (
        digest_response(
            username="Mufasa",
            realm="testrealm@host.com",
            password="Circle Of Life",
            method="GET",
            uri="/dir/index.html",
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop="auth",
            nc="00000001",
            cnonce="0a4f113b",
        )
        == "6629fae49393a05397450978507c4ef1"
    )


def test_a_challenge_answered_verifies_and_survives_its_header_form():
    challenge = DigestChallenge.parse(DigestChallenge("3402000000", "n0nce", qop="auth").header_value())
    creds = challenge.answer(
        username=DEVICE, password="12345678", method="REGISTER", uri=f"sip:{SERVER}@3402000000", cnonce="c"
    )
    parsed = DigestCredentials.parse(creds.header_value())
    assert parsed == creds
    assert parsed.verify("12345678", "REGISTER")
    assert not parsed.verify("wrong", "REGISTER")


# -- the registrar ------------------------------------------------------------------------------


def _registrar() -> Registrar:
    nonces = iter(f"nonce{i}" for i in range(100))
    return Registrar("3402000000", {DEVICE: "12345678"}.get, lambda: next(nonces))


def _answer(request: SipRequest, challenge: SipResponse, password: str) -> SipRequest:
    creds = DigestChallenge.parse(challenge.header("WWW-Authenticate")).answer(
        username=DEVICE, password=password, method="REGISTER", uri=request.uri, cnonce="abc"
    )
    return SipRequest(
        request.headers + (("Authorization", creds.header_value()),), b"", "REGISTER", request.uri
    )


def test_register_is_challenged_then_accepted_with_the_right_password():
    registrar = _registrar()
    request = parse_message(REGISTER)
    challenge, event = registrar.handle(request, NOW)
    assert challenge.status == 401 and event is None
    assert 'realm="3402000000"' in challenge.header("WWW-Authenticate")
    ok, event = registrar.handle(_answer(request, challenge, "12345678"), NOW + 50)
    assert ok.status == 200
    assert ok.header("Date") == gb_date(NOW + 50)
    assert event == Registered(DEVICE, "<sip:34020000001320000001@192.168.1.64:5060>", 3600)
    assert registrar.is_registered(DEVICE, NOW + 3_599_000)
    assert not registrar.is_registered(DEVICE, NOW + 3_601_000)


def test_register_with_the_wrong_password_is_forbidden():
    registrar = _registrar()
    request = parse_message(REGISTER)
    challenge, _ = registrar.handle(request, NOW)
    answer, event = registrar.handle(_answer(request, challenge, "guess"), NOW)
    assert answer.status == 403
    assert event.reason == "wrong password"
    assert not registrar.is_registered(DEVICE, NOW)


def test_a_stale_nonce_is_challenged_again_not_accepted():
    registrar = _registrar()
    request = parse_message(REGISTER)
    challenge, _ = registrar.handle(request, NOW)
    answer, event = registrar.handle(_answer(request, challenge, "12345678"), NOW + 10 * 60 * 1000)
    assert answer.status == 401 and event is None
    assert "stale=TRUE" in answer.header("WWW-Authenticate")


def test_an_unknown_device_is_refused():
    registrar = _registrar()
    request = parse_message(REGISTER.replace(b"34020000001320000001@", b"34020000001320000009@"))
    answer, event = registrar.handle(request, NOW)
    assert answer.status == 403 and event.reason == "unknown device"


def test_expires_zero_unregisters():
    registrar = _registrar()
    request = parse_message(REGISTER)
    challenge, _ = registrar.handle(request, NOW)
    registrar.handle(_answer(request, challenge, "12345678"), NOW)
    bye = parse_message(REGISTER.replace(b"Expires: 3600", b"Expires: 0"))
    challenge, _ = registrar.handle(bye, NOW + 1)
    answer, event = registrar.handle(_answer(bye, challenge, "12345678"), NOW + 2)
    assert answer.status == 200 and event == Unregistered(DEVICE)
    assert not registrar.is_registered(DEVICE, NOW + 3)

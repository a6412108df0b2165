"""MANSCDP XML bodies (GB/T 28181 Annex A): keepalive, catalog, device info and the 2022 snapshot command.

`parse_manscdp(body)` turns a MESSAGE body into one of the frozen dataclasses below (or `UnknownCommand`);
each dataclass's `encode()` returns the body bytes, GB2312 as devices send it (GB18030 when a name does not
fit GB2312). Bodies are read as GB18030, a superset of GB2312, so a name outside GB2312 does not break a
reader. DOCTYPE and entity declarations are refused: a device has no reason to send them.

The snapshot command (图像抓拍, 2022 edition) is `SnapShotConfig` under `Control/DeviceConfig`; one
implementation sends it under `Control/DeviceControl` (and names it `SnapShot`), so both are read, and
`placement` says which one to write.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final, Literal
from xml.sax.saxutils import escape

MAX_BODY: Final = 64 * 1024
MAX_SNAPSHOTS: Final = 10

_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_-]+)["'][^>]*\?>""")
_ANY_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")

Placement = Literal["DeviceConfig", "DeviceControl"]


class ManscdpError(ValueError):
    """A MESSAGE body that is not MANSCDP XML we can read, or a value out of the standard's range."""


def _decl(encoding: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}" ?>'


def _el(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def _encode(root: str, inner: str) -> bytes:
    text = f"<{root}>{inner}</{root}>"
    try:
        return (_decl("GB2312") + text).encode("gb2312")
    except UnicodeEncodeError:
        return (_decl("GB18030") + text).encode("gb18030")


def _head(cmd_type: str, sn: int, device_id: str) -> str:
    return _el("CmdType", cmd_type) + _el("SN", sn) + _el("DeviceID", device_id)


def _check_sn(sn: int) -> None:
    if not isinstance(sn, int) or isinstance(sn, bool) or sn < 0:
        raise ManscdpError(f"SN must be a non-negative integer, got {sn!r}")


@dataclass(frozen=True, slots=True)
class Keepalive:
    sn: int
    device_id: str
    status: str = "OK"

    def __post_init__(self) -> None:
        _check_sn(self.sn)

    def encode(self) -> bytes:
        return _encode("Notify", _head("Keepalive", self.sn, self.device_id) + _el("Status", self.status))


@dataclass(frozen=True, slots=True)
class CatalogQuery:
    sn: int
    device_id: str

    def __post_init__(self) -> None:
        _check_sn(self.sn)

    def encode(self) -> bytes:
        return _encode("Query", _head("Catalog", self.sn, self.device_id))


@dataclass(frozen=True, slots=True)
class CatalogItem:
    device_id: str
    name: str
    manufacturer: str = ""
    model: str = ""
    owner: str = "0"
    civil_code: str = ""
    address: str = ""
    parental: int = 0
    parent_id: str = ""
    register_way: int = 1
    secrecy: int = 0
    status: str = "ON"

    def encode(self) -> str:
        return (
            "<Item>"
            + _el("DeviceID", self.device_id)
            + _el("Name", self.name)
            + _el("Manufacturer", self.manufacturer)
            + _el("Model", self.model)
            + _el("Owner", self.owner)
            + _el("CivilCode", self.civil_code)
            + _el("Address", self.address)
            + _el("Parental", self.parental)
            + _el("ParentID", self.parent_id)
            + _el("RegisterWay", self.register_way)
            + _el("Secrecy", self.secrecy)
            + _el("Status", self.status)
            + "</Item>"
        )


@dataclass(frozen=True, slots=True)
class CatalogResponse:
    """One MESSAGE of a catalog answer; devices send one `Item` per MESSAGE, `sum_num` items in all."""

    sn: int
    device_id: str
    sum_num: int
    items: tuple[CatalogItem, ...]

    def __post_init__(self) -> None:
        _check_sn(self.sn)

    def encode(self) -> bytes:
        inner = _head("Catalog", self.sn, self.device_id) + _el("SumNum", self.sum_num)
        inner += f'<DeviceList Num="{len(self.items)}">' + "".join(i.encode() for i in self.items)
        return _encode("Response", inner + "</DeviceList>")


@dataclass(frozen=True, slots=True)
class DeviceInfoQuery:
    sn: int
    device_id: str

    def __post_init__(self) -> None:
        _check_sn(self.sn)

    def encode(self) -> bytes:
        return _encode("Query", _head("DeviceInfo", self.sn, self.device_id))


@dataclass(frozen=True, slots=True)
class DeviceInfoResponse:
    sn: int
    device_id: str
    result: str = "OK"
    device_name: str = ""
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    channel: int = 1

    def __post_init__(self) -> None:
        _check_sn(self.sn)

    def encode(self) -> bytes:
        return _encode(
            "Response",
            _head("DeviceInfo", self.sn, self.device_id)
            + _el("Result", self.result)
            + _el("DeviceName", self.device_name)
            + _el("Manufacturer", self.manufacturer)
            + _el("Model", self.model)
            + _el("Firmware", self.firmware)
            + _el("Channel", self.channel),
        )


@dataclass(frozen=True, slots=True)
class SnapShotConfig:
    """Ask a channel for `snap_num` JPEGs, `interval` seconds apart, HTTP-POSTed to `upload_url`."""

    sn: int
    device_id: str
    upload_url: str
    session_id: str
    snap_num: int = 1
    interval: int = 1
    placement: Placement = "DeviceConfig"

    def __post_init__(self) -> None:
        _check_sn(self.sn)
        if not 1 <= self.snap_num <= MAX_SNAPSHOTS:
            raise ManscdpError(f"SnapNum is 1–{MAX_SNAPSHOTS}, got {self.snap_num}")
        if not 32 <= len(self.session_id) <= 128:
            raise ManscdpError(f"SessionID is 32–128 characters, got {len(self.session_id)}")
        if self.interval < 1:
            raise ManscdpError(f"Interval is at least 1 second, got {self.interval}")
        if self.placement not in ("DeviceConfig", "DeviceControl"):
            raise ManscdpError(f"placement is DeviceConfig or DeviceControl, got {self.placement!r}")

    def encode(self) -> bytes:
        snap = (
            "<SnapShotConfig>"
            + _el("SnapNum", self.snap_num)
            + _el("Interval", self.interval)
            + _el("UploadURL", self.upload_url)
            + _el("SessionID", self.session_id)
            + "</SnapShotConfig>"
        )
        return _encode("Control", _head(self.placement, self.sn, self.device_id) + snap)


@dataclass(frozen=True, slots=True)
class ControlResponse:
    """The device's answer to a Control command: `<Result>OK</Result>` or `ERROR`."""

    sn: int
    device_id: str
    cmd_type: str
    result: str = "OK"

    def __post_init__(self) -> None:
        _check_sn(self.sn)

    def encode(self) -> bytes:
        return _encode("Response", _head(self.cmd_type, self.sn, self.device_id) + _el("Result", self.result))


@dataclass(frozen=True, slots=True)
class UploadSnapShotFinished:
    sn: int
    device_id: str
    session_id: str
    file_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_sn(self.sn)
        if len(self.file_ids) > MAX_SNAPSHOTS:
            raise ManscdpError(f"at most {MAX_SNAPSHOTS} snapshots, got {len(self.file_ids)}")

    def encode(self) -> bytes:
        files = "".join(_el("SnapShotFileID", f) for f in self.file_ids)
        return _encode(
            "Notify",
            _head("UploadSnapShotFinished", self.sn, self.device_id)
            + _el("SessionID", self.session_id)
            + f"<SnapShotList>{files}</SnapShotList>",
        )


@dataclass(frozen=True, slots=True)
class UnknownCommand:
    """A well-formed MANSCDP body of a command we do not handle; the platform answers it 200 and goes on."""

    root: str
    cmd_type: str
    sn: int | None
    device_id: str


Manscdp = (
    Keepalive
    | CatalogQuery
    | CatalogResponse
    | DeviceInfoQuery
    | DeviceInfoResponse
    | SnapShotConfig
    | ControlResponse
    | UploadSnapShotFinished
    | UnknownCommand
)


def decode_body(body: bytes) -> str:
    """The body as text: the declared encoding, GB2312 read as GB18030; UTF-8 when none is declared."""
    if len(body) > MAX_BODY:
        raise ManscdpError(f"body of {len(body)} bytes is larger than {MAX_BODY}")
    m = _DECL.match(body)
    declared = m.group(1).decode("ascii").lower() if m else "utf-8"
    codec = "gb18030" if declared in ("gb2312", "gbk", "gb18030") else declared
    try:
        return body.decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise ManscdpError(f"body is not valid {declared}: {exc}") from exc


def parse_manscdp(body: bytes) -> Manscdp:
    text = decode_body(body)
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise ManscdpError("DOCTYPE and ENTITY declarations are refused")
    try:
        root = ET.fromstring(_ANY_DECL.sub("", text, count=1))
    except ET.ParseError as exc:
        raise ManscdpError(f"body is not well-formed XML: {exc}") from exc
    cmd_type = _text(root, "CmdType")
    device_id = _text(root, "DeviceID")
    sn = _int(root, "SN", required=False)
    key = (root.tag, cmd_type)
    if key == ("Notify", "Keepalive"):
        return Keepalive(_need_sn(sn), device_id, _text(root, "Status") or "OK")
    if key == ("Query", "Catalog"):
        return CatalogQuery(_need_sn(sn), device_id)
    if key == ("Query", "DeviceInfo"):
        return DeviceInfoQuery(_need_sn(sn), device_id)
    if key == ("Response", "Catalog"):
        items = tuple(_item(i) for i in root.iterfind("DeviceList/Item"))
        return CatalogResponse(_need_sn(sn), device_id, _int(root, "SumNum") or 0, items)
    if key == ("Response", "DeviceInfo"):
        return DeviceInfoResponse(
            _need_sn(sn),
            device_id,
            result=_text(root, "Result") or "OK",
            device_name=_text(root, "DeviceName"),
            manufacturer=_text(root, "Manufacturer"),
            model=_text(root, "Model"),
            firmware=_text(root, "Firmware"),
            channel=_int(root, "Channel", required=False) or 0,
        )
    if root.tag == "Control" and cmd_type in ("DeviceConfig", "DeviceControl"):
        snap = root.find("SnapShotConfig")
        if snap is None:
            snap = root.find("SnapShot")
        if snap is not None:
            return SnapShotConfig(
                sn=_need_sn(sn),
                device_id=device_id,
                upload_url=_text(snap, "UploadURL"),
                session_id=_text(snap, "SessionID"),
                snap_num=_int(snap, "SnapNum", required=False) or 1,
                interval=_int(snap, "Interval", required=False) or 1,
                placement=cmd_type,  # type: ignore[arg-type]
            )
    if root.tag == "Response" and _text(root, "Result"):
        return ControlResponse(_need_sn(sn), device_id, cmd_type, _text(root, "Result"))
    if key == ("Notify", "UploadSnapShotFinished"):
        files = tuple((e.text or "").strip() for e in root.iterfind("SnapShotList/SnapShotFileID"))
        return UploadSnapShotFinished(_need_sn(sn), device_id, _text(root, "SessionID"), files)
    if not cmd_type:
        raise ManscdpError(f"<{root.tag}> has no CmdType")
    return UnknownCommand(root.tag, cmd_type, sn, device_id)


def _text(el: ET.Element, path: str) -> str:
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _int(el: ET.Element, path: str, *, required: bool = True) -> int | None:
    value = _text(el, path)
    if not value:
        if required:
            raise ManscdpError(f"<{path}> is missing")
        return None
    if not value.isdigit():
        raise ManscdpError(f"<{path}> is not a number: {value!r}")
    return int(value)


def _need_sn(sn: int | None) -> int:
    if sn is None:
        raise ManscdpError("<SN> is missing")
    return sn


def _item(el: ET.Element) -> CatalogItem:
    def num(name: str, default: int) -> int:
        v = _text(el, name)
        return int(v) if v.isdigit() else default

    return CatalogItem(
        device_id=_text(el, "DeviceID"),
        name=_text(el, "Name"),
        manufacturer=_text(el, "Manufacturer"),
        model=_text(el, "Model"),
        owner=_text(el, "Owner"),
        civil_code=_text(el, "CivilCode"),
        address=_text(el, "Address"),
        parental=num("Parental", 0),
        parent_id=_text(el, "ParentID"),
        register_way=num("RegisterWay", 1),
        secrecy=num("Secrecy", 0),
        status=_text(el, "Status") or "ON",
    )

"""The envelope of `POST {base}/region/system/resource/listByDynamicParam` (seed 002, §数据对接).

Request body: `{resVer, certCode, resCode, jsonParam}`: the resource version, the certificate (资源凭证) the
province issued to the city, the resource code (资源编码) naming the dataset, and the query parameters.
Answer: `{success, msg, code, extend, obj, sysMsg, total, data}`: `data` is the page of records, `total` the
number of records the query matches. The same envelope carries records upward (push): `jsonParam.records`.

`jsonParam` is sent as a JSON object; a platform that wants it as a string inside the JSON gets it with
`param_as_string=True` (both are read back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_BODY = 64 * 1024 * 1024  # a page larger than this is garbage, not data


class ProvinceProtocolError(ValueError):
    """The peer sent something that is not this envelope (not JSON, a field missing or of the wrong type)."""


@dataclass(frozen=True, slots=True)
class ListRequest:
    res_ver: str
    cert_code: str
    res_code: str
    json_param: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("res_ver", "cert_code", "res_code"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ProvinceProtocolError(f"{name} must be a non-empty string")
        if not isinstance(self.json_param, dict):
            raise ProvinceProtocolError("jsonParam must be an object")


@dataclass(frozen=True, slots=True)
class ListAnswer:
    success: bool
    code: str
    msg: str = ""
    total: int = 0
    data: tuple[dict[str, Any], ...] = ()
    extend: Any = None
    obj: Any = None
    sys_msg: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.success, bool):
            raise ProvinceProtocolError("success must be true or false")
        if not isinstance(self.total, int) or isinstance(self.total, bool) or self.total < 0:
            raise ProvinceProtocolError("total must be a non-negative integer")
        if not all(isinstance(r, dict) for r in self.data):
            raise ProvinceProtocolError("data must be a list of objects")


def _load(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY:
        raise ProvinceProtocolError(f"body of {len(body)} bytes is over the {MAX_BODY} limit")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProvinceProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ProvinceProtocolError("the body must be a JSON object")
    return doc


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_request(request: ListRequest, *, param_as_string: bool = False) -> bytes:
    param: Any = request.json_param
    if param_as_string:
        param = json.dumps(param, ensure_ascii=False, separators=(",", ":"))
    return _dump(
        {
            "resVer": request.res_ver,
            "certCode": request.cert_code,
            "resCode": request.res_code,
            "jsonParam": param,
        }
    )


def decode_request(body: bytes) -> ListRequest:
    doc = _load(body)
    param = doc.get("jsonParam", {})
    if isinstance(param, str):
        try:
            param = json.loads(param) if param else {}
        except json.JSONDecodeError as exc:
            raise ProvinceProtocolError(f"jsonParam is not JSON: {exc}") from exc
    if param is None:
        param = {}
    try:
        return ListRequest(doc.get("resVer"), doc.get("certCode"), doc.get("resCode"), param)  # type: ignore[arg-type]
    except TypeError as exc:  # pragma: no cover - dataclass arity is fixed
        raise ProvinceProtocolError(str(exc)) from exc


def encode_answer(answer: ListAnswer) -> bytes:
    return _dump(
        {
            "success": answer.success,
            "msg": answer.msg,
            "code": answer.code,
            "extend": answer.extend,
            "obj": answer.obj,
            "sysMsg": answer.sys_msg,
            "total": answer.total,
            "data": list(answer.data),
        }
    )


def decode_answer(body: bytes) -> ListAnswer:
    doc = _load(body)
    if "success" not in doc:
        raise ProvinceProtocolError("the answer has no `success`")
    data = doc.get("data")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise ProvinceProtocolError("data must be a list")
    total = doc.get("total")
    if total is None:
        total = len(data)
    if isinstance(total, str) and total.isdigit():
        total = int(total)
    code = doc.get("code")
    return ListAnswer(
        success=doc["success"],
        code="" if code is None else str(code),
        msg=str(doc.get("msg") or ""),
        total=total,
        data=tuple(data),
        extend=doc.get("extend"),
        obj=doc.get("obj"),
        sys_msg=None if doc.get("sysMsg") is None else str(doc.get("sysMsg")),
    )

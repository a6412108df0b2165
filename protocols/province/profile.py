"""A province's profile: where its interface is, which resource code (资源编码) names each dataset, what
goes in `jsonParam` (paging, modified-since), and the province's field names for each dataset.

The seed names only the envelope and one resource code (`S_YearProd`); everything else a province must tell
the city. A profile marks each such value `confirmed = false` (dataset) or lists it under `unknowns`, so an
operator sees what to ask for before going live. Profiles live in firmware-config/province/NAME.toml; this
module parses the TOML text (the caller reads the file).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from protocols.china_time import CHINA

# The datasets the city receives back (回流), in the order a pull applies them: parties before their records.
DATASETS: dict[str, str] = {
    "enterprise": "企业基本信息",
    "transporter": "运输单位",
    "storage_point": "企业贮存点",
    "licence": "危险废物经营许可证",
    "plan": "管理计划",
    "vehicle": "车辆",
    "monthly_declaration": "产废企业月报",
    "disposer_daily": "经营单位日报",
    "manifest": "危险废物转移联单",
}
# The hub's own data it sends up (上报), in the order a push sends them.
PUSH_DATASETS: dict[str, str] = {
    "production": "产生记录（称重台账）",
    "manifest": "转移联单",
    "stock": "贮存库存（日快照）",
    "warning": "预警",
}
PLACEHOLDERS = ("{page}", "{size}", "{since}", "{until}")


class ProfileError(ValueError):
    """A profile (or a value read through it) is not usable: the message says which key and why."""


@dataclass(frozen=True, slots=True)
class DatasetProfile:
    name: str  # the hub's name for the dataset (DATASETS)
    title: str
    res_code: str
    confirmed: bool  # False: the resource code is our guess until the province confirms it
    id_field: str  # the province's record id: a record is stored once per id and content
    updated_field: str  # when the record last changed at the province (the modified-since filter)
    fields: dict[str, str]  # hub field → province field
    line_fields: dict[str, str] = field(default_factory=dict)  # the same, inside a record's line list
    # A record deleted at the province comes as its last version with a mark (删除标志): the hub field
    # `deleted` (mapped in `fields`) holding one of these values.
    deleted_values: tuple[str, ...] = ("1",)

    def get(self, record: dict[str, Any], name: str) -> Any:
        return record.get(self.fields.get(name, name))

    def is_deleted(self, record: dict[str, Any]) -> bool:
        if "deleted" not in self.fields:
            return False
        return str(self.get(record, "deleted") or "").strip() in self.deleted_values

    def lines(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """The record's detail lines (月报、日报、计划 明细), renamed to the hub's field names."""
        raw = self.get(record, "lines") or []
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            raise ProfileError(f"{self.title}: 明细应为列表 (lines must be a list of objects)")
        return [{hub: line.get(prov) for hub, prov in self.line_fields.items()} for line in raw]

    def to_province(self, values: dict[str, Any]) -> dict[str, Any]:
        """A record in the province's field names (the simulator's side)."""
        out: dict[str, Any] = {}
        for hub, value in values.items():
            if hub == "lines":
                value = [{self.line_fields.get(k, k): v for k, v in line.items()} for line in value]
            out[self.fields.get(hub, hub)] = value
        return out


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    list_path: str
    push_path: str
    res_ver: str
    time_format: str
    page_size: int
    min_interval_ms: int
    overlap_s: int
    retries: int
    backoff_ms: int
    timeout_s: float
    first_since_ms: int
    json_param: dict[str, Any]
    datasets: dict[str, DatasetProfile]
    push: dict[str, str]  # push dataset → resource code
    unknowns: tuple[str, ...]

    def by_res_code(self, res_code: str) -> DatasetProfile | None:
        return next((d for d in self.datasets.values() if d.res_code == res_code), None)

    def render_param(self, *, page: int, size: int, since_ms: int, until_ms: int) -> dict[str, Any]:
        """The template with its placeholders filled: numbers stay numbers, times in the profile's format."""
        values: dict[str, Any] = {
            "{page}": page,
            "{size}": size,
            "{since}": format_time(since_ms, self.time_format),
            "{until}": format_time(until_ms, self.time_format),
        }
        return {k: values.get(v, v) if isinstance(v, str) else v for k, v in self.json_param.items()}

    def read_param(self, param: dict[str, Any]) -> dict[str, Any]:
        """The other way (the simulator's side): page, size, since_ms, until_ms from a jsonParam."""
        out: dict[str, Any] = {}
        for key, template in self.json_param.items():
            if template not in PLACEHOLDERS:
                continue
            value = param.get(key)
            name = template.strip("{}")
            if value is None:
                continue
            if name in ("page", "size"):
                try:
                    out[name] = int(value)
                except (TypeError, ValueError) as exc:
                    raise ProfileError(f"{key} 应为整数 (must be an integer)") from exc
            else:
                out[name + "_ms"] = parse_time(str(value), self.time_format)
        return out


def format_time(ms: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """UTC ms → the province's time text, in Beijing time (seconds are floored)."""
    return dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC).astimezone(CHINA).strftime(fmt)


def parse_time(text: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> int:
    """The province's time text (Beijing time) → UTC ms."""
    try:
        moment = dt.datetime.strptime(text, fmt).replace(tzinfo=CHINA)
    except ValueError as exc:
        raise ProfileError(f"时间 {text!r} 不符合格式 {fmt} (bad time)") from exc
    return int(moment.timestamp()) * 1000


def grams_from_tonnes(value: Any) -> int:
    """A quantity in tonnes (吨, as the platforms declare) → integer grams, half-even below a gram."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ProfileError("数量应为数字 (a quantity must be a number)")
    try:
        tonnes = Decimal(str(value))
    except InvalidOperation as exc:
        raise ProfileError(f"数量 {value!r} 不是数字 (not a number)") from exc
    if not tonnes.is_finite() or tonnes < 0:
        raise ProfileError(f"数量 {value!r} 应为非负数 (must be ≥ 0)")
    return int((tonnes * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def tonnes_from_grams(grams: int) -> str:
    """Integer grams → tonnes text with six decimals, exactly."""
    sign = "-" if grams < 0 else ""
    t, g = divmod(abs(grams), 1_000_000)
    return f"{sign}{t}.{g:06d}"


def _req(doc: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in doc:
        raise ProfileError(f"{where}: `{key}` is missing")
    value = doc[key]
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ProfileError(f"{where}: `{key}` must be {kind.__name__}")
    return value


def _req_table(doc: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """An optional table: {} when absent."""
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: `{key}` must be a table")
    return value


def parse_profile(text: str) -> Profile:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not TOML: {exc}") from exc
    name = _req(doc, "name", str, "profile")
    time_format = doc.get("time_format", "%Y-%m-%d %H:%M:%S")
    template = _req(doc, "json_param", dict, name)
    missing = [p for p in PLACEHOLDERS if p not in template.values()]
    if missing:
        raise ProfileError(f"{name}: json_param must place {', '.join(missing)}")
    datasets: dict[str, DatasetProfile] = {}
    deleted_field = doc.get("deleted_field")  # the deletion mark, for every dataset that names none
    deleted_values = tuple(str(v) for v in doc.get("deleted_values", ["1"]))
    for key, ds in _req(doc, "datasets", dict, name).items():
        if key not in DATASETS:
            raise ProfileError(f"{name}: unknown dataset {key!r} (known: {', '.join(DATASETS)})")
        where = f"{name}.datasets.{key}"
        datasets[key] = DatasetProfile(
            name=key,
            title=DATASETS[key],
            res_code=_req(ds, "res_code", str, where),
            confirmed=bool(ds.get("confirmed", False)),
            id_field=_req(ds, "id_field", str, where),
            updated_field=_req(ds, "updated_field", str, where),
            fields={**({"deleted": str(deleted_field)} if deleted_field else {}), **ds.get("fields", {})},
            line_fields=dict(ds.get("line_fields", {})),
            deleted_values=deleted_values,
        )
    codes = [d.res_code for d in datasets.values()]
    if len(set(codes)) != len(codes):
        raise ProfileError(f"{name}: two datasets share a resource code")
    push: dict[str, str] = {}
    for key, ds in _req_table(doc, "push", name).items():
        if key not in PUSH_DATASETS:
            raise ProfileError(f"{name}: unknown push dataset {key!r} (known: {', '.join(PUSH_DATASETS)})")
        if not isinstance(ds, dict):
            raise ProfileError(f"{name}.push.{key} must be a table")
        push[key] = _req(ds, "res_code", str, f"{name}.push.{key}")
    if len(set(push.values())) != len(push):
        raise ProfileError(f"{name}: two push datasets share a resource code")
    return Profile(
        name=name,
        title=str(doc.get("title", name)),
        list_path=_req(doc, "list_path", str, name),
        push_path=_req(doc, "push_path", str, name),
        res_ver=str(doc.get("res_ver", "1.0")),
        time_format=time_format,
        page_size=int(doc.get("page_size", 500)),
        min_interval_ms=int(doc.get("min_interval_ms", 0)),
        overlap_s=int(doc.get("overlap_s", 300)),
        retries=int(doc.get("retries", 5)),
        backoff_ms=int(doc.get("backoff_ms", 500)),
        timeout_s=float(doc.get("timeout_s", 30)),
        first_since_ms=parse_time(str(doc.get("first_since", "2000-01-01 00:00:00")), time_format),
        json_param=dict(template),
        datasets=datasets,
        push=push,
        unknowns=tuple(str(u) for u in doc.get("unknowns", [])),
    )

"""Bags on the move after labelling: 入库, 出库 and 装车 at the producer's store, 复磅 and 利用处置 at the
receiver.

Each movement is one event appended to the same signed ledger the weighings go to (the uplink sends it), and
only after the edge has checked it against that ledger: a bag this box never weighed is not stored, a bag
not in storage is not taken out. A refusal raises a `WeighingError` subclass (4xx, messages in Chinese and
English) and commits nothing. The `data` keys are the ones the hub projects (hub/inventory.py,
hub/receiving.py, docs/manifests.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from edge.config import EdgeConfig
from edge.ledger import Ledger, LedgerError
from edge.scales.errors import ScaleError, UnknownScale
from edge.scales.service import ScaleSet
from edge.shipping import ShippingBook
from edge.workflow import BadRequest, NoSuchScale, ScaleProblem, WeighingError, snapshot_data
from protocols.codes import CodeError, IdentificationCode, parse_code
from protocols.fleet.shipping import ShippingManifest
from protocols.ledger import Event, EventKind

if TYPE_CHECKING:  # the camera service loads OpenCV: only a box with cameras imports it
    from edge.cameras.service import CameraService, SnapshotOutcome

# The hub's two disposal modes (HWZXLY… / HWZXCZ… batch codes).
DISPOSAL_MODES = ("utilisation", "disposal")
MAX_TEXT = 200


class NotOurs(WeighingError):
    status = 404


class WrongState(WeighingError):
    status = 409


@dataclass(frozen=True, slots=True)
class MovementResult:
    kind: str
    code: str
    seq: int
    time_ms: int
    grams: int | None
    message_zh: str
    message_en: str


def code_from_scan(scanned: object) -> str:
    """The 数字识别码 from what was typed or scanned: the code itself or the label's QR URL `…/t/{code}`."""
    if not isinstance(scanned, str) or not scanned.strip():
        raise BadRequest("请扫描或输入标签上的识别码", "code (the label's code or its QR URL) is required")
    text = scanned.strip()
    if "://" in text:
        # A scanner may send the URL in capitals (QR alphanumeric mode, caps lock): HTTP://HOST/T/CODE.
        path = urlsplit(text).path.rstrip("/")
        at = path.lower().rfind("/t/")
        if at < 0:
            raise BadRequest(
                "扫到的网址不是废物标签的二维码", f"the scanned URL is not a label's trace URL: {text}"
            )
        text = path[at + 3 :]
    # Codes are upper case (the USCC's letters); a scanner in the wrong keyboard case sends lower case.
    return text.upper()


def parsed_code(scanned: object) -> IdentificationCode:
    code = code_from_scan(scanned)
    try:
        return parse_code(code)
    except CodeError as exc:
        raise BadRequest(f"识别码格式错误：{exc}", f"not a valid identification code: {exc}") from exc


def _text(value: object, what_zh: str, what_en: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"请填写{what_zh}", f"{what_en} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{what_zh}格式错误", f"{what_en} must be a string")
    if len(value) > MAX_TEXT:
        raise BadRequest(
            f"{what_zh}请控制在 {MAX_TEXT} 字以内", f"{what_en} is limited to {MAX_TEXT} characters"
        )
    return value.strip()


def storage_state(events: Sequence[Event]) -> str | None:
    """Where a bag stands by this box's ledger: "in" (stored), "out" (taken out), None (never stored)."""
    state = None
    for e in events:
        if e.kind == EventKind.STORING:
            state = "in"
        elif e.kind == EventKind.STAGING_OUTBOUND:
            state = "out"
    return state


BAG_STATES = ("weighed", "stored", "out", "loaded", "voided")


def bag_state(events: Sequence[Event]) -> str:
    """For the recent-bags list: weighed (not stored yet), stored, out (taken out), loaded (scanned onto a
    manifest's truck), or voided."""
    if any(e.kind == EventKind.DECOMMISSIONING for e in events):
        return "voided"
    if any(e.kind == EventKind.DEPARTING for e in events):
        return "loaded"
    return {"in": "stored", "out": "out", None: "weighed"}[storage_state(events)]


class Movements:
    def __init__(
        self,
        config: EdgeConfig,
        ledger: Ledger,
        scale: ScaleSet,
        on_commit: Callable[[], None] = lambda: None,
        shipping: ShippingBook | None = None,
        cameras: CameraService | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.scale = scale
        self.on_commit = on_commit
        self.shipping = shipping
        self.cameras = cameras
        # Check and append as one step: two scans of the same bag at once must not both store it.
        self._lock = asyncio.Lock()

    async def store(
        self, scanned: object, operator: object = None, facility: object = None
    ) -> MovementResult:
        """入库: a bag this box weighed goes into the storage facility."""
        code = parsed_code(scanned).code
        keeper = _text(operator, "操作员", "operator") or self.config.operator
        where = _text(facility, "贮存设施编码", "facility") or self.config.warehouse.facility
        snapshots = await self._snapshots()
        async with self._lock:
            commissioned, events = await self._own_bag(code)
            if storage_state(events) == "in":
                raise WrongState(f"该袋 {code} 已经入库，不能重复入库", f"bag {code} is already in storage")
            data = self._warehouse_data(where)
            if self.config.warehouse.facility_type:
                data["facility_type"] = self.config.warehouse.facility_type
            event = await self._append(
                EventKind.STORING,
                code,
                snapshots,
                waste_code=commissioned.waste_code,
                grams=commissioned.grams,
                operator=keeper,
                data=data,
            )
        return _result(event, f"已入库：{code}", f"stored: {code}")

    async def take_out(
        self, scanned: object, operator: object = None, destination: object = None
    ) -> MovementResult:
        """出库: a stored bag leaves the storage facility (towards `destination`, 去向)."""
        code = parsed_code(scanned).code
        keeper = _text(operator, "操作员", "operator") or self.config.operator
        going = _text(destination, "去向", "destination")
        snapshots = await self._snapshots()
        async with self._lock:
            commissioned, events = await self._own_bag(code)
            state = storage_state(events)
            if state is None:
                raise WrongState(f"该袋 {code} 尚未入库，不能出库", f"bag {code} was never stored")
            if state == "out":
                raise WrongState(f"该袋 {code} 已经出库，不能重复出库", f"bag {code} is already out")
            stored = next(e for e in reversed(events) if e.kind == EventKind.STORING)
            data = self._warehouse_data(stored.data.get("facility") or "")
            if going:
                data["destination"] = going
            event = await self._append(
                EventKind.STAGING_OUTBOUND,
                code,
                snapshots,
                waste_code=commissioned.waste_code,
                grams=commissioned.grams,
                operator=keeper,
                data=data,
            )
        return _result(event, f"已出库：{code}", f"taken out: {code}")

    def shipping_manifest(self, number: object) -> ShippingManifest:
        """A manifest this box may load, from the hub's last signed list."""
        wanted = _text(number, "联单编号", "manifest", required=True)
        if "://" in wanted:  # the manifest's QR: …/manifests/{number}
            wanted = urlsplit(wanted).path.rstrip("/").rsplit("/", 1)[-1]
        current = self.shipping.current if self.shipping is not None else None
        found = current.manifest(wanted) if current is not None else None
        if found is None:
            raise NotOurs(
                f"没有可装车的联单 {wanted}：请确认联单已在平台提交且本机已联网同步",
                f"no manifest {wanted} to load: check it is submitted at the hub and this box has synced",
            )
        return found

    async def load(self, manifest: object, scanned: object, operator: object = None) -> MovementResult:
        """装车: a bag taken out of storage is scanned onto the truck of a manifest that lists it."""
        listed = self.shipping_manifest(manifest)
        code = parsed_code(scanned).code
        keeper = _text(operator, "操作员", "operator") or self.config.operator
        if code not in listed.bags:
            raise WrongState(
                f"该袋 {code} 不在联单 {listed.number} 上，不能装车",
                f"bag {code} is not on manifest {listed.number}",
            )
        snapshots = await self._snapshots()
        async with self._lock:
            commissioned, events = await self._own_bag(code)
            if storage_state(events) != "out":
                raise WrongState(f"该袋 {code} 尚未出库，请先出库再装车", f"bag {code} is not taken out yet")
            if any(e.kind == EventKind.DEPARTING and e.data.get("manifest") == listed.number for e in events):
                raise WrongState(f"该袋 {code} 已装车", f"bag {code} is already loaded")
            data: dict[str, object] = {"manifest": listed.number}
            if listed.plate:
                data["plate"] = listed.plate
            event = await self._append(
                EventKind.DEPARTING,
                code,
                snapshots,
                waste_code=commissioned.waste_code,
                grams=_outbound_grams(events, commissioned),
                operator=keeper,
                data=data,
            )
        return _result(
            event, f"已装车：{code}（联单 {listed.number}）", f"loaded: {code} (manifest {listed.number})"
        )

    async def loading_progress(self, number: object) -> dict[str, object]:
        """The manifest's bags and which of them this box has scanned onto the truck."""
        listed = self.shipping_manifest(number)
        loaded = await asyncio.to_thread(self._loaded_codes, listed)
        return {
            "number": listed.number,
            "receiver": listed.receiver,
            "carrier": listed.carrier,
            "plate": listed.plate,
            "total": len(listed.bags),
            "loaded": sum(1 for c in listed.bags if c in loaded),
            "bags": [{"code": c, "loaded": c in loaded} for c in listed.bags],
        }

    def _loaded_codes(self, listed: ShippingManifest) -> set[str]:
        return {
            code
            for code in listed.bags
            if any(
                e.kind == EventKind.DEPARTING and e.data.get("manifest") == listed.number
                for e in self.ledger.events_for(code)
            )
        }

    async def receive(
        self,
        scanned: object,
        accept: object,
        reason: object = None,
        manifest: object = None,
        operator: object = None,
        scale: object = None,
    ) -> MovementResult:
        """接收/复磅: re-weigh another enterprise's bag on this box's scale, accept or reject it."""
        parsed = parsed_code(scanned)
        if not isinstance(accept, bool):
            raise BadRequest("请选择接收或拒收", "accept (true or false) is required")
        why = _text(reason, "拒收原因", "reason", required=not accept)
        number = _text(manifest, "联单编号", "manifest")
        person = _text(operator, "操作员", "operator") or self.config.operator
        if scale is not None and not isinstance(scale, str):
            raise BadRequest("秤的名称格式错误", "scale must be a string (a scale's name)")
        try:
            entry = self.scale.entry(scale)
        except UnknownScale as exc:
            raise NoSuchScale(exc.message_zh, str(exc)) from exc
        async with self._lock:
            try:
                grams = await entry.reader.wait_stable(entry.stable_timeout_s)
            except ScaleError as exc:
                raise ScaleProblem(exc.message_zh, str(exc)) from exc
            if grams <= 0:
                raise ScaleProblem("秤上没有称重物，请放上废物袋", "nothing on the scale")
            data: dict[str, object] = {"accepted": accept}
            if why:
                data["reason"] = why
            if number:
                data["manifest"] = number
            if len(self.scale.names) > 1:
                data["scale"] = entry.name
            event = await self._append(
                EventKind.RECEIVING,
                parsed.code,
                (),
                waste_code=parsed.waste_code,
                grams=grams,
                operator=person,
                data=data,
            )
        if accept:
            return _result(event, f"已复磅并接收：{grams} 克", f"re-weighed and accepted: {grams} g")
        return _result(event, f"已复磅并拒收：{grams} 克", f"re-weighed and rejected: {grams} g")

    async def dispose(
        self,
        scanned: object,
        method: object,
        mode: object = None,
        residue_codes: object = None,
        operator: object = None,
    ) -> MovementResult:
        """利用处置: a received bag is utilised or disposed of; its residue (new hazardous waste) is named."""
        parsed = parsed_code(scanned)
        how = _text(method, "处置方式", "method", required=True)
        mode = mode if mode is not None else "disposal"
        if mode not in DISPOSAL_MODES:
            raise BadRequest("处置类型应为利用或处置", f"mode must be one of {DISPOSAL_MODES}")
        if residue_codes is None:
            residue_codes = []
        if not isinstance(residue_codes, list):
            raise BadRequest("残渣识别码应为列表", "residue_codes must be a list of codes")
        residue = [parsed_code(c).code for c in residue_codes]
        person = _text(operator, "操作员", "operator") or self.config.operator
        async with self._lock:
            events = await asyncio.to_thread(self.ledger.events_for, parsed.code)
            if any(e.kind == EventKind.DESTROYING for e in events):
                raise WrongState(f"该袋 {parsed.code} 已经处置", f"bag {parsed.code} is already disposed of")
            receipts = [e for e in events if e.kind == EventKind.RECEIVING]
            if receipts and receipts[-1].data.get("accepted") is False:
                raise WrongState(
                    f"该袋 {parsed.code} 已被拒收，不能处置",
                    f"bag {parsed.code} was rejected: not disposed of",
                )
            data: dict[str, object] = {"method": how, "mode": mode}
            if residue:
                data["residue"] = residue
            event = await self._append(
                EventKind.DESTROYING,
                parsed.code,
                (),
                waste_code=parsed.waste_code,
                grams=receipts[-1].grams if receipts else None,
                operator=person,
                data=data,
            )
        return _result(event, f"已记录处置：{parsed.code}", f"disposal recorded: {parsed.code}")

    async def _own_bag(self, code: str) -> tuple[Event, list[Event]]:
        events = await asyncio.to_thread(self.ledger.events_for, code)
        commissioned = next((e for e in events if e.kind == EventKind.COMMISSIONING), None)
        if commissioned is None:
            raise NotOurs(
                f"本机没有识别码为 {code} 的称重记录，不能入库或出库",
                f"bag {code} was not weighed on this box",
            )
        if any(e.kind == EventKind.DECOMMISSIONING for e in events):
            raise WrongState(f"该袋 {code} 的标签已作废", f"bag {code}'s label was voided")
        return commissioned, events

    def _warehouse_data(self, facility: str) -> dict[str, object]:
        w = self.config.warehouse
        data: dict[str, object] = {}
        for key, value in (
            ("facility", facility),
            ("container_type", w.container_type),
            ("handler", w.handler),
        ):
            if value:
                data[key] = value
        return data

    async def _snapshots(self) -> list[SnapshotOutcome]:
        """The cameras' view of the moment (入库, 出库, 装车): bounded by their timeouts, never a refusal."""
        return await self.cameras.capture_for_movement() if self.cameras is not None else []

    async def _append(
        self, kind: EventKind, code: str, snapshots: Sequence[SnapshotOutcome], **fields: Any
    ) -> Event:
        if snapshots:
            fields["attachments"] = tuple(a for s in snapshots if (a := s.attachment()) is not None)
            fields["data"] = {**fields.get("data", {}), **snapshot_data(snapshots)}
        try:
            event = await asyncio.to_thread(self.ledger.append, kind, code, place=self.config.place, **fields)
        except LedgerError as exc:
            raise WeighingError(f"记录失败：{exc}", str(exc)) from exc
        if self.cameras is not None and snapshots:
            self.cameras.after_movement(event, list(snapshots))
        self.on_commit()
        return event


def _outbound_grams(events: Sequence[Event], commissioned: Event) -> int | None:
    """The weight the bag left the store with (its 出库), else its weighing."""
    out = next((e for e in reversed(events) if e.kind == EventKind.STAGING_OUTBOUND), None)
    return out.grams if out is not None and out.grams is not None else commissioned.grams


def _result(event: Event, zh: str, en: str) -> MovementResult:
    return MovementResult(str(event.kind), event.code, event.seq, event.time_ms, event.grams, zh, en)

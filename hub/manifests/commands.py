"""Transfer manifests (电子转移联单, 令第23号): create, load bags, correct, and move through the state machine
of protocols/manifest. Every change appends a version; nothing recorded is ever updated.

Checks, each refused with a clear 4xx and nothing changed: a receiver not licensed for a waste code on the
manifest (or licensed, but with the year's capacity used up), a bag loaded twice, a bag of another
enterprise, a carrier or receiver that is not registered as one, a vehicle not registered to the carrier.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.core.dialect import take_serials
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound, NotYet
from hub.inventory.tables import Bag, StorageRecord
from hub.ledger.pending import pending_for
from hub.manifests import store
from hub.manifests.tables import Manifest, ManifestBag, ManifestVersion, ReceiptRow
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_id, enterprise_by_uscc
from hub.registry.licences import licence_for, licences_of
from hub.registry.vehicles import vehicle
from hub.stats import rollup
from protocols.china_time import year_start_ms
from protocols.codes import ManifestNumberError, china_date_from_ms, manifest_number, parse_manifest_number
from protocols.manifest import (
    CARRIER_FIELDS,
    OPEN_STATES,
    RECEIVER_FIELDS,
    SHIPPER_FIELDS,
    Command,
    CorrectionRefused,
    ManifestError,
    NotYourPart,
    Party,
    State,
    TransitionRefused,
    check_correction,
    confirm_outcome,
    confirmation_due_ms,
    next_state,
)

MAX_BAGS_PER_REQUEST = 1000
TEXT_FIELDS = (SHIPPER_FIELDS | CARRIER_FIELDS | RECEIVER_FIELDS) - {"carrier_uscc", "receiver_uscc"}


def as_hub_error(exc: ManifestError) -> Exception:
    """A refusal of the state machine as the hub answers it: 403 not your part, 409 out of step, 422."""
    if isinstance(exc, NotYourPart):
        return Forbidden(exc.message, "party")
    if isinstance(exc, TransitionRefused):
        return Conflict(exc.message)
    if isinstance(exc, CorrectionRefused):
        return Invalid(exc.message)
    return Invalid(exc.message)


def _party_enterprise(session: Session, uscc: str | None, kind: str) -> int | None:
    if not uscc:
        return None
    ent = enterprise_by_uscc(session, uscc)
    if kind not in ent.roles:
        label = {"transporter": "运输单位", "receiver": "接收/利用处置单位"}[kind]
        raise Invalid(f"{ent.name}（{uscc}）未登记为{label} (not registered as a {kind})")
    if not ent.active:
        raise Invalid(f"{ent.name}（{uscc}）已停用 (inactive)")
    return ent.id


def _new_number(session: Session, shipper: EnterpriseInfo, now_ms: int, given: str | None) -> str:
    region = shipper.region_code or ""
    if given:
        try:
            parsed = parse_manifest_number(given)
        except ManifestNumberError as exc:
            raise Invalid(str(exc)) from exc
        if parsed.region_code[:4] != region[:4]:
            raise Invalid(f"联单编号的省市代码 {parsed.region_code[:4]} 与移出人所在地 {region[:4]} 不符")
        if session.scalar(select(Manifest.id).where(Manifest.number == given)) is not None:
            raise Conflict(f"联单编号 {given} 已存在 (manifest number exists)")
        return given
    if len(region) != 6 or region[2:4] == "00":
        raise Invalid(
            f"移出人的行政区划代码 {region or '（无）'} 应到地市或区县一级，才能编联单号 "
            "(the shipper's region code must be at city or district level to number a manifest)"
        )
    year = china_date_from_ms(now_ms).year
    serial = take_serials(session, f"manifest:{year}:{region[:4]}")
    try:
        return manifest_number(year, region[:2], region[2:4], serial)
    except ManifestNumberError as exc:
        raise Invalid(str(exc)) from exc


def create(session: Session, shipper: EnterpriseInfo, data: dict[str, Any], *, by: str, now_ms: int) -> str:
    if not shipper.active:
        raise Invalid("移出人已停用 (the shipper is inactive)")
    number = _new_number(session, shipper, now_ms, data.get("number"))
    manifest = Manifest(number=number, shipper_id=shipper.id, created_ms=now_ms, created_by=by)
    session.add(manifest)
    session.flush()
    fields = {k: data.get(k) for k in TEXT_FIELDS}
    fields["carrier_id"] = _party_enterprise(session, data.get("carrier_uscc"), "transporter")
    fields["receiver_id"] = _party_enterprise(session, data.get("receiver_uscc"), "receiver")
    if fields.get("vehicle_plate"):
        _check_vehicle(session, fields["vehicle_plate"], fields["carrier_id"])
    manifest.current_version, manifest.bags, manifest.shipped_grams = 1, 0, 0
    session.add(
        ManifestVersion(
            manifest_id=manifest.id,
            version=1,
            state=State.DRAFT,
            command="create",
            recorded_ms=now_ms,
            recorded_by=by,
            **fields,
        )
    )
    return number


def _next_version(
    session: Session,
    cur: store.Current,
    *,
    state: State,
    command: str,
    changes: dict[str, Any],
    by: str,
    now_ms: int,
    reason: str | None,
    drop: set[str] | None = None,
    add: list[dict[str, Any]] | None = None,
) -> store.Current:
    prev = cur.version
    values = {c.key: getattr(prev, c.key) for c in ManifestVersion.__table__.columns}
    values.update(changes)
    values.update(
        version=prev.version + 1,
        state=state,
        command=command,
        reason=reason,
        recorded_ms=now_ms,
        recorded_by=by,
    )
    new = ManifestVersion(**values)
    try:
        with session.begin_nested():
            session.add(new)
    except IntegrityError as exc:
        raise Conflict("联单刚被他人修改，请刷新后重试 (changed by someone else just now)") from exc
    cur.manifest.current_version = new.version
    keep = select(
        ManifestBag.manifest_id, func.cast(new.version, ManifestBag.version.type), ManifestBag.code,
        ManifestBag.waste_code, ManifestBag.shipped_grams,
    ).where(
        ManifestBag.manifest_id == prev.manifest_id, ManifestBag.version == prev.version
    )  # fmt: skip
    if drop:
        keep = keep.where(ManifestBag.code.not_in(list(drop)))
    session.execute(
        insert(ManifestBag).from_select(
            ["manifest_id", "version", "code", "waste_code", "shipped_grams"], keep
        )
    )
    if add:
        session.execute(
            insert(ManifestBag),
            [{**row, "manifest_id": prev.manifest_id, "version": new.version} for row in add],
        )
    cur.manifest.bags, cur.manifest.shipped_grams = session.execute(
        select(func.count(), func.coalesce(func.sum(ManifestBag.shipped_grams), 0)).where(
            ManifestBag.manifest_id == prev.manifest_id, ManifestBag.version == new.version
        )
    ).one()
    return store.Current(cur.manifest, new)


def _run(cur: store.Current, command: Command, parties: set[Party]) -> State:
    try:
        return next_state(cur.state, command, parties)
    except ManifestError as exc:
        raise as_hub_error(exc) from exc


def load(
    session: Session, cur: store.Current, codes: list[str], parties: set[Party], *, by: str, now_ms: int
) -> store.Current:
    state = _run(cur, Command.LOAD, parties)
    if not codes or len(codes) > MAX_BAGS_PER_REQUEST:
        raise Invalid(f"一次装载 1–{MAX_BAGS_PER_REQUEST} 袋 (load 1–{MAX_BAGS_PER_REQUEST} bags at a time)")
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise Invalid(f"同一袋在请求中出现两次: {', '.join(twice[:5])} (a bag is listed twice)")
    found = {b.code: b for b in session.scalars(select(Bag).where(Bag.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown and pending_for(session, cur.manifest.shipper_id):
        # Deferred projection (hub/ledger/projector.py): the shipper's last weighings may not be entered yet.
        raise NotYet(
            f"这些袋的称重记录正在入账，请稍后再试: {', '.join(unknown[:5])} "
            "(the bags' records are still being entered; try again in a moment)"
        )
    if unknown:
        raise NotFound(f"平台上没有这些袋的称重记录: {', '.join(unknown[:5])} (unknown bags)")
    foreign = [c for c in codes if found[c].enterprise_id != cur.manifest.shipper_id]
    if foreign:
        raise Forbidden(
            f"这些袋属于其他企业，不能装载: {', '.join(foreign[:5])} (bags of another enterprise)",
            "ownership",
        )
    _refuse_loaded(session, cur, codes)
    _refuse_delivered(session, codes)
    if cur.version.receiver_id:
        _check_licensed(session, cur.version.receiver_id, {found[c].waste_code for c in codes}, now_ms)
    shipped = _shipped_grams(session, found)
    rows = [{"code": c, "waste_code": found[c].waste_code, "shipped_grams": shipped[c]} for c in codes]
    return _next_version(
        session, cur, state=state, command="load", changes={}, by=by, now_ms=now_ms, reason=None, add=rows
    )


def _refuse_loaded(session: Session, cur: store.Current, codes: list[str]) -> None:
    holding = store.manifests_holding(session, codes)
    here = [c for c in codes if any(m.manifest.id == cur.manifest.id for m in holding.get(c, []))]
    if here:
        raise Conflict(f"这些袋已装载在本联单上: {', '.join(here[:5])} (already loaded on this manifest)")
    elsewhere = {
        c: m.manifest.number
        for c in codes
        for m in holding.get(c, [])
        if m.manifest.id != cur.manifest.id and m.state in OPEN_STATES
    }
    if elsewhere:
        listed = ", ".join(f"{c}（联单 {n}）" for c, n in list(elsewhere.items())[:5])
        raise Conflict(f"这些袋已装载在其他未办结的联单上: {listed} (already on another open manifest)")


def _refuse_delivered(session: Session, codes: list[str]) -> None:
    accepted = session.scalars(
        select(ReceiptRow.code).where(
            ReceiptRow.code.in_(codes), ReceiptRow.accepted.is_(True), ReceiptRow.problem.is_(None)
        )
    ).all()
    if accepted:
        raise Conflict(f"这些袋已被接收单位接收: {', '.join(sorted(set(accepted))[:5])} (already delivered)")


def _shipped_grams(session: Session, found: dict[str, Bag]) -> dict[str, int]:
    """The weight shipped: the 出库 weight if the bag was checked out, else its weighing (or correction)."""
    out_weights = dict(
        session.execute(
            select(StorageRecord.code, StorageRecord.grams)
            .where(StorageRecord.code.in_(list(found)), StorageRecord.direction == "out")
            .order_by(StorageRecord.time_ms)
        ).all()
    )
    shipped = {}
    for code, bag in found.items():
        grams = out_weights.get(code) if out_weights.get(code) is not None else bag.grams
        if grams is None:
            raise Invalid(f"袋 {code} 没有重量记录，不能装载 (the bag has no weight)")
        shipped[code] = grams
    return shipped


def _check_licensed(session: Session, receiver_id: int, waste_codes: set[str | None], now_ms: int) -> None:
    today = china_date_from_ms(now_ms)
    receiver = enterprise_by_id(session, receiver_id)
    for code in sorted(c or "" for c in waste_codes):
        if not code or licence_for(session, receiver_id, code, today) is None:
            raise Invalid(
                f"接收单位 {receiver.name} 没有{today}有效的、核准接收 {code or '（无废物代码）'} "
                "的经营许可证 "
                f"(the receiver is not licensed for waste code {code or '?'})"
            )


def _check_capacity(session: Session, cur: store.Current, shipped_grams: int, now_ms: int) -> None:
    """This year's shipments to the receiver, with this one, within its licences' annual capacity."""
    receiver_id = cur.version.receiver_id
    year = china_date_from_ms(now_ms).year
    start = year_start_ms(year)
    capacity = sum(lic["annual_capacity_grams"] for lic in licences_of(session, receiver_id) if lic["active"])
    others = 0
    for manifest_id in session.scalars(
        select(ManifestVersion.manifest_id)
        .where(ManifestVersion.receiver_id == receiver_id, ManifestVersion.submitted_ms >= start)
        .distinct()
    ):
        if manifest_id == cur.manifest.id:
            continue
        other = store.Current(
            session.get_one(Manifest, manifest_id), store.latest_version(session, manifest_id)
        )
        if other.version.receiver_id == receiver_id and other.state != State.CANCELLED:
            others += sum(b.shipped_grams for b in store.bags(session, other))
    if others + shipped_grams > capacity:
        raise Invalid(
            f"接收单位本年度已接收/在途 {others} 克，加上本联单 {shipped_grams} 克，"
            f"超过许可年经营规模 {capacity} 克 "
            "(the receiver's licensed annual capacity would be exceeded)"
        )


def unload(
    session: Session, cur: store.Current, code: str, parties: set[Party], *, by: str, now_ms: int
) -> store.Current:
    state = _run(cur, Command.UNLOAD, parties)
    if code not in {b.code for b in store.bags(session, cur)}:
        raise NotFound(f"袋 {code} 不在本联单上 (not on this manifest)")
    return _next_version(
        session,
        cur,
        state=state,
        command="unload",
        changes={},
        by=by,
        now_ms=now_ms,
        reason=None,
        drop={code},
    )


def _check_vehicle(session: Session, plate: str, carrier_id: int | None) -> None:
    registered = vehicle(session, plate)
    if registered is None or not registered.active:
        raise Invalid(f"车辆 {plate} 未登记 (the vehicle is not registered)")
    if carrier_id is not None and registered.enterprise_id != carrier_id:
        raise Invalid(f"车辆 {plate} 不属于承运人 (the vehicle belongs to another carrier)")


def correct(
    session: Session,
    cur: store.Current,
    changes: dict[str, Any],
    reason: str | None,
    parties: set[Party],
    *,
    by: str,
    now_ms: int,
) -> store.Current:
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "carrier_uscc":
            values["carrier_id"] = _party_enterprise(session, value, "transporter")
        elif key == "receiver_uscc":
            values["receiver_id"] = _party_enterprise(session, value, "receiver")
        else:
            values[key] = value
    changed = {k for k in changes if getattr(cur.version, _column(k)) != values[_column(k)]}
    try:
        check_correction(cur.state, parties, changed, reason)
    except ManifestError as exc:
        raise as_hub_error(exc) from exc
    if "vehicle_plate" in changed and values["vehicle_plate"]:
        _check_vehicle(session, values["vehicle_plate"], values.get("carrier_id", cur.version.carrier_id))
    if "receiver_id" in values and values["receiver_id"]:
        waste_codes = {b.waste_code for b in store.bags(session, cur)}
        _check_licensed(session, values["receiver_id"], waste_codes, now_ms)
    return _next_version(
        session,
        cur,
        state=cur.state,
        command="correct",
        changes={_column(k): values[_column(k)] for k in changed},
        by=by,
        now_ms=now_ms,
        reason=reason,
    )


def _column(field: str) -> str:
    return {"carrier_uscc": "carrier_id", "receiver_uscc": "receiver_id"}.get(field, field)


def transition(
    session: Session,
    cur: store.Current,
    command: str,
    parties: set[Party],
    *,
    changes: dict[str, Any],
    reason: str | None,
    by: str,
    now_ms: int,
) -> store.Current:
    try:
        cmd = Command(command)
    except ValueError as exc:
        raise Invalid(f"未知的联单操作 {command!r} (unknown command)") from exc
    if cmd not in (Command.SUBMIT, Command.CANCEL, Command.DEPART, Command.CONFIRM, Command.CLOSE):
        raise Invalid(f"“{command}”请用对应的接口 (use the bags or PATCH endpoint for {command})")
    state = _run(cur, cmd, parties)
    allowed = CARRIER_FIELDS if cmd == Command.DEPART else frozenset()
    extra = set(changes) - allowed
    if extra:
        raise Invalid(f"此操作不能同时修改: {', '.join(sorted(extra))} (fields not allowed with {command})")
    values: dict[str, Any] = dict(changes)
    loaded = store.bags(session, cur)
    if cmd == Command.SUBMIT:
        _check_submittable(session, cur, loaded, now_ms)
        values["submitted_ms"] = now_ms
    elif cmd == Command.DEPART:
        plate = values.get("vehicle_plate") or cur.version.vehicle_plate
        if not plate:
            raise Invalid("承运人须填写车牌号后才能起运 (set vehicle_plate to depart)")
        _check_vehicle(session, plate, cur.version.carrier_id)
        values["departed_ms"] = now_ms
    elif cmd == Command.CONFIRM:
        state = _confirm(session, cur, loaded, values, now_ms)
    elif cmd == Command.CLOSE:
        values["closed_ms"] = now_ms
    after = _next_version(
        session, cur, state=state, command=cmd.value, changes=values, by=by, now_ms=now_ms, reason=reason
    )
    if cmd == Command.DEPART:
        # 危废一张图's 转移 figures count the bags as they leave, in this transaction (hub/stats/rollup.py).
        rollup.add(
            session,
            (
                rollup.Fact(cur.manifest.shipper_id, now_ms, b.waste_code, rollup.SHIPPED, b.shipped_grams)
                for b in loaded
            ),
        )
    return after


def _check_submittable(session: Session, cur: store.Current, loaded: list[ManifestBag], now_ms: int) -> None:
    missing = [
        label
        for label, value in (
            ("承运人 carrier", cur.version.carrier_id),
            ("接受人 receiver", cur.version.receiver_id),
        )
        if value is None
    ]
    if missing:
        raise Invalid(f"提交前须填写: {', '.join(missing)} (missing before submit)")
    if not loaded:
        raise Invalid("联单上还没有装载任何废物 (load bags before submitting)")
    _check_licensed(session, cur.version.receiver_id, {b.waste_code for b in loaded}, now_ms)
    _check_capacity(session, cur, sum(b.shipped_grams for b in loaded), now_ms)


def _confirm(
    session: Session, cur: store.Current, loaded: list[ManifestBag], values: dict[str, Any], now_ms: int
) -> State:
    got = store.receipts(session, cur.manifest.id)
    missing = [b.code for b in loaded if b.code not in got]
    if missing and cur.version.receiver_id and pending_for(session, cur.version.receiver_id):
        # Deferred projection: the receiver's box may have re-weighed them in a batch not entered yet.
        raise NotYet(
            f"还有 {len(missing)} 袋的接收记录（复磅）正在入账，请稍后再试: {', '.join(missing[:5])} "
            "(the receipts are still being entered; try again in a moment)"
        )
    if missing:
        raise Conflict(
            f"还有 {len(missing)} 袋没有接收记录（复磅）: {', '.join(missing[:5])} "
            "(every bag needs a receipt, accepted or rejected, before confirming)"
        )
    accepted = sum(1 for b in loaded if got[b.code].accepted)
    try:
        state = confirm_outcome(accepted, len(loaded) - accepted)
    except ManifestError as exc:
        raise as_hub_error(exc) from exc
    arrived = min(got[b.code].time_ms for b in loaded)
    values.update(arrived_ms=arrived, confirm_due_ms=confirmation_due_ms(arrived), confirmed_ms=now_ms)
    return state

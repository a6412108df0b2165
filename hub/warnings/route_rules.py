"""车辆偏移: a vehicle carrying a manifest off its corridor, stopping too long on the way, or in transit too
long (a sweep rule over the GPS points of manifests in transit; geometry in protocols/warnings/corridor.py).

The corridor is the straight line from the shipper to the receiver (their coordinates in 一企一档) with
`WT_HUB_WARN_CORRIDOR_M` either side: without both coordinates only the stops and the time are judged.
Stops within the corridor width of either end are loading and unloading, not stops on the way. The finding
goes to the carrier, whose vehicle it is (else the shipper).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hub.manifests import store
from hub.registry.enterprises import enterprise_by_id
from hub.transport.positions import track
from hub.warnings.record import Finding
from hub.warnings.rule_base import HOUR_MS, Context, Target, in_transit
from protocols.warnings.corridor import Fix, farthest_off, haversine_m, stops


def vehicle_deviation(session: Session, ctx: Context, target: Target) -> list[Finding]:
    out: list[Finding] = []
    for cur in in_transit(session):
        parties = {cur.manifest.shipper_id, cur.version.carrier_id, cur.version.receiver_id}
        if target.enterprise_ids is None or parties & target.enterprise_ids:
            out += _judge(session, ctx, cur)
    return out


@dataclass(frozen=True, slots=True)
class _Trip:
    number: str
    plate: str
    owner: int

    def finding(
        self, kind: str, severity: str, facts: dict[str, Any], zh: str, en: str, period: str = ""
    ) -> Finding:
        return Finding(
            rule="vehicle_deviation",
            severity=severity,
            enterprise_id=self.owner,
            subject=f"{self.number}:{kind}",
            period=period,
            facts={"number": self.number, "plate": self.plate, "kind": kind, **facts},
            message_zh=zh,
            message_en=en,
        )


def _place(session: Session, enterprise_id: int | None) -> tuple[int, int] | None:
    if enterprise_id is None:
        return None
    ent = enterprise_by_id(session, enterprise_id)
    return (ent.lat_e6, ent.lon_e6) if ent.lat_e6 is not None and ent.lon_e6 is not None else None


def _judge(session: Session, ctx: Context, cur: store.Current) -> list[Finding]:
    s, v = ctx.settings, cur.version
    trip = _Trip(cur.manifest.number, v.vehicle_plate or "", v.carrier_id or cur.manifest.shipper_id)
    n, plate = trip.number, trip.plate
    fixes = [Fix(p["time_ms"], p["lat_e6"], p["lon_e6"]) for p in track(session, cur, ctx.now_ms)]
    a, b = _place(session, cur.manifest.shipper_id), _place(session, v.receiver_id)
    out = []
    off = farthest_off(fixes, a, b, s.corridor_m) if a is not None and b is not None else None
    if off is not None:
        fix, m = off
        where = {"distance_m": m, "time_ms": fix.time_ms, "lat_e6": fix.lat_e6, "lon_e6": fix.lon_e6}
        zh = f"联单 {n} 车辆 {plate} 偏离路线 {m / 1000:.1f} 公里（允许 {s.corridor_m / 1000:g} 公里）"
        out.append(
            trip.finding("off_route", "serious", where, zh, f"{n}: {plate} {m / 1000:.1f} km off route")
        )
    for stop in stops(fixes, s.stop_radius_m, s.stop_minutes * 60_000):
        here = (stop.lat_e6, stop.lon_e6)
        if any(end is not None and haversine_m(here, end) <= s.corridor_m for end in (a, b)):
            continue  # loading or unloading
        facts = {
            "start_ms": stop.start_ms,
            "minutes": stop.minutes,
            "lat_e6": stop.lat_e6,
            "lon_e6": stop.lon_e6,
        }
        zh = f"联单 {n} 车辆 {plate} 途中停留 {stop.minutes} 分钟"
        en = f"{n}: {plate} stopped {stop.minutes} minutes on the way"
        out.append(trip.finding("stopped", "warning", facts, zh, en, period=str(stop.start_ms)))
    if v.departed_ms is not None and ctx.now_ms - v.departed_ms > s.transit_hours * HOUR_MS:
        hours = (ctx.now_ms - v.departed_ms) // HOUR_MS
        zh = f"联单 {n} 已运输 {hours} 小时仍未到达（超过 {s.transit_hours} 小时）"
        en = f"{n}: {hours} hours in transit, over {s.transit_hours}"
        out.append(
            trip.finding("overtime", "warning", {"departed_ms": v.departed_ms, "hours": hours}, zh, en)
        )
    return out

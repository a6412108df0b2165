"""A generated city for the simulated provincial platform: enterprises with valid USCCs (check character),
storage points, licences, management plans, monthly declarations, manifests, transporters, vehicles and
disposers' daily reports, in the province's field names (the profile's).

Deterministic for a seed. Quantities in tonnes with up to six decimals, times in the profile's format.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from protocols.catalogue import load_catalogue
from protocols.codes import manifest_number, uscc_check_char
from protocols.codes.uscc import USCC_ALPHABET
from protocols.province import Profile, format_time, tonnes_from_grams
from protocols.province.profile import CHINA

# 保定市 and some of its districts and counties (GB/T 2260).
REGIONS = (
    "130602", "130606", "130607", "130608", "130609", "130623", "130626",
    "130629", "130632", "130638", "130681", "130683", "130684",
)  # fmt: skip
WASTE_CODES = (
    "900-249-08", "900-041-49", "900-039-49", "900-252-12", "772-006-49",
    "336-064-17", "900-047-49", "900-217-08", "900-210-08", "336-052-17", "900-404-06",
)  # fmt: skip
INDUSTRIES = ("汽车零部件制造", "化学原料制造", "金属表面处理", "塑料制品", "机械加工", "医药制造", "印刷")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
WORDS = ("华", "兴", "盛", "达", "恒", "泰", "鑫", "源", "丰", "宏", "瑞", "昌", "海", "诚", "信", "安")
SUFFIXES = ("化工有限公司", "制造有限公司")
METHODS = ("D10", "R2", "R4", "D9", "C1")


def make_uscc(rng: random.Random, region: str) -> str:
    """An enterprise USCC (registering authority 9, type 1) in `region`, with a valid check character."""
    body = "91" + region + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def _name(rng: random.Random, suffix: str) -> str:
    return "保定" + rng.choice(WORDS) + rng.choice(WORDS) + suffix


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


@dataclass
class City:
    """Records per dataset, in the province's field names, each with its id and update time."""

    datasets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def count(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.datasets.items()}


def _ms(year: int, month: int, day: int, hour: int = 9) -> int:
    return int(dt.datetime(year, month, day, hour, tzinfo=CHINA).timestamp()) * 1000


def generate_city(profile: Profile, *, size: int, seed: int = 1, year: int = 2025, months: int = 12) -> City:
    """`size` enterprises (about 5 % licensed disposers), their transporters (about 2 %), a year's file."""
    rng = random.Random(seed)
    catalogue = load_catalogue()
    ds = profile.datasets
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in ds}
    serial = {name: 0 for name in ds}

    def add(name: str, updated_ms: int, values: dict[str, Any]) -> None:
        serial[name] += 1
        record = ds[name].to_province(values)
        record[ds[name].id_field] = f"{ds[name].res_code}-{serial[name]:08d}"
        record[ds[name].updated_field] = format_time(updated_ms + serial[name] * 1000, profile.time_format)
        out[name].append(record)

    def weight(low_kg: int, high_kg: int) -> str:
        return tonnes_from_grams(rng.randint(low_kg * 1000, high_kg * 1000))

    start = _ms(year, 1, 1)
    disposers: list[str] = []
    producers: list[str] = []
    transporters: list[str] = []
    plates: set[str] = set()
    for i in range(size):
        region = rng.choice(REGIONS)
        uscc = make_uscc(rng, region)
        disposer = i % 20 == 7
        kinds = "经营" if disposer else "产废"
        add(
            "enterprise",
            start,
            {
                "uscc": uscc,
                "name": _name(rng, "环保科技有限公司" if disposer else rng.choice(SUFFIXES)),
                "region_code": region,
                "address": f"河北省保定市{rng.randint(1, 999)}号",
                "industry": rng.choice(INDUSTRIES),
                "kinds": kinds,
                "lon": f"{115 + rng.random():.6f}",
                "lat": f"{38.5 + rng.random() / 2:.6f}",
                "contact": _person(rng),
                "phone": f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}",
            },
        )
        (disposers if disposer else producers).append(uscc)
        for n in range(1 if rng.random() < 0.7 else 2):
            add(
                "storage_point",
                start,
                {
                    "uscc": uscc,
                    "code": f"ZC{n + 1:02d}",
                    "name": f"危废贮存{'库' if n == 0 else '点'}{n + 1}",
                    "kind": "贮存库" if n == 0 else "贮存点",
                    "capacity_t": weight(3_000, 50_000) if n == 0 else weight(500, 3_000),
                },
            )
    for i in range(max(1, size // 50)):
        uscc = make_uscc(rng, rng.choice(REGIONS))
        transporters.append(uscc)
        add(
            "transporter",
            start,
            {
                "uscc": uscc,
                "name": _name(rng, "危险货物运输有限公司"),
                "region_code": uscc[2:8],
                "address": f"河北省保定市{rng.randint(1, 999)}号",
                "permit": f"冀交运管许可保字{130600_000 + i}号",
            },
        )
        for _ in range(rng.randint(1, 4)):
            plate = "冀F" + "".join(rng.choice("0123456789") for _ in range(4)) + rng.choice("0123456789ABD")
            if plate in plates:
                continue
            plates.add(plate)
            add(
                "vehicle",
                start,
                {
                    "plate": plate,
                    "plate_colour": "黄色",
                    "uscc": uscc,
                    "permit": f"冀{rng.randint(10**10, 10**11 - 1)}",
                    "capacity_t": weight(5_000, 30_000),
                },
            )
    for i, uscc in enumerate(disposers):
        codes = sorted(rng.sample(WASTE_CODES, 4))
        add(
            "licence",
            start,
            {
                "uscc": uscc,
                "number": f"冀危许{uscc[2:6]}{year}{i + 1:04d}",
                "valid_from": f"{year - 1}-01-01",
                "valid_to": f"{year + 4}-12-31",
                "waste_codes": ",".join(codes),
                "capacity_t": weight(10_000_000, 50_000_000),
            },
        )
        for d in range(min(31, months * 2)):
            day = dt.date(year, 1, 1) + dt.timedelta(days=d)
            lines = [
                {
                    "waste_code": code,
                    "method": rng.choice(METHODS),
                    "received_t": weight(100, 5_000),
                    "stored_t": weight(100, 20_000),
                    "disposed_t": weight(100, 5_000),
                    "transferred_t": "0.000000",
                }
                for code in codes[:2]
            ]
            values = {"uscc": uscc, "day": day.isoformat(), "lines": lines}
            add("disposer_daily", _ms(day.year, day.month, day.day, 20), values)
    manifests = 0
    for uscc in producers:
        codes = sorted(rng.sample(WASTE_CODES, rng.randint(1, 3)))
        add(
            "plan",
            start,
            {
                "uscc": uscc,
                "year": year,
                "lines": [
                    {"waste_code": c, "planned_t": weight(1_000, 100_000), "measure": "委托利用处置"}
                    for c in codes
                ],
            },
        )
        for m in range(1, months + 1):
            lines = []
            for code in codes:
                waste = catalogue.get(code)
                lines.append(
                    {
                        "category": waste.category_code,
                        "waste_code": code,
                        "hazard": waste.hazard_expression,
                        "produced_t": weight(50, 5_000),
                        "stored_t": weight(0, 3_000),
                        "self_t": "0.000000",
                        "transferred_t": weight(0, 5_000),
                    }
                )
            nxt = dt.date(year + (m == 12), m % 12 + 1, 10)
            add(
                "monthly_declaration",
                _ms(nxt.year, nxt.month, nxt.day),
                {"uscc": uscc, "year_month": f"{year}-{m:02d}", "lines": lines},
            )
        for q in range(max(1, months // 4)):
            manifests += 1
            cross = rng.random() < 0.05
            month = min(12, q * 3 + 2)
            add(
                "manifest",
                _ms(year, month, 15),
                {
                    "number": manifest_number(year, "13", "06", manifests),
                    "shipper_uscc": uscc,
                    "carrier_uscc": rng.choice(transporters),
                    "receiver_uscc": rng.choice(disposers) if disposers else uscc,
                    "waste_code": codes[0],
                    "amount_t": weight(500, 20_000),
                    "state": "received",
                    "plate": None,
                    "cross_province": 1 if cross else 0,
                    "from_province": "13",
                    "to_province": "11" if cross else "13",
                    "shipped": format_time(_ms(year, month, 15), profile.time_format),
                },
            )
    return City({k: v for k, v in out.items()})

"""Warning rules against ingest throughput, and the time of a full sweep (issue 13: rules add under 10 % to
ingest; a sweep over 10 M events and 4,200 enterprises under 60 s).

    python bench/bench_warnings.py                                   # 40 enterprises, 400 batches of 100
    python bench/bench_warnings.py --enterprises 200 --batches 2000 --db postgresql
    python bench/bench_warnings.py --mode queued                     # rules queued, evaluated in rounds

What it does: two fresh databases with the same enterprises (each with an annual plan, a facility and an
enrolled box) take the same signed batches (commissioning + storing, 100 events each) through
`hub.ledger.ingest.ingest_batch`, alternating which goes first, one with the rules after ingest on
(WT_HUB_WARN_ON_INGEST=1) and one with them off — side by side in one run, so the machine's load falls on
both alike. Then it times one full sweep (every rule, every enterprise) over the database with the rules on.
Wall-clock on this machine with whatever else runs on it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from hub.core.db import make_engine, migrate, read_sessions, write_sessions  # noqa: E402
from hub.devices.tables import Device  # noqa: E402
from hub.ledger.ingest import ingest_batch  # noqa: E402
from hub.registry.tables import Enterprise, EnterpriseVersion, FacilityVersion, PlanVersion  # noqa: E402
from hub.warnings.evaluate import evaluate_triggers, sweep  # noqa: E402
from hub.warnings.settings import WarningSettings  # noqa: E402
from protocols.codes import uscc_check_char  # noqa: E402
from protocols.ledger import GENESIS_HASH, Event, generate_private_key, public_key_b64, seal_batch  # noqa: E402

T0 = 1_795_392_000_000  # 2026-11-23
PG_SERVER = os.environ.get("WT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def uscc(n: int) -> str:
    first17 = f"91130600MA{n:07d}"
    return first17 + uscc_check_char(first17)


class Site:
    def __init__(self, n: int) -> None:
        self.n = n
        self.device_id = f"edge-{n:05d}"
        self.key = generate_private_key()
        self.events: list[Event] = []
        self.bags = 0

    def batch(self, size: int) -> dict:
        first = len(self.events) + 1
        for _ in range(size // 2):
            self.bags += 1
            code = f"{uscc(self.n)}90024908" + f"20261123{self.bags:03d}"[-11:]
            for kind in ("commissioning", "storing"):
                seq = len(self.events) + 1
                self.events.append(
                    Event(
                        event_id=str(uuid.uuid4()),
                        device_id=self.device_id,
                        seq=seq,
                        prev_hash=self.events[-1].hash if self.events else GENESIS_HASH,
                        kind=kind,
                        code=code,
                        time_ms=T0 + seq * 1000,
                        boot_id="b",
                        mono_ms=seq,
                        clock_synced=True,
                        waste_code="900-249-08" if kind == "commissioning" else None,
                        grams=12_340 if kind == "commissioning" else None,
                        operator="张三",
                        place="仓库",
                    )
                )
        return seal_batch(self.key, self.device_id, f"{self.device_id}:{first}", T0, self.events[first - 1 :])


def prepare(url: str, sites: list[Site]) -> tuple:
    migrate(url)
    engine = make_engine(url)
    write = write_sessions(engine)
    with write() as s, s.begin():
        for site in sites:
            ent = Enterprise(uscc=uscc(site.n), name=f"企业{site.n}", created_ms=T0)
            s.add(ent)
            s.flush()
            meta = {"version": 1, "active": True, "recorded_ms": T0, "recorded_by": "bench", "reason": None}
            s.add(
                EnterpriseVersion(
                    enterprise_id=ent.id,
                    name=ent.name,
                    region_code="130602",
                    roles="producer",
                    contacts="[]",
                    **meta,
                )
            )
            s.add(
                FacilityVersion(
                    enterprise_id=ent.id, code="F01", name="库", kind="贮存库", capacity_grams=10**9, **meta
                )
            )
            s.add(
                PlanVersion(
                    enterprise_id=ent.id,
                    year=2026,
                    lines='[{"waste_code": "900-249-08", "planned_grams": 1000000}]',
                    **meta,
                )
            )
            s.add(
                Device(
                    device_id=site.device_id,
                    enterprise_id=ent.id,
                    public_key=public_key_b64(site.key),
                    enrolled_ms=T0,
                    last_seq=0,
                    last_hash=GENESIS_HASH,
                )
            )
    return engine, read_sessions(engine), write


def db_url(kind: str, tmp: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / name}.db"
    db = f"wt_bench_warn_{name}_{secrets.token_hex(3)}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    return f"{PG_SERVER}/{db}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--enterprises", type=int, default=40)
    ap.add_argument("--batches", type=int, default=400)
    ap.add_argument("--events", type=int, default=100, help="events per batch")
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument(
        "--mode",
        choices=["immediate", "queued"],
        default="immediate",
        help="rules right after each batch (WT_HUB_WARN_ON_INGEST=1), or queued and evaluated in the "
        "background (=2); queued time counts the background evaluation too",
    )
    ap.add_argument("--evaluate-every", type=int, default=20, help="queued: evaluate after this many batches")
    ap.add_argument(
        "--sweep-days",
        type=int,
        default=1,
        help="sweep this many days after the bags were stored (400: all overdue)",
    )
    args = ap.parse_args()
    hub_key = generate_private_key()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {}
        for mode in ("on", "off"):
            sites = [Site(n) for n in range(1, args.enterprises + 1)]
            sides[mode] = (sites, *prepare(db_url(args.db, Path(tmp), f"rules_{mode}"), sites))
        spent = {"on": 0.0, "off": 0.0}
        for i in range(args.batches):
            order = ("on", "off") if i % 2 == 0 else ("off", "on")
            for mode in order:
                sites, _engine, read, write = sides[mode]
                envelope = sites[i % len(sites)].batch(args.events)
                on = "2" if args.mode == "queued" else "1"
                os.environ["WT_HUB_WARN_ON_INGEST"] = on if mode == "on" else "0"
                started = time.perf_counter()
                ingest_batch(read, write, envelope, hub_key, T0 + i)
                if mode == "on" and args.mode == "queued" and (i + 1) % args.evaluate_every == 0:
                    evaluate_triggers(write, T0 + i)  # what the background evaluator does, timed with it
                spent[mode] += time.perf_counter() - started
        if args.mode == "queued":  # the last triggers, as the evaluator would
            started = time.perf_counter()
            evaluate_triggers(sides["on"][3], T0 + args.batches)
            spent["on"] += time.perf_counter() - started
        events = args.batches * args.events
        for mode in ("off", "on"):
            print(f"ingest, rules {mode:3}: {events / spent[mode]:8.0f} events/s ({spent[mode]:.2f} s)")
        print(
            f"rules after ingest add {100 * (spent['on'] - spent['off']) / spent['off']:.1f} % to ingest time"
        )
        _sites, engine, _read, write = sides["on"]
        started = time.perf_counter()
        outcome = sweep(write, WarningSettings(), T0 + args.sweep_days * 86_400_000)
        took = time.perf_counter() - started
        print(
            f"full sweep {args.sweep_days} days on, over {events} events, {args.enterprises} enterprises: "
            f"{took:.2f} s "
            f"({outcome.raised} raised, failed: {outcome.failed or 'none'})"
        )
        for _, eng, _, _ in sides.values():
            url = eng.url
            eng.dispose()
            if args.db == "postgresql":  # the scratch databases go
                admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

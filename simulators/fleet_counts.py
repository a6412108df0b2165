"""What a hub holds after a fleet run, read from its database, figure by figure against what the fleet sent.

    compare(summary, "postgresql+psycopg://…/hub")  → [Count("events", sent, held), …]

Every figure of the fleet's `Summary` has its count in the hub's tables: the events (in all and by kind), the
bags, the HJ 1259 records, the stock left, the manifests (each received), the receipts (复磅), the GPS points,
the devices' chain heads; and nothing refused (no batch, no event). Read-only; the hub may keep serving.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, text

from simulators.fleet import Summary

# The manifests whose newest version is in a given state.
_LATEST_STATES = """
SELECT v.state, count(*) FROM manifest_versions v
WHERE v.version = (SELECT max(w.version) FROM manifest_versions w WHERE w.manifest_id = v.manifest_id)
GROUP BY v.state
"""


@dataclass(frozen=True, slots=True)
class Count:
    figure: str
    sent: int
    held: int

    @property
    def equal(self) -> bool:
        return self.sent == self.held


def compare(summary: Summary, db_url: str, device_prefix: str = "fleet-") -> list[Count]:
    """Each figure the fleet reports against the hub's own count (a hub that holds only this fleet's
    sites: its counts are of whole tables)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:

            def one(sql: str, **params: object) -> int:
                return int(conn.execute(text(sql), params).scalar_one() or 0)

            by_kind = {
                str(k): int(n)
                for k, n in conn.execute(text("SELECT kind, count(*) FROM events GROUP BY kind"))
            }
            states = {str(s): int(n) for s, n in conn.execute(text(_LATEST_STATES))}
            heads = one("SELECT sum(last_seq) FROM devices WHERE device_id LIKE :p", p=f"{device_prefix}%")
            held = {
                "events": one("SELECT count(*) FROM events"),
                "bags": one("SELECT count(*) FROM bags"),
                "storage_records": one("SELECT count(*) FROM storage_records"),
                "stock": one("SELECT count(*) FROM stock"),
                "manifests": one("SELECT count(*) FROM manifests"),
                "manifests_received": states.get("received", 0),
                "receipts": one("SELECT count(*) FROM receipts"),
                "gps_points": one("SELECT count(*) FROM gps_points"),
                "chain_heads": heads,
                "refused_batches": one("SELECT count(*) FROM refusals"),
                "refused_events": one("SELECT count(*) FROM refused_events"),
            }
    finally:
        engine.dispose()
    sent = {
        "events": summary.events,
        "bags": summary.bags,
        "storage_records": summary.storage_records,
        "stock": summary.bags - summary.events_by_kind.get("staging_outbound", 0),
        "manifests": summary.manifests,
        "manifests_received": summary.manifests,
        "receipts": summary.receipts,
        "gps_points": summary.gps_points,
        "chain_heads": summary.events,  # each site's box sent its whole chain
        "refused_batches": 0,
        "refused_events": 0,
    }
    counts = [Count(name, sent[name], held[name]) for name in sent]
    for kind in sorted(set(by_kind) | set(summary.events_by_kind)):
        counts.append(Count(f"events: {kind}", summary.events_by_kind.get(kind, 0), by_kind.get(kind, 0)))
    return counts

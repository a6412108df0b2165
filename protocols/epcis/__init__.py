"""EPCIS 2.0 JSON-LD export of a bag's life (sans-I/O): facts in, JSON-ready dicts out."""

from protocols.epcis.mapping import (
    EpcisError,
    HubFact,
    LedgerFact,
    epcis_document,
    event_uri,
    iso_ms,
    to_epcis_events,
)
from protocols.epcis.vocabulary import (
    CBV_BIZ_STEPS,
    CBV_DISPOSITIONS,
    EPCIS_CONTEXT,
    KIND_MAP,
    RECEIVED_OK,
    RECEIVED_REJECTED,
    RECEIVED_WEIGHT_OFF,
    device_uri,
    manifest_uri,
    party_uri,
    site_uri,
)

__all__ = [
    "CBV_BIZ_STEPS",
    "CBV_DISPOSITIONS",
    "EPCIS_CONTEXT",
    "KIND_MAP",
    "RECEIVED_OK",
    "RECEIVED_REJECTED",
    "RECEIVED_WEIGHT_OFF",
    "EpcisError",
    "HubFact",
    "LedgerFact",
    "device_uri",
    "epcis_document",
    "event_uri",
    "iso_ms",
    "manifest_uri",
    "party_uri",
    "site_uri",
    "to_epcis_events",
]

"""EPCIS 2.0 / CBV 2.0 words used by our export, and the URIs we mint for what GS1 has no identifier for.

Our event kinds already are CBV business steps (protocols/ledger/kinds.py), so a kind maps to the bizStep of
the same name. Identifiers: a bag's EPC is the URL its QR code holds (`{public_url}/t/{code}`), in the
manner of GS1 Digital Link; devices, sites, parties and manifests get `urn:wastetrace:` URIs, because they
have no GLN or GS1 key.
"""

from __future__ import annotations

from protocols.ledger import EventKind

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
WT_PREFIX = "wt"
WT_NAMESPACE = "urn:wastetrace:epcis:"
SCHEMA_VERSION = "2.0"

# CBV 2.0 business steps and dispositions (the subset of the standard vocabulary we may emit is checked
# against these lists in tests).
CBV_BIZ_STEPS = frozenset(
    (
        "accepting arriving assembling collecting commissioning consigning creating_class_instance "
        "cycle_counting decommissioning departing destroying disassembling dispensing encoding "
        "entering_exiting holding inspecting installing killing loading other packing picking receiving "
        "removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting "
        "shipping staging_outbound stock_taking stocking storing transporting unloading unpacking "
        "void_shipping"
    ).split()
)
CBV_DISPOSITIONS = frozenset(
    (
        "active available completeness_inferred completeness_verified conformant container_closed "
        "container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit "
        "inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement no_pedigree_match "
        "non_conformant non_sellable_other partially_dispensed recalled reserved retail_sold returned "
        "sellable_accessible sellable_not_accessible stolen unavailable unknown"
    ).split()
)

# kind → (action, bizStep, disposition). destroying is a TransformationEvent and has no action.
KIND_MAP: dict[EventKind, tuple[str | None, str, str | None]] = {
    EventKind.COMMISSIONING: ("ADD", "commissioning", "active"),
    EventKind.ENCODING: ("OBSERVE", "encoding", "encoded"),
    EventKind.STORING: ("OBSERVE", "storing", "active"),
    EventKind.STAGING_OUTBOUND: ("OBSERVE", "staging_outbound", "active"),
    EventKind.DEPARTING: ("OBSERVE", "departing", "in_transit"),
    EventKind.TRANSPORTING: ("OBSERVE", "transporting", "in_transit"),
    EventKind.RECEIVING: ("OBSERVE", "receiving", "in_progress"),
    EventKind.INSPECTING: ("OBSERVE", "inspecting", None),
    EventKind.DESTROYING: (None, "destroying", "destroyed"),
    EventKind.DECOMMISSIONING: ("DELETE", "decommissioning", "inactive"),
}

# Dispositions of a receiving event, by what the receiver found.
RECEIVED_OK = "in_progress"
RECEIVED_WEIGHT_OFF = "mismatch_quantity"
RECEIVED_REJECTED = "non_conformant"

MANIFEST_TRANSACTION_TYPE = "urn:wastetrace:btt:transfer_manifest"
INCORRECT_DATA = "incorrect_data"  # CBV error reason


def device_uri(device_id: str) -> str:
    return f"urn:wastetrace:device:{device_id}"


def party_uri(uscc: str) -> str:
    return f"urn:wastetrace:party:{uscc}"


def site_uri(uscc: str, facility: str | None = None) -> str:
    return f"urn:wastetrace:site:{uscc}" + (f":{facility}" if facility else "")


def manifest_uri(number: str) -> str:
    return f"urn:wastetrace:manifest:{number}"

"""A bag's life as EPCIS 2.0 JSON-LD, and the signed batches that are the proof behind every event."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hub.access.audit import audit_read
from hub.access.gate import AccessDep
from hub.core.deps import HubDep, ReadSession
from hub.core.errors import NotFound
from hub.core.schemas import Problem
from hub.devices.tables import Device
from hub.ledger.envelopes import signed_envelope
from hub.registry.enterprises import enterprise_by_id
from hub.trace.epcis import bag_document
from hub.trace.parties import bag_parties
from hub.trace.schemas import EpcisDocument, SignedBatch

router = APIRouter(prefix="/api/v1", tags=["packages"])


class JsonLdResponse(JSONResponse):
    media_type = "application/ld+json"


@router.get("/packages/{code}/epcis", response_class=JsonLdResponse, response_model=EpcisDocument)
def package_epcis(
    code: str, request: Request, session: ReadSession, hub: HubDep, access: AccessDep
) -> JSONResponse:
    """An EPCISDocument (JSON-LD, `application/ld+json`) of every event of the bag (the read is audited)."""
    audit_read(request)
    parties = bag_parties(session, code)
    if not parties:
        raise NotFound(f"没有数字识别码为 {code} 的废物 (no bag with code {code!r})")
    access.require_any(parties, f"废物 {code} 的记录")
    document = bag_document(session, code, hub.settings.public_url, hub.clock())
    if document is None:
        raise NotFound(f"没有数字识别码为 {code} 的废物 (no bag with code {code!r})")
    # Sent as built (protocols/epcis), not re-serialised through the model, which only documents it.
    return JsonLdResponse(document)


@router.get(
    "/devices/{device_id}/batches/{batch_id}",
    response_model=SignedBatch,
    responses={404: {"model": Problem}, 410: {"model": Problem, "description": "its events were archived"}},
)
def signed_batch(device_id: str, batch_id: str, session: ReadSession, access: AccessDep) -> dict[str, Any]:
    """The batch envelope exactly as the device signed it, with the device's public key: the evidence."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"没有设备 {device_id} (no such device)")
    access.require(enterprise_by_id(session, device.enterprise_id).party, f"设备 {device_id} 的数据")
    envelope = signed_envelope(session, device_id, batch_id)
    if envelope is None:
        raise NotFound(f"设备 {device_id} 没有批次 {batch_id} (no such batch)")
    return {"device_id": device_id, "public_key": device.public_key, "envelope": json.loads(envelope)}

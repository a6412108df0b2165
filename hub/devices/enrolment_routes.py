"""Enrolment: one-time tokens (admin) and the devices that spend them."""

from __future__ import annotations

from fastapi import APIRouter, status

from hub.core.deps import HubDep
from hub.core.schemas import Problem
from hub.devices.enrolment import enrol_device, issue_token
from hub.devices.schemas import Enrolled, EnrolmentTokenCreate, EnrolmentTokenIssued, EnrolRequest

router = APIRouter(prefix="/api/v1", tags=["enrolment"])


@router.post(
    "/enrolment-tokens",
    status_code=status.HTTP_201_CREATED,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
def create_enrolment_token(request: EnrolmentTokenCreate, hub: HubDep) -> EnrolmentTokenIssued:
    """Issue a one-time token for an enterprise (created if new), optionally bound to one device_id.

    Who may: the access table (the admin token or a system administrator), enforced by the gate; a refusal
    (EnrolmentRefused, a HubError) is answered by the hub's one error handler."""
    # The enrolment service keeps its own transactions (it takes the sessionmaker): enrol_device must see the
    # IntegrityError of its own commit to answer 409 for a device id a concurrent enrolment took, and it logs
    # only what committed; issue_token is kept the same way beside it.
    issued = issue_token(
        hub.write,
        uscc=request.enterprise_uscc,
        name=request.enterprise_name,
        device_id=request.device_id,
        ttl_s=request.ttl_s,
        now_ms=hub.clock(),
    )
    return EnrolmentTokenIssued(token=issued.token, expires_ms=issued.expires_ms)


@router.post(
    "/devices/enrol",
    status_code=status.HTTP_201_CREATED,
    responses={400: {"model": Problem}, 401: {"model": Problem}, 409: {"model": Problem}},
)
def enrol(request: EnrolRequest, hub: HubDep) -> Enrolled:
    """Register a device's public key with a one-time token; answer with the hub key to pin."""
    device = enrol_device(
        hub.write,
        token=request.token,
        device_id=request.device_id,
        public_key=request.public_key,
        now_ms=hub.clock(),
    )
    return Enrolled(
        device_id=device.device_id,
        enterprise_uscc=device.enterprise_uscc,
        enterprise_name=device.enterprise_name,
        hub_public_key=hub.public_key,
    )

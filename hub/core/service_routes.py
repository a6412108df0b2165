"""The service itself: is it up, and which key signs its receipts."""

from __future__ import annotations

from fastapi import APIRouter

from hub.core.deps import HubDep
from hub.core.schemas import Health, HubKey
from protocols.ledger.signing import ALGORITHM

router = APIRouter(prefix="/api/v1", tags=["service"])


@router.get("/health")
def health() -> Health:
    return Health(status="ok")


@router.get("/hub-key")
def hub_key(hub: HubDep) -> HubKey:
    """The public key that verifies the hub's receipts (devices pin it when they enrol)."""
    return HubKey(alg=ALGORITHM, public_key=hub.public_key)

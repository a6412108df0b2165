"""Webhooks of the warning centre (hub/warnings/webhooks.py): a region's regulators register where the
region's warnings are posted, see the delivery log, and remove a webhook."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.access.principal import Party
from hub.core.deps import HubDep
from hub.core.schemas import Problem, RowId
from hub.warnings import webhooks
from hub.warnings.schemas import WebhookCreated, WebhookDeliveryOut, WebhookIn, WebhookOut

router = APIRouter(prefix="/api/v1", tags=["warnings"])
REFUSALS = {403: {"model": Problem}, 404: {"model": Problem}, 422: {"model": Problem}}


def _region(code: str) -> Party:
    return Party(enterprise_id=0, region_code=code)  # a region, checked against the caller's


@router.post("/warning-webhooks", status_code=201, responses=REFUSALS)
def add_webhook(body: WebhookIn, request: Request, hub: HubDep, access: AccessDep) -> WebhookCreated:
    """Post every step of the region's warnings to `url`, signed; the secret is answered this once."""
    access.require(_region(body.region_code), f"辖区 {body.region_code}")
    with hub.write() as session, session.begin():
        row, secret = webhooks.add(
            session, hub.key, body.region_code, body.url, by=access.actor, now_ms=hub.clock()
        )
        note(request, webhook=row.id, region=row.region_code, url=row.url)
        return WebhookCreated(**webhooks.describe(row), secret=secret)


@router.get("/warning-webhooks", responses=REFUSALS)
def list_webhooks(hub: HubDep, access: AccessDep) -> list[WebhookOut]:
    with hub.read() as session:
        rows = webhooks.active(session)
        return [WebhookOut(**webhooks.describe(r)) for r in rows if access.sees(_region(r.region_code))]


@router.delete("/warning-webhooks/{webhook_id}", status_code=204, responses=REFUSALS)
def remove_webhook(webhook_id: RowId, request: Request, hub: HubDep, access: AccessDep) -> None:
    with hub.write() as session, session.begin():
        row = webhooks.get(session, webhook_id)
        access.require(_region(row.region_code), "该回调地址")
        row.removed_ms = hub.clock()
        note(request, webhook=webhook_id)


@router.get("/warning-webhooks/{webhook_id}/deliveries", responses=REFUSALS)
def webhook_deliveries(webhook_id: RowId, hub: HubDep, access: AccessDep) -> list[WebhookDeliveryOut]:
    """The newest 100 deliveries: delivered, waiting for a retry, or given up, with the last answer."""
    with hub.read() as session:
        row = webhooks.get(session, webhook_id)
        access.require(_region(row.region_code), "该回调地址")
        return [
            WebhookDeliveryOut(
                event_id=d.event_id,
                event_type=d.event_type,
                created_ms=d.created_ms,
                attempts=d.attempts,
                next_attempt_ms=d.next_attempt_ms,
                delivered_ms=d.delivered_ms,
                gave_up_ms=d.gave_up_ms,
                last_status=d.last_status,
                last_error=d.last_error,
            )
            for d in webhooks.deliveries(session, webhook_id)
        ]

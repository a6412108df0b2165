"""Which enterprises a caller may see, for lists."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.access.principal import Access, Scope
from hub.registry.enterprises import list_enterprises


def visible_enterprise_ids(session: Session, access: Access) -> set[int] | None:
    """None means every enterprise."""
    if access.scope == Scope.ALL:
        return None
    if access.scope == Scope.OWN:
        eid = access.principal.enterprise_id if access.principal else None
        return {eid} if eid is not None else set()
    return {e.id for e in list_enterprises(session) if access.sees(e.party)}

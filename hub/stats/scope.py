"""Which enterprises a statistic covers: those the caller may see, narrowed to a region when asked.

A regulator of one district never sees another district's numbers: the figures are summed only over the
enterprises its scope covers (hub/access/principal.py), and a region outside its own is refused, not
silently emptied.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.access.principal import Access, Scope
from hub.core.errors import Forbidden
from hub.registry.checks import check_region
from hub.registry.visibility import visible_enterprise_ids
from hub.stats.figures import all_enterprises, seen_by
from hub.stats.schemas import Scope as ScopeView
from protocols.codes import RegionCodeError, region_contains


def _inside(scope: str, code: str | None) -> bool:
    if not code:
        return False
    try:
        return region_contains(scope, code)
    except RegionCodeError:
        return False


def covered(session: Session, access: Access, region: str | None) -> tuple[set[int] | None, ScopeView]:
    """(enterprise ids, or None when that is every enterprise; what the answer says it covers)."""
    register = all_enterprises(session)
    own_region = access.principal.region_code if access.principal else None
    if access.scope == Scope.ALL:
        visible = {e.id for e in register}
    elif access.scope == Scope.REGION:
        visible = {e.id for e in seen_by(access, register)}
    else:
        visible = visible_enterprise_ids(session, access) or set()
    if region:
        check_region(region)
        if access.scope == Scope.REGION and not (own_region and _inside(own_region, region)):
            raise Forbidden(f"行政区划 {region} 不在您的辖区 {own_region} 内 (outside your region)", "scope")
        visible &= {e.id for e in register if _inside(region, e.region_code)}
    shown = region or (own_region if access.scope == Scope.REGION else None)
    scope = ScopeView(region=shown, enterprises=len(visible))
    # Every enterprise: no list of ids in the queries (the sums read the rollup's covering index alone).
    return (None if len(visible) == len(register) else visible), scope

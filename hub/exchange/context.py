"""What applying one province record works with: the record in its dataset's field names, the session, and
the outcome in words; and the enterprise a record belongs to, read once per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import Invalid, NotFound
from hub.exchange.records import Received, add_conflict
from hub.registry import enterprises
from hub.registry.enterprises import EnterpriseInfo
from protocols.province import DatasetProfile

BY = "province"


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str  # applied / unchanged / conflict / rejected / kept
    note: str | None = None


@dataclass
class Ctx:
    session: Session
    ds: DatasetProfile
    got: Received
    now_ms: int

    def get(self, name: str) -> Any:
        return self.ds.get(self.got.record, name)

    def text(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    @property
    def reason(self) -> str:
        row = self.got.row
        return f"省平台回流 {self.ds.title} {row.record_id} 第{row.version}版"

    def conflict(self, ent_id: int | None, subject: str, source: str, hub: Any, province: Any) -> Outcome:
        add_conflict(
            self.session,
            self.got.row,
            enterprise_id=ent_id,
            subject=subject,
            hub_source=source,
            hub_value=hub,
            province_value=province,
            now_ms=self.now_ms,
        )
        return Outcome(
            "conflict", f"与本系统 {source} 记录的不一致，两者并存 (differs from the hub's; both kept)"
        )


ENTERPRISES = "wt_exchange_enterprises"  # session.info key: USCC → EnterpriseInfo


def enterprise_of(ctx: Ctx, field: str = "uscc") -> EnterpriseInfo:
    """The enterprise a record belongs to, from the page's prefetch when there was one."""
    uscc = ctx.text(field)
    if uscc is None:
        raise Invalid("记录没有统一社会信用代码 (no USCC)")
    cache: dict[str, EnterpriseInfo] = ctx.session.info.setdefault(ENTERPRISES, {})
    if uscc not in cache:
        try:
            cache[uscc] = enterprises.enterprise_by_uscc(ctx.session, uscc)
        except NotFound as exc:
            raise Invalid(
                f"企业 {uscc} 尚未建档，待企业信息回流后再应用 (enterprise not in the register yet)"
            ) from exc
    return cache[uscc]

"""Pushing the hub's own data up to the province (上报) in the same envelope as the pull, resource code
`[push.NAME]` of the profile: the weighing ledger as 产生 records, every manifest version, the daily stock
snapshot and every warning's changes of state.

Every dataset runs the one loop of `pager.py` (a page of records after the cursor → the call → the cursor
moves after the province said yes); a module per dataset builds its records, each with a stable `recordId`,
so a page sent twice is received once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session, sessionmaker

from hub.exchange.client import ProvinceClient
from hub.exchange.push.manifest import MANIFEST
from hub.exchange.push.pager import PUSH_PAGE, Position, PushDataset, PushReport, push_dataset
from hub.exchange.push.production import PRODUCTION
from hub.exchange.push.stock import STOCK
from hub.exchange.push.warning import WARNING
from protocols.province import Profile

PUSHERS: dict[str, PushDataset] = {ds.name: ds for ds in (PRODUCTION, MANIFEST, STOCK, WARNING)}

__all__ = ["PUSHERS", "PUSH_PAGE", "PushReport", "cursor_words", "push_all", "push_production"]


def push_production(
    write: sessionmaker[Session],
    client: ProvinceClient,
    profile: Profile,
    *,
    now: Callable[[], int],
    page_size: int = PUSH_PAGE,
    province: str | None = None,
    max_pages: int | None = None,
) -> PushReport:
    return push_dataset(
        write,
        client,
        profile,
        PRODUCTION,
        now=now,
        page_size=page_size,
        province=province,
        max_pages=max_pages,
    )


def push_all(
    write: sessionmaker[Session],
    client: ProvinceClient,
    profile: Profile,
    *,
    now: Callable[[], int],
    datasets: Iterable[str] | None = None,
    page_size: int = PUSH_PAGE,
    province: str | None = None,
    max_pages: int | None = None,
) -> list[PushReport]:
    """Each dataset the profile names a push code for (or those of `datasets`), in the order of PUSHERS
    (that of protocols.province.PUSH_DATASETS); one that stops does not stop the others."""
    wanted = set(datasets) if datasets is not None else set(profile.push)
    return [
        push_dataset(
            write, client, profile, ds, now=now, page_size=page_size, province=province, max_pages=max_pages
        )
        for name, ds in PUSHERS.items()
        if name in wanted
    ]


def cursor_words(dataset: str, position: Position | None) -> str:
    """Where a push stands, in words: the last record the province has."""
    ds = PUSHERS.get(dataset)
    if position is None or ds is None:
        return "尚未上报 (nothing sent yet)"
    try:
        return ds.words(position)
    except (KeyError, IndexError, TypeError):  # a cursor written by an older hub: say it as it is
        return str(position)

"""The one loop every push dataset runs: read the page of records after the cursor, send it, move the cursor.

Each record carries a stable `recordId`, and the province keeps a record once per id, so the loop may send a
page twice but the province receives it once: the cursor moves only after the province said yes, in a
transaction of its own; a crash between the call and that transaction sends the page again on the next run.
What a dataset adds is its `build`: the records after a position, and the position after them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.exchange.client import ProvinceClient, ProvinceError
from hub.exchange.records import cursor
from protocols.province import Profile

PUSH_PAGE = 500

Position = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PushContext:
    now_ms: int
    time_format: str  # the profile's, for every time a record carries
    settled_ms: int  # records the hub wrote (by its own clock) after this may have company still committing


@dataclass(frozen=True, slots=True)
class Page:
    records: list[dict[str, Any]]
    position: Position | None  # where the cursor goes once the province has these records


@dataclass(frozen=True, slots=True)
class PushDataset:
    name: str
    build: Callable[[Session, Position | None, int, PushContext], Page]
    words: Callable[[Position], str]  # the cursor, in words, for the status page
    # Records stamped with the hub's clock when their transaction starts: one still committing when a page is
    # read may carry an earlier stamp than the page's last and would be passed over, so such records wait
    # the profile's late-writer allowance (`overlap_s`) before they are sent.
    hub_clocked: bool = False


@dataclass
class PushReport:
    dataset: str
    pages: int = 0
    sent: int = 0
    complete: bool = False
    error: str | None = None


def _advance(
    write: sessionmaker[Session],
    province: str,
    dataset: str,
    position: Position | None,
    sent: int,
    retries: int,
    now_ms: int,
) -> None:
    """The province has the page: the cursor moves past it (its own transaction, after the call)."""
    with write() as session, session.begin():
        cur = cursor(session, province, "push", dataset, now_ms)
        cur.position = None if position is None else json.dumps(position, ensure_ascii=False)
        cur.fetched += sent
        cur.stored += sent
        cur.retries += retries
        cur.last_attempt_ms = cur.updated_ms = now_ms


def push_dataset(
    write: sessionmaker[Session],
    client: ProvinceClient,
    profile: Profile,
    ds: PushDataset,
    *,
    now: Callable[[], int],
    page_size: int = PUSH_PAGE,
    province: str | None = None,
    max_pages: int | None = None,
) -> PushReport:
    """Send `ds` page by page until nothing is left (complete), a call fails (error) or `max_pages` ran."""
    province = province or profile.name
    report = PushReport(ds.name)
    res_code = profile.push.get(ds.name)
    if res_code is None:
        report.error = (
            f"配置 {profile.name} 没有 push.{ds.name} 资源编码 (the profile names no push code for {ds.name})"
        )
        return report
    while max_pages is None or report.pages < max_pages:
        now_ms = now()
        settle_ms = profile.overlap_s * 1000 if ds.hub_clocked else 0
        ctx = PushContext(now_ms, profile.time_format, now_ms - settle_ms)
        with write() as session:
            cur = cursor(session, province, "push", ds.name, now_ms)
            page = ds.build(session, json.loads(cur.position) if cur.position else None, page_size, ctx)
        if not page.records:
            with write() as session, session.begin():
                cur = cursor(session, province, "push", ds.name, now_ms)
                cur.last_success_ms = cur.last_attempt_ms = cur.updated_ms = now_ms
                cur.last_error = None
            report.complete = True
            return report
        retries_before = client.retries
        try:
            client.call(profile.push_path, res_code, {"records": page.records})
        except ProvinceError as exc:
            report.error = exc.words
            with write() as session, session.begin():
                cur = cursor(session, province, "push", ds.name, now_ms)
                cur.last_error = report.error
                cur.last_attempt_ms = cur.updated_ms = now_ms
                cur.retries += client.retries - retries_before
            return report
        _advance(
            write,
            province,
            ds.name,
            page.position,
            len(page.records),
            client.retries - retries_before,
            now_ms,
        )
        report.pages += 1
        report.sent += len(page.records)
    return report

"""Checking one page of a pull against the window it belongs to, before anything is stored.

A pull reads one window of modification time [since, until) page by page (pageNum, pageSize). Within a
window each record appears once: a record changed during the pull moves past `until` and out of it. So a
page is sound when it holds exactly the records its position promises (from `total`) and none of the
previous page's. A repeated page or a page with records missing is fetched again; a `total` that changes
under the pull restarts the window from its first page (records already stored are not stored twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum


class Verdict(StrEnum):
    ACCEPT = "accept"
    RETRY = "retry"  # fetch the same page again
    RESTART = "restart"  # the window moved under us: from page 1 again


@dataclass(frozen=True, slots=True)
class Window:
    since_ms: int
    until_ms: int
    page: int = 1
    size: int = 500
    total: int | None = None  # as the first page of the window said
    last_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.until_ms < self.since_ms or self.page < 1 or self.size < 1:
            raise ValueError("window: until ≥ since, page ≥ 1, size ≥ 1")


@dataclass(frozen=True, slots=True)
class PageVerdict:
    verdict: Verdict
    reason: str  # in words, Chinese first
    last: bool = False  # the window is complete with this page
    after: Window | None = None  # the window once this page is stored (ACCEPT)


def check_page(window: Window, total: int, ids: Sequence[str]) -> PageVerdict:
    if window.total is not None and total != window.total:
        return PageVerdict(
            Verdict.RESTART,
            f"记录总数由 {window.total} 变为 {total}，本时段从第1页重新拉取 "
            "(total changed; restarting the window)",
        )
    if len(set(ids)) != len(ids):
        return PageVerdict(
            Verdict.RETRY, f"第{window.page}页内有重复记录 (page {window.page} repeats a record)"
        )
    repeated = set(ids) & set(window.last_ids)
    if repeated:
        return PageVerdict(
            Verdict.RETRY,
            f"第{window.page}页与上一页重复 {len(repeated)} 条 "
            f"(page {window.page} repeats the previous page)",
        )
    expected = max(0, min(window.size, total - (window.page - 1) * window.size))
    if len(ids) != expected:
        return PageVerdict(
            Verdict.RETRY,
            f"第{window.page}页应有 {expected} 条，收到 {len(ids)} 条 "
            f"(page {window.page}: expected {expected} records, got {len(ids)})",
        )
    last = window.page * window.size >= total
    after = replace(window, page=window.page + 1, total=total, last_ids=tuple(ids))
    return PageVerdict(Verdict.ACCEPT, "", last=last, after=after)

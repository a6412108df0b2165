"""Pulling the traffic department's positions: `GET {url}?since={cursor}&limit={n}` with the hub's bearer,
answered `{"points": [...], "next": "<cursor>", "more": bool}` (docs/traffic.md; our shape, until a
province publishes its own). Page by page: the points and the cursor that follows them are written in one
transaction, so a crash at any instant resumes at the page that was not yet stored, and a page fetched twice
is only counted again (a point is its vehicle and time). A 5xx, a timeout or a garbled answer is retried with
growing waits; what finally fails is kept in words on the source's status.
"""

from __future__ import annotations

import http.client
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from hub.transport.traffic import source_row, take
from protocols.traffic import TrafficError, TrafficPage, read_page

log = logging.getLogger(__name__)

Get = Callable[[str, dict[str, str], float], tuple[int, bytes]]
PAGE = 1000


def urllib_get(url: str, headers: dict[str, str], timeout_s: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class TrafficUnavailable(Exception):
    """No usable answer after every retry; the message is what the status shows."""


@dataclass
class PullReport:
    pages: int = 0
    received: int = 0
    stored: int = 0
    unknown: int = 0
    retries: int = 0
    complete: bool = False
    error: str | None = None


@dataclass
class TrafficClient:
    url: str
    token: str
    get: Get = urllib_get
    sleep: Callable[[float], None] = time.sleep
    retries: int = 5
    backoff_s: float = 0.5
    timeout_s: float = 30.0
    page_size: int = PAGE
    tried_again: int = 0

    def page(self, cursor: str | None, now_ms: int) -> TrafficPage:
        query = urllib.parse.urlencode({"since": cursor or "", "limit": self.page_size})
        url = f"{self.url}{'&' if '?' in self.url else '?'}{query}"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.tried_again += 1
                self.sleep(self.backoff_s * 2 ** (attempt - 1) * (1 + random.random() / 2))
            try:
                status, body = self.get(url, headers, self.timeout_s)
            except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
                last = f"连接失败 (connection failed: {exc})"
                continue
            if status in (401, 403):
                raise TrafficUnavailable(f"交管平台拒绝了本系统的令牌 (HTTP {status}: the token was refused)")
            if status >= 500 or status == 429:
                last = f"交管平台出错 (HTTP {status})"
                continue
            if status != 200:
                raise TrafficUnavailable(f"交管平台应答 HTTP {status} (unexpected answer)")
            try:
                return read_page(body, now_ms)
            except TrafficError as exc:
                last = f"应答无法读取 (garbled answer: {exc})"
        raise TrafficUnavailable(
            f"重试 {self.retries} 次后仍失败: {last} (gave up after {self.retries} retries)"
        )


def pull(
    write: sessionmaker[Session],
    client: TrafficClient,
    *,
    now: Callable[[], int],
    max_pages: int | None = None,
) -> PullReport:
    """Pull until the platform says there is no more (or `max_pages`), each page stored with its cursor."""
    report = PullReport()
    while max_pages is None or report.pages < max_pages:
        with write() as session:
            cursor = source_row(session, client.url, now()).cursor
        before = client.tried_again
        try:
            page = client.page(cursor, now())
        except TrafficUnavailable as exc:
            report.error = str(exc)
            with write() as session, session.begin():
                row = source_row(session, client.url, now())
                row.last_error = str(exc)
                row.last_attempt_ms = row.updated_ms = now()
                row.retries += client.tried_again - before
            report.retries += client.tried_again - before
            log.warning("traffic pull from %s: %s", client.url, exc)
            return report
        with write() as session, session.begin():
            taken = take(session, page.points, source=client.url, now_ms=now()) if page.points else None
            row = source_row(session, client.url, now())
            row.cursor = page.next_cursor
            row.retries += client.tried_again - before
            row.last_success_ms = row.last_attempt_ms = row.updated_ms = now()
            row.last_error = None
        report.pages += 1
        report.retries += client.tried_again - before
        if taken is not None:
            report.received += taken.received
            report.stored += taken.stored
            report.unknown += taken.unknown
        if not page.more:
            report.complete = True
            return report
    return report

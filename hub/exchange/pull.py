"""回流: pulling each dataset from the province, window by window and page by page.

A window is a span of modification time [since, until): `until` is now (to the second, rounded up) when the
window opens; the next window starts `overlap_s` before it ended, so a record written late at the province
is not missed (one seen again unchanged is not stored again). Each page is checked (protocols/province
paging) and then stored, mapped onto the hub, and the cursor moved, in ONE transaction: a crash at any point
leaves either the page and its cursor or neither, and the next run fetches from where the cursor stands.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from sqlalchemy.orm import Session, sessionmaker

from hub.exchange.apply import apply_record, prefetch
from hub.exchange.client import ProvinceClient, ProvinceError
from hub.exchange.records import Received, cursor, store_page, waiting_records
from protocols.province import DATASETS, Profile, Window, check_page
from protocols.province.paging import Verdict

log = logging.getLogger(__name__)

PAGE_RETRIES = 3  # a page that fails its check is fetched again this many times
MAX_RESTARTS = 3  # a window whose total moves is restarted at most this many times per run


@dataclass
class PullReport:
    dataset: str
    pages: int = 0
    fetched: int = 0
    stored: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0
    refetched: int = 0  # pages fetched again after a failed check
    restarts: int = 0
    complete: bool = False
    error: str | None = None


def _load_window(position: str | None) -> Window | None:
    if not position:
        return None
    doc = json.loads(position)
    return Window(**{**doc, "last_ids": tuple(doc.get("last_ids", ()))})


def _save_window(window: Window) -> str:
    return json.dumps(asdict(window), ensure_ascii=False)


def _note_error(write: sessionmaker[Session], province: str, dataset: str, words: str, now_ms: int) -> None:
    with write() as session, session.begin():
        cur = cursor(session, province, "pull", dataset, now_ms)
        cur.last_error = words
        cur.last_attempt_ms = now_ms
        cur.updated_ms = now_ms


def pull_dataset(
    write: sessionmaker[Session],
    client: ProvinceClient,
    profile: Profile,
    dataset: str,
    *,
    now: Callable[[], int],
    province: str | None = None,
) -> PullReport:
    """Pull one dataset up to now; resumes an open window where its cursor stands."""
    ds = profile.datasets[dataset]
    province = province or profile.name
    report = PullReport(dataset)
    with write() as session, session.begin():
        cur = cursor(session, province, "pull", dataset, now())
        window = _load_window(cur.position)
        if window is None:
            since = profile.first_since_ms if cur.since_ms is None else cur.since_ms
            until = max(since, -(-now() // 1000) * 1000)
            window = Window(since, until, size=profile.page_size)
            cur.position = _save_window(window)
        cur.last_attempt_ms = now()
    tries = refetched = 0
    while True:
        retries_before = client.retries
        param = profile.render_param(
            page=window.page, size=window.size, since_ms=window.since_ms, until_ms=window.until_ms
        )
        try:
            answer = client.call(profile.list_path, ds.res_code, param)
        except ProvinceError as exc:
            report.error = exc.words
            _note_error(write, province, dataset, exc.words, now())
            return report
        ids = [str(r.get(ds.id_field) or "") for r in answer.data]
        verdict = check_page(window, answer.total, ids)
        if verdict.verdict != Verdict.ACCEPT:
            log.info("province %s %s page %d: %s", province, dataset, window.page, verdict.reason)
            if verdict.verdict == Verdict.RETRY:
                tries += 1
                refetched += 1
                report.refetched += 1
                if tries > PAGE_RETRIES:
                    report.error = verdict.reason
                    _note_error(write, province, dataset, verdict.reason, now())
                    return report
            else:
                report.restarts += 1
                if report.restarts > MAX_RESTARTS:
                    report.error = verdict.reason
                    _note_error(write, province, dataset, verdict.reason, now())
                    return report
                window = replace(window, page=1, total=None, last_ids=())
            continue
        after = verdict.after
        assert after is not None
        now_ms = now()
        with write() as session, session.begin():
            cur = cursor(session, province, "pull", dataset, now_ms)
            usable = [r for r, rid in zip(answer.data, ids, strict=True) if rid]
            fresh, unchanged = store_page(session, province, ds, usable, now_ms)
            prefetch(session, ds, [got.record for got in fresh])
            outcomes = [apply_record(session, ds, got, now_ms) for got in fresh]
            rejected = sum(o.outcome == "rejected" for o in outcomes) + len(answer.data) - len(usable)
            conflicts = sum(o.outcome == "conflict" for o in outcomes)
            cur.fetched += len(answer.data)
            cur.stored += len(fresh)
            cur.unchanged += unchanged
            cur.rejected += rejected
            cur.conflicts += conflicts
            cur.retries += client.retries - retries_before + refetched
            if verdict.last:
                cur.since_ms = max(window.since_ms, window.until_ms - profile.overlap_s * 1000)
                cur.position = None
                cur.last_success_ms = now_ms
                cur.last_error = None
            else:
                cur.position = _save_window(after)
            cur.updated_ms = now_ms
        tries = refetched = 0
        report.pages += 1
        report.fetched += len(answer.data)
        report.stored += len(fresh)
        report.unchanged += unchanged
        report.rejected += rejected
        report.conflicts += conflicts
        if verdict.last:
            report.complete = True
            return report
        window = after


def reapply_waiting(
    write: sessionmaker[Session], profile: Profile, *, now: Callable[[], int], province: str | None = None
) -> int:
    """Apply again the records refused because their enterprise was not in the register yet (a licence
    pulled before its enterprise); how many now went through. The newest version of each record only."""
    province = province or profile.name
    done = 0
    with write() as session, session.begin():
        for row in waiting_records(session, province):
            ds = profile.datasets.get(row.dataset)
            if ds is None:
                continue
            outcome = apply_record(session, ds, Received(row, json.loads(row.body)), now())
            if outcome.outcome != "rejected":
                done += 1
                cur = cursor(session, province, "pull", row.dataset, now())
                cur.rejected = max(0, cur.rejected - 1)
    return done


def pull_all(
    write: sessionmaker[Session],
    client: ProvinceClient,
    profile: Profile,
    *,
    now: Callable[[], int],
    datasets: list[str] | None = None,
) -> list[PullReport]:
    """Every dataset of the profile, parties first (a dataset that fails does not stop the others)."""
    names = datasets or [name for name in DATASETS if name in profile.datasets]
    reports = [pull_dataset(write, client, profile, name, now=now) for name in names]
    reapply_waiting(write, profile, now=now)
    return reports

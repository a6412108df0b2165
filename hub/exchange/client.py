"""Talking to the provincial platform over HTTP: one request at a time, paced (rate limit), retried with
exponential backoff and jitter on a 5xx, a timeout, a broken connection or a garbled answer. A refusal in
the envelope (`success: false`, e.g. a bad certCode) is not retried: it is said in words."""

from __future__ import annotations

import http.client
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from protocols.province import (
    ListAnswer,
    ListRequest,
    Profile,
    ProvinceProtocolError,
    decode_answer,
    encode_request,
)

log = logging.getLogger(__name__)


class ProvinceError(Exception):
    """The exchange could not go on; `words` is what the status page shows."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


class ProvinceUnavailable(ProvinceError):
    """No usable answer after every retry."""


class ProvinceRefused(ProvinceError):
    """The platform answered `success: false`."""


Post = Callable[[str, bytes, float], tuple[int, bytes]]


def urllib_post(url: str, body: bytes, timeout_s: float) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class ProvinceClient:
    def __init__(
        self,
        base_url: str,
        cert: str,
        profile: Profile,
        *,
        post: Post = urllib_post,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cert = cert
        self.profile = profile
        self._post = post
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._last = -1e18
        self.retries = 0  # every retry made, for the status counts
        self.requests = 0

    def _pace(self) -> None:
        wait = self.profile.min_interval_ms / 1000 - (self._monotonic() - self._last)
        if wait > 0:
            self._sleep(wait)
        self._last = self._monotonic()

    def call(self, path: str, res_code: str, json_param: dict[str, object]) -> ListAnswer:
        body = encode_request(ListRequest(self.profile.res_ver, self.cert, res_code, json_param))
        url = self.base_url + path
        problem = ""
        for attempt in range(self.profile.retries + 1):
            if attempt:
                self.retries += 1
                delay = self.profile.backoff_ms / 1000 * 2 ** (attempt - 1)
                self._sleep(delay * (0.5 + self._rng.random()))
            self._pace()
            self.requests += 1
            try:
                status, raw = self._post(url, body, self.profile.timeout_s)
            except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets are OSErrors
                problem = f"连接失败 (cannot reach the platform): {exc}"
                log.info("province %s: %s", res_code, problem)
                continue
            try:
                answer = decode_answer(raw)
            except ProvinceProtocolError as exc:
                problem = f"HTTP {status}，应答无法解析 (unreadable answer): {exc}"
                log.info("province %s: %s", res_code, problem)
                continue
            if status >= 500 or status == 429:
                problem = f"HTTP {status}: {answer.msg}"
                continue
            if not answer.success:
                raise ProvinceRefused(_refusal(answer))
            return answer
        raise ProvinceUnavailable(
            f"省平台 {self.profile.retries + 1} 次请求均失败 (the platform failed {self.profile.retries + 1} "
            f"times): {problem}"
        )


def _refusal(answer: ListAnswer) -> str:
    text = f"{answer.msg} (code {answer.code})".strip()
    if answer.code in ("401", "403") or "凭证" in answer.msg or "cert" in answer.msg.lower():
        return f"省平台拒绝资源凭证，请核对 --cert (the platform refused the certCode): {text}"
    return f"省平台拒绝请求 (the platform refused the request): {text}"

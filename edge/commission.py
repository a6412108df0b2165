"""`wastetrace edge commission --config FILE`: the installer's checklist on site, in one command.

    wastetrace edge commission --config /etc/wastetrace/edge.toml

It checks what a working box needs, with the box's own configuration: every scale reads and settles, the
printer prints a test label, every camera gives a snapshot, the clock agrees with the hub's (or NTP has
disciplined it), and the hub is reachable and knows this box (it accepts the report signed with the box's
key). It prints a pass/fail table in Chinese and English and sends the report, signed, to the hub, which
keeps it in the enterprise's file. A report the hub could not take waits in `DATA_DIR/commission/` and goes
with the next run. Exit status: 0 every check passed; 1 a check failed; 2 a configuration that cannot be
read. The agent itself must be stopped first (it holds the scale's port and the printer).
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from edge.app import load_keys
from edge.clock import clock_synchronised
from edge.config import ConfigError, EdgeConfig, load_config
from edge.fonts import FontNotFound, cjk_font_path
from edge.printers.cli import sample_content
from edge.printers.errors import PrinterError
from edge.printers.wiring import printer_for
from edge.scales.errors import ScaleError
from edge.scales.wiring import build_scales
from protocols.fleet.commission import Check, Commission, seal_commission
from protocols.label import LabelEncoder, LabelError

CLOCK_TOLERANCE_MS = 5_000
HUB_TIMEOUT_S = 10.0
PENDING = "commission"


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


async def _timed(name: str, probe: Callable[[], Awaitable[tuple[bool, str, str]]]) -> Check:
    started = time.monotonic()
    ok, zh, en = await probe()
    return Check(name, ok, zh, en, int((time.monotonic() - started) * 1000))


async def check_scales(config: EdgeConfig) -> list[Check]:
    scales = build_scales(config)
    await scales.start()
    try:
        out = []
        for name in scales.names:
            entry = scales.entry(name)

            async def settle(entry=entry) -> tuple[bool, str, str]:  # noqa: ANN001 - bound per scale
                try:
                    grams = await entry.reader.wait_stable(entry.stable_timeout_s)
                except ScaleError as exc:
                    return False, exc.message_zh, str(exc)
                return True, f"读数稳定：{grams} 克", f"a stable reading: {grams} g"

            out.append(await _timed(f"scale:{name}", settle))
        return out
    finally:
        await scales.stop()


async def check_printer(config: EdgeConfig) -> Check:
    async def print_test() -> tuple[bool, str, str]:
        try:
            printer, profile = printer_for(config.printer, config.path.parent)
            label = LabelEncoder(cjk_font_path(), profile).encode(
                sample_content(f"{config.hub_public_url}/t/COMMISSION-TEST")
            )
            await printer.status_ok()
            await printer.print_label(label.data)
        except PrinterError as exc:
            return False, exc.message_zh, str(exc)
        except (ConfigError, LabelError, FontNotFound) as exc:
            return False, f"打印机配置错误：{exc}", f"printer settings: {exc}"
        return True, f"测试标签已打印（{profile.name}）", f"test label printed ({profile.name})"

    return await _timed("printer", print_test)


async def check_cameras(config: EdgeConfig) -> list[Check]:
    if not config.cameras:
        return []
    from edge.cameras.cli import take_snapshot  # OpenCV and zeep only where there are cameras
    from edge.cameras.errors import CameraError

    out = []
    for camera in config.cameras.cameras:

        async def snap(camera=camera) -> tuple[bool, str, str]:  # noqa: ANN001 - bound per camera
            try:
                jpeg = await take_snapshot(camera.uri, camera.timeout_s, 10.0)
            except CameraError as exc:
                return False, exc.message_zh, str(exc)
            except OSError as exc:
                return False, f"摄像头无法连接：{exc}", f"camera unreachable: {exc}"
            return True, f"抓拍成功（{len(jpeg) // 1024} KB）", f"snapshot taken ({len(jpeg) // 1024} KB)"

        out.append(await _timed(f"camera:{camera.name}", snap))
    return out


async def hub_time_ms(config: EdgeConfig) -> int | None:
    """The hub's clock, from its answer's Date header; None when the hub cannot be reached."""
    try:
        timeout = aiohttp.ClientTimeout(total=HUB_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as s, s.get(f"{config.hub_url}/api/v1/health") as r:
            date = r.headers.get("Date")
    except (aiohttp.ClientError, TimeoutError):
        return None
    return int(email.utils.parsedate_to_datetime(date).timestamp() * 1000) if date else None


async def check_clock(config: EdgeConfig) -> Check:
    async def compare() -> tuple[bool, str, str]:
        before = wall_ms()
        hub_ms = await hub_time_ms(config)
        local = (before + wall_ms()) // 2
        if hub_ms is not None:
            # The Date header is whole seconds: the hub's clock lies in [hub_ms, hub_ms + 1000).
            off = max(hub_ms - local, local - hub_ms - 1000, 0)
            if off <= CLOCK_TOLERANCE_MS:
                seconds = f"{off / 1000:.1f}"
                return True, f"与平台时间相差 {seconds} 秒以内", f"within {seconds} s of the hub"
            return (
                False,
                f"本机时间与平台相差 {off / 1000:.0f} 秒：请配置 NTP（chrony）",
                f"{off / 1000:.0f} s off the hub's clock: set up NTP (chrony)",
            )
        if clock_synchronised():
            return True, "NTP 已同步时间", "synchronised by NTP"
        return False, "时间未同步，且无法与平台对时", "not synchronised by NTP and the hub cannot be reached"

    return await _timed("clock", compare)


async def run_checks(config: EdgeConfig) -> list[Check]:
    checks = await check_scales(config)
    checks.append(await check_printer(config))
    checks += await check_cameras(config)
    checks.append(await check_clock(config))
    return checks


async def send(config: EdgeConfig, envelope: dict[str, Any]) -> tuple[bool, str, str]:
    url = f"{config.hub_url}/api/v1/devices/{config.device_id}/commission-reports"
    try:
        timeout = aiohttp.ClientTimeout(total=HUB_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as s, s.post(url, json=envelope) as r:
            answer = await r.text()
            status = r.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return False, f"无法连接平台 {config.hub_url}：报告已保存，下次运行时补传", f"hub unreachable: {exc}"
    if status in (200, 201):
        return True, "平台已收到报告，本机已注册", "the hub took the report: this box is enrolled"
    if status == 401:
        why = "平台不认识本机的密钥：请先注册设备（wastetrace provision enrol）"
        return False, why, f"not enrolled: {answer[:200]}"
    return False, f"平台拒收报告（HTTP {status}）", f"the hub refused the report ({status}): {answer[:200]}"


async def upload(config: EdgeConfig, envelope: dict[str, Any]) -> Check:
    """Send earlier reports that are still waiting, then this one; keep whatever the hub did not take."""
    folder = config.data_dir / PENDING
    folder.mkdir(parents=True, exist_ok=True)
    mine = folder / f"{envelope['body']['time_ms']}-{envelope['body']['report_id']}.json"
    mine.write_text(json.dumps(envelope, ensure_ascii=False), encoding="utf-8")
    started = time.monotonic()
    result = (False, "", "")
    for path in sorted(folder.glob("*.json")):
        result = await send(config, json.loads(path.read_text(encoding="utf-8")))
        if not result[0]:
            break
        path.unlink()
    return Check("hub", *result, int((time.monotonic() - started) * 1000))


def table(checks: list[Check]) -> str:
    lines = [f"{'检查项 check':24} {'结果':6} 说明 / detail"]
    for c in checks:
        verdict = "通过" if c.ok else "失败"
        lines.append(f"{c.name:24} {verdict:6} {c.detail_zh}  ({c.detail_en})")
    passed = all(c.ok for c in checks)
    lines.append("全部通过 all passed" if passed else "有检查未通过 some checks failed")
    return "\n".join(lines)


async def commission(config: EdgeConfig) -> list[Check]:
    device_key, _ = load_keys(config)
    checks = await run_checks(config)
    report = Commission(config.device_id, str(uuid.uuid4()), wall_ms(), tuple(checks))
    checks.append(await upload(config, seal_commission(device_key, report)))
    return checks


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "commission", help="the installer's checklist: scale, printer, cameras, clock, hub; a signed report"
    )
    p.add_argument("--config", required=True, type=Path, help="the edge's TOML file")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"wastetrace edge commission: {exc}", file=sys.stderr)
        return 2
    checks = asyncio.run(commission(config))
    print(table(checks))
    return 0 if all(c.ok for c in checks) else 1

"""A scale's state as the touchscreen and the heartbeat show it, and its words for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScaleStatus(StrEnum):
    """The reader's verdict on its scale; the values are what the touchscreen API and heartbeat carry."""

    CONNECTED = "connected"
    NO_DATA = "no-data"
    GARBLED = "garbled"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"
    DISCONNECTED = "disconnected"


MESSAGES_ZH: dict[str, str] = {
    ScaleStatus.DISCONNECTED: "秤未连接，请检查秤的数据线和电源",
    ScaleStatus.NO_DATA: "秤没有发送数据，请检查秤是否开机、串口设置是否正确",
    ScaleStatus.GARBLED: "秤的数据无法识别，请检查秤的通讯设置（波特率、数据格式）",
    ScaleStatus.OVERLOAD: "秤超载，请减轻重量",
    ScaleStatus.UNDERLOAD: "秤读数低于零点，请清空秤台后置零",
    "hold": "秤处于保持状态，请在秤上解除保持",
    "stable": "读数稳定",
    "unstable": "读数不稳定，请稍候",
}


@dataclass(frozen=True, slots=True)
class ScaleState:
    """What the touchscreen and the heartbeat show. Times are on the reader's `clock_ms`."""

    connected: bool
    status: ScaleStatus
    grams: int | None
    stable: bool
    last_reading_ms: int | None
    garbled_count: int
    message_zh: str
    name: str = "scale"
    protocol: str = "and_st"
    mode: str = "continuous"
    missed_polls: int = 0  # command mode: requests the indicator left unanswered

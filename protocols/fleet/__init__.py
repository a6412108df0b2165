"""What a box tells the hub about itself (signed heartbeats) and what the hub tells it (signed settings)."""

from protocols.fleet.heartbeat import (
    HEARTBEAT_TYPE,
    Heartbeat,
    HeartbeatError,
    open_heartbeat,
    peek_heartbeat_device,
    seal_heartbeat,
)
from protocols.fleet.settings import (
    CONFIG_TYPE,
    THRESHOLDS,
    RemoteConfig,
    RemoteConfigError,
    check_settings,
    open_config,
    seal_config,
    settings_digest,
)

__all__ = [
    "CONFIG_TYPE",
    "HEARTBEAT_TYPE",
    "THRESHOLDS",
    "Heartbeat",
    "HeartbeatError",
    "RemoteConfig",
    "RemoteConfigError",
    "check_settings",
    "open_config",
    "open_heartbeat",
    "peek_heartbeat_device",
    "seal_config",
    "seal_heartbeat",
    "settings_digest",
]

"""Build the box's CameraService from its configuration, or nothing when it has no `[[cameras]]`.

Kept apart from `service` so that an agent without cameras never loads OpenCV, zeep or pluggy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.cameras.service import CameraService
    from edge.config import EdgeConfig
    from edge.device_report import Probe
    from edge.ledger import Ledger


def build_cameras(config: EdgeConfig, ledger: Ledger, on_commit: Callable[[], None]) -> CameraService | None:
    if not config.cameras:
        return None
    from edge.cameras.service import CameraService

    return CameraService(
        config.cameras,
        data_dir=config.data_dir,
        ledger=ledger,
        hub_url=config.hub_url,
        place=config.place or None,
        on_commit=on_commit,
    )


def camera_probes(cameras: CameraService | None) -> dict[str, Probe]:
    """One heartbeat probe per camera: its status, whether it is fine, when it last gave a picture."""
    if cameras is None:
        return {}
    return {f"camera:{name}": camera.probe for name, camera in cameras.cameras.items()}

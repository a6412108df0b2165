"""Run the registered checks on a frame: the built-ins, plugins from entry points, minus those disabled.

Each hook implementation is called on its own, so one plugin that raises is logged and skipped and the
other checks still run: a broken plugin must never cost the evidence of the built-in checks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pluggy

from edge.vision.hookspecs import ENTRY_POINT_GROUP, PROJECT, VisionSpec
from edge.vision.motion import MotionOffHoursCheck
from edge.vision.person import PersonAtScaleCheck
from edge.vision.qr_label import QrLabelCheck
from edge.vision.results import CheckResult, WatchContext, WeighingContext

log = logging.getLogger(__name__)


class VisionRunner:
    def __init__(
        self,
        *,
        disabled: Iterable[str] = (),
        motion_fraction_permille: int = 20,
        plugins: Iterable[Any] = (),
        load_entry_points: bool = True,
    ) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(VisionSpec)
        disabled = set(disabled)
        for name in disabled:
            self.pm.set_blocked(name)
        for plugin in (QrLabelCheck(), PersonAtScaleCheck(), MotionOffHoursCheck(motion_fraction_permille)):
            if plugin.name not in disabled:
                self.pm.register(plugin, name=plugin.name)
        for plugin in plugins:
            self.pm.register(plugin, name=getattr(plugin, "name", None))
        if load_entry_points:
            self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)

    @property
    def names(self) -> list[str]:
        return sorted(n for n, plugin in self.pm.list_name_plugin() if n and plugin is not None)

    def check_weighing(self, frame: np.ndarray, context: WeighingContext) -> list[CheckResult]:
        return self._call("wastetrace_check_weighing", frame, context)

    def watch(self, frame: np.ndarray, context: WatchContext) -> list[CheckResult]:
        return self._call("wastetrace_watch_frame", frame, context)

    def _call(self, hook: str, frame: np.ndarray, context: Any) -> list[CheckResult]:
        results = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            try:
                result = impl.function(frame=frame, context=context)
            except Exception:  # a plugin's bug: logged, and the other checks go on
                log.exception("image check %s failed", impl.plugin_name)
                continue
            if isinstance(result, CheckResult):
                results.append(result)
            elif result is not None:
                log.warning("image check %s returned %r, not a CheckResult", impl.plugin_name, type(result))
        return results

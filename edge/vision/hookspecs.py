"""The hooks an image check implements (pluggy). Each returns a `CheckResult`, or None for nothing to say.

Hooks get the frame (a BGR numpy array, as OpenCV decodes it) and a small context, never the application:
a check cannot reach the ledger, the network or the configuration.
"""

from __future__ import annotations

import numpy as np
import pluggy

from edge.vision.results import CheckResult, WatchContext, WeighingContext

PROJECT = "wastetrace_vision"
ENTRY_POINT_GROUP = "wastetrace.vision"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class VisionSpec:
    @hookspec
    def wastetrace_check_weighing(self, frame: np.ndarray, context: WeighingContext) -> CheckResult | None:
        """Look at the frame taken for one bag (at the stable weight, or after the label printed)."""

    @hookspec
    def wastetrace_watch_frame(self, frame: np.ndarray, context: WatchContext) -> CheckResult | None:
        """Look at a frame from a camera that watches the warehouse, taken every few seconds."""

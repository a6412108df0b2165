"""Image checks on the box (no cloud, no model downloaded): a pluggy plugin API and three built-ins.

Built-ins: the bag's QR label in the frame decodes to the bag's code (`qr_label`), a person standing on the
scale while it weighs (`person_at_scale`, OpenCV's HOG people detector), and motion in the warehouse outside
working hours (`motion_off_hours`, MOG2 background subtraction). A plugin is a module or object with
`@hookimpl` functions named as in `hookspecs`, registered under the `wastetrace.vision` entry point group.
"""

from edge.vision.hookspecs import hookimpl
from edge.vision.results import CheckResult, WatchContext, WeighingContext

__all__ = ["CheckResult", "WatchContext", "WeighingContext", "hookimpl"]

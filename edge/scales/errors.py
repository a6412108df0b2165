"""Why a scale gave no weight. `str()` is English for the log, `message_zh` is for the operator."""

from __future__ import annotations


class ScaleError(Exception):
    """The scale could not give a weight. `str()` is English for the log, `message_zh` is for the operator."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


class ScaleNotConnected(ScaleError):
    """The port is not open, or it is open but the scale has sent nothing for a while."""


class ScaleNotStable(ScaleError):
    """Frames arrive, but no stable weight came before the timeout (moving load, overload, garbage)."""


class UnknownScale(ScaleError):
    """A weighing or a reading named a scale this box does not have."""

"""Refusals the hub's services raise, each with the HTTP status it answers and a message a person reads.

Services raise these; `hub.web.errors.hub_error` turns them into `{"detail": message}` answers. Messages
that an operator sees are Chinese first, with English after, as the rest of the hub's refusals are.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """`reason`, when given, goes into the answer beside `detail` so a client can tell refusals apart: a 403
    says `role` (the role may not call this at all), `scope` (not this enterprise or region), `party` (not
    this party's turn on a manifest) or `ownership` (a bag of another enterprise)."""

    status = 400

    def __init__(self, message: str, reason: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        if status is not None:  # refusals whose status depends on the case (ingest, enrolment, heartbeats)
            self.status = status

    def answer(self) -> dict[str, Any]:
        return {"detail": self.message, **({"reason": self.reason} if self.reason else {})}


class Invalid(HubError):
    """The request is well-formed JSON but says something the hub will not record."""

    status = 422


class NotFound(HubError):
    status = 404


class Conflict(HubError):
    """The request clashes with what is recorded (a duplicate, a bag already loaded, a concurrent change)."""

    status = 409


class Unauthenticated(HubError):
    status = 401


class Forbidden(HubError):
    status = 403


class TooManyAttempts(HubError):
    status = 429


class NotYet(HubError):
    """What the request needs is on its way and not recorded yet (a bag's weighing still waiting for the
    projector): the same request passes in a moment. 503 with Retry-After, as for load."""

    status = 503

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message, "not_yet")
        self.retry_after_s = retry_after_s

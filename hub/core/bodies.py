"""Request bodies read with a limit while they stream in, never whole into memory first."""

from __future__ import annotations

from fastapi import Request


class BodyTooLarge(Exception):
    """The body (declared or received) is longer than the route takes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes `limit` bytes (or declares it will)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise BodyTooLarge(limit)
    return bytes(raw)


def shown(value: object, limit: int = 64) -> str:
    """A peer's value as it may appear in a message, a log line or a refusal record: a bounded prefix."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}…({len(text)} chars)"

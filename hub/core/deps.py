"""What route functions are given: the hub's shared parts, a database session, the admin check."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.settings import Settings
from protocols.ledger import public_key_b64


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Hub:
    """The parts every worker shares; nothing here is state a second worker would need."""

    settings: Settings
    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]
    key: Ed25519PrivateKey
    clock: Callable[[], int] = wall_clock_ms

    @property
    def public_key(self) -> str:
        return public_key_b64(self.key)


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_session(hub: HubDep) -> Iterator[Session]:
    with hub.read() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

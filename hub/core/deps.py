"""What route functions are given: the hub's shared parts and a database session to read or to write."""

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
    lookup: sessionmaker[Session]
    """A request's reads that need no snapshot across statements (the gate's, a trace's): on PostgreSQL
    without a transaction (hub/core/db.py `lookup_sessions`)."""
    lookup_engine: Engine
    """`lookup`'s engine, for a read of plain rows on a Connection, without a Session's cost (the gate's)."""
    write_engine: Engine
    """`write`'s engine, for a write of plain rows on a Connection (the audit entry)."""
    key: Ed25519PrivateKey
    clock: Callable[[], int] = wall_clock_ms
    replica: sessionmaker[Session] | None = None
    """Reads that may lag a moment (pages, statistics, lists: `ReadSession`), from a read replica when
    WT_HUB_READ_DB names one; `read` stays on the primary for what must see its own writes."""
    replica_lookup: sessionmaker[Session] | None = None
    """`lookup` on the read replica."""

    @property
    def public_key(self) -> str:
        return public_key_b64(self.key)


async def get_hub(request: Request) -> Hub:
    # async: FastAPI runs a plain function dependency in the thread pool, a trip that costs more than this.
    return request.app.state.hub


HubDep = Annotated[Hub, Depends(get_hub)]


def read_session(hub: HubDep) -> Iterator[Session]:
    """A session for reading (on the read replica, when there is one), closed once the route answered."""
    with (hub.replica or hub.read)() as session:
        yield session


def write_session(hub: HubDep) -> Iterator[Session]:
    """A session in one transaction (BEGIN IMMEDIATE on SQLite, taken at the first statement): committed when
    the route returns, rolled back when it raises — a refusal (`HubError`, `HTTPException`) changes nothing.

    The audit entry is not written here: the audit middleware writes it in its own transaction after the
    answer, so a refused change is still audited although its own writes were rolled back."""
    with hub.write() as session, session.begin():
        yield session


# scope="function": the session ends when the route function does, before the answer is sent, so a client
# never sees an answer for a change that then fails to commit, and the connection goes back to the pool
# at once. A route takes one of these, never both.
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
SessionDep = ReadSession
"""The older name of `ReadSession`, kept for code written against it."""

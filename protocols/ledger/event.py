"""A ledger event: one fact about one bag, appended and never changed.

Events are hashed and signed over their RFC 8785 canonical JSON, so the edge and the hub compute the same
bytes. Weights are integer grams and times UTC integer milliseconds; a float anywhere is refused, because
two JSON encoders may print the same float differently and the hash would no longer match.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import MISSING, dataclass, field
from typing import Any

import orjson
import rfc8785

from protocols.ledger.kinds import EventKind

EVENT_VERSION = 1
_KINDS: dict[str, EventKind] = {k.value: k for k in EventKind}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class EventError(ValueError):
    """An event that is malformed: refused before it is hashed, stored or sent."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """Evidence kept beside the event (a label image, a camera snapshot), bound by its SHA-256."""

    sha256: str
    media_type: str
    role: str

    def __post_init__(self) -> None:
        if not _HEX64.match(self.sha256):
            raise EventError(f"attachment sha256 must be 64 lowercase hex digits, got {self.sha256!r}")
        if not self.role:
            raise EventError("attachment role must not be empty")


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    device_id: str
    seq: int
    prev_hash: str
    kind: EventKind
    code: str
    time_ms: int
    boot_id: str
    mono_ms: int
    clock_synced: bool
    waste_code: str | None = None
    grams: int | None = None
    operator: str | None = None
    place: str | None = None
    attachments: tuple[Attachment, ...] = ()
    corrects: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # The RFC 8785 bytes, computed once: the hub hashes, chains and stores each event, all from these bytes.
    _canonical: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Written out field by field, without loops over names: the hub checks a thousand events a batch.
        if type(self.event_id) is not str or not self.event_id:
            raise EventError("event_id must be a non-empty string")
        if type(self.device_id) is not str or not self.device_id:
            raise EventError("device_id must be a non-empty string")
        if type(self.code) is not str or not self.code:
            raise EventError("code must be a non-empty string")
        if type(self.boot_id) is not str or not self.boot_id:
            raise EventError("boot_id must be a non-empty string")
        if not (
            (self.waste_code is None or type(self.waste_code) is str)
            and (self.operator is None or type(self.operator) is str)
            and (self.place is None or type(self.place) is str)
            and (self.corrects is None or type(self.corrects) is str)
        ):
            _optional_texts(self)
        if not isinstance(self.data, dict):
            raise EventError("data must be an object")
        if type(self.seq) is not int:  # the exact type first: one comparison for the common case
            _require_int("seq", self.seq)
        if self.seq < 1:
            raise EventError(f"seq starts at 1, got {self.seq}")
        if not isinstance(self.prev_hash, str) or not _HEX64.match(self.prev_hash):
            raise EventError(f"prev_hash must be 64 lowercase hex digits, got {self.prev_hash!r}")
        kind = _KINDS.get(self.kind) if isinstance(self.kind, str) else None  # EventKind(…), without its cost
        if kind is None:
            raise EventError(f"unknown event kind {self.kind!r}")
        object.__setattr__(self, "kind", kind)
        if type(self.time_ms) is not int:
            _require_int("time_ms", self.time_ms)
        if type(self.mono_ms) is not int:
            _require_int("mono_ms", self.mono_ms)
        if type(self.clock_synced) is not bool:
            raise EventError("clock_synced must be true or false")
        if self.grams is not None and type(self.grams) is not int:
            _require_int("grams", self.grams)
        if self.data and _holds_float(self.data):
            _reject_floats(self.data, "data")  # walked again only to name where

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "device_id": self.device_id,
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "kind": str(self.kind),
            "code": self.code,
            "time_ms": self.time_ms,
            "boot_id": self.boot_id,
            "mono_ms": self.mono_ms,
            "clock_synced": self.clock_synced,
            "waste_code": self.waste_code,
            "grams": self.grams,
            "operator": self.operator,
            "place": self.place,
            "attachments": [
                {"sha256": a.sha256, "media_type": a.media_type, "role": a.role} for a in self.attachments
            ],
            "corrects": self.corrects,
            "data": _copy_json(self.data),
            "v": EVENT_VERSION,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], canonical: bytes | None = None) -> Event:
        """The event of a decoded dict. `canonical`: the RFC 8785 bytes it was decoded from, when the caller
        has checked they are exactly that (protocols.ledger.envelope.read_batch), kept instead of encoding
        the event again."""
        if not isinstance(d, dict):
            raise EventError("an event must be a JSON object")
        if d.get("v") != EVENT_VERSION:
            raise EventError(f"unsupported event version {d.get('v')!r}")
        fields = d.copy()
        del fields["v"]
        try:
            attachments = fields.get("attachments")
            fields["attachments"] = tuple(Attachment(**a) for a in attachments) if attachments else ()
            event = _from_fields(fields) if cls is Event else cls(**fields)
        except TypeError as exc:
            raise EventError(f"event has missing or unknown fields: {exc}") from exc
        if canonical is not None:
            object.__setattr__(event, "_canonical", canonical)
        return event

    @property
    def canonical(self) -> bytes:
        """The event's RFC 8785 bytes (what is hashed, signed and stored)."""
        if self._canonical is None:
            object.__setattr__(self, "_canonical", canonical_bytes(self.to_dict()))
        return self._canonical

    @property
    def hash(self) -> str:
        return event_hash(self)


# Each field the constructor takes: its name, its slot's setter, its default and its default's factory
# (`_REQUIRED` for a field with neither).
_REQUIRED: Any = object()
_SLOTS = tuple(
    (
        f.name,
        Event.__dict__[f.name].__set__,
        _REQUIRED if f.default is MISSING else f.default,
        None if f.default_factory is MISSING else f.default_factory,
    )
    for f in dataclasses.fields(Event)
    if f.init
)
_SET_CANONICAL = Event.__dict__["_canonical"].__set__


def _from_fields(values: dict[str, Any]) -> Event:
    """`Event(**values)` without the dataclass's `__init__`: parsing 17 keywords and a frozen `__setattr__`
    per field cost 4 µs an event, three times its checks, and the hub builds a thousand a batch. The same
    checks run (`__post_init__`); a field missing or unknown raises TypeError, as the call would."""
    event = object.__new__(Event)
    for name, set_slot, default, factory in _SLOTS:
        value = values.pop(name, default)
        if value is _REQUIRED:
            if factory is None:
                raise TypeError(f"missing the required field {name!r}")
            value = factory()
        set_slot(event, value)
    if values:
        raise TypeError(f"unknown fields {sorted(map(str, values))}")
    _SET_CANONICAL(event, None)
    event.__post_init__()
    return event


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON value; events are passed as their dict.

    orjson with sorted keys gives the same bytes for the values events hold (text whose object keys are within
    the Basic Multilingual Plane, integers within ±(2**53 - 1), true, false, null) and is many times faster;
    anything else goes to the reference encoder. tests/test_reliability_canonical.py compares the two.
    """
    if isinstance(value, Event):
        return value.canonical
    if _plain_json(value, "value"):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # a lone surrogate: let the reference encoder refuse it with its own error
    return rfc8785.dumps(value)


def event_hash(event: Event) -> str:
    return hashlib.sha256(event.canonical).hexdigest()


def _require_int(name: str, value: Any) -> None:
    if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
        raise EventError(f"{name} must be an integer, got {value!r}")


_SAFE_INT = 2**53 - 1


def _plain_json(value: Any, where: str) -> bool:
    """Refuse floats (EventError); say whether orjson (sorted keys) would print exactly the RFC 8785 bytes."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_SAFE_INT <= value <= _SAFE_INT
    if isinstance(value, float):
        raise EventError(f"{where} holds a float ({value!r}); use integer grams and integer milliseconds")
    if kind is dict:
        plain = True
        for k, v in value.items():
            # orjson sorts keys by code point, RFC 8785 by UTF-16 unit: they differ only beyond U+FFFF.
            if type(k) is not str or not (k.isascii() or max(k) <= "\uffff"):
                plain = False
            vk = type(v)
            if vk is str or vk is bool or v is None:
                continue  # the common leaves, checked here: one call per event, not one per field
            if vk is int:
                plain = plain and -_SAFE_INT <= v <= _SAFE_INT
            elif not _plain_json(v, f"{where}.{k}"):
                plain = False
        return plain
    if kind is list or kind is tuple:
        plain = True
        for i, v in enumerate(value):
            if not _plain_json(v, f"{where}[{i}]"):
                plain = False
        return plain
    _reject_floats(value, where)
    return False


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_json(v) for v in value]
    return value


def _optional_texts(event: Event) -> None:
    for name in ("waste_code", "operator", "place", "corrects"):
        value = getattr(event, name)
        if value is not None and not isinstance(value, str):
            raise EventError(f"{name} must be a string or null")


def _holds_float(value: Any) -> bool:
    """Whether a float lies anywhere in `value`; no path is built on the way (see `_reject_floats`)."""
    kind = type(value)
    if kind is dict:
        values: Any = value.values()
    elif kind is list or kind is tuple:
        values = value
    else:
        return isinstance(value, float)
    for v in values:
        vk = type(v)
        if vk is str or vk is int or vk is bool or v is None:
            continue
        if _holds_float(v):
            return True
    return False


def _reject_floats(value: Any, where: str) -> None:
    if isinstance(value, float):
        raise EventError(f"{where} holds a float ({value!r}); use integer grams and integer milliseconds")
    if isinstance(value, dict):
        for k, v in value.items():
            _reject_floats(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _reject_floats(v, f"{where}[{i}]")

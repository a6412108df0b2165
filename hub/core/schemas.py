"""JSON shapes every domain shares: a refusal, the hub's health and key, a signed envelope."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from protocols.strictjson import MAX_SAFE_INTEGER, holds_nul


class Health(BaseModel):
    status: str


class HubKey(BaseModel):
    alg: str
    public_key: str


class Problem(BaseModel):
    detail: str


# The bounds of the integers the hub takes, in a query, a path or a body. Past them a number cannot be what it
# names, and SQLite cannot even hold it (its integers stop at 2^63 − 1; a bigger one raised OverflowError, a
# 500): each is refused with a 422 before a route runs. tests/test_hub_bounded_numbers.py checks that every
# integer a route takes has both bounds.
MAX_MS = 2**53  # UTC ms (the year 287,396): the largest integer the pages' JavaScript holds exactly
MAX_SEQ = MAX_SAFE_INTEGER  # a device's event seq: the ledger's JSON integers stop there
MAX_ID = 2**63 - 1  # a row's id, a version, an offset: BIGINT on both databases
MAX_GRAMS = 10**15  # a billion tonnes
MS = Field(ge=0, le=MAX_MS)
ID = Field(ge=1, le=MAX_ID)
COUNT = Field(ge=0, le=MAX_ID)
LAT_E6 = Field(ge=-90_000_000, le=90_000_000)  # WGS-84, millionths of a degree
LON_E6 = Field(ge=-180_000_000, le=180_000_000)
PLATE_COLOUR = Field(ge=1, le=9)  # JT/T 697.7-2014: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他

# In a query or a path (its text read as a number) …
UtcMs = Annotated[int, MS]
RowId = Annotated[int, ID]
Offset = Annotated[int, COUNT]
Year = Annotated[int, Field(ge=2000, le=2100)]  # the years a declaration or a plan may be for
Month = Annotated[int, Field(ge=1, le=12)]
# … and in a JSON body, where a number must be one (not "5", not 5.0).
StrictMs = Annotated[StrictInt, MS]
Grams = Annotated[StrictInt, Field(ge=0, le=MAX_GRAMS)]


Text = Field(default=None, max_length=2000)


class Strict(BaseModel):
    """A request body: no members but its own, and no NUL character in any text (SQLite would keep one,
    PostgreSQL refuses it, and XML, which the provincial exchange sends, cannot carry it)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if holds_nul(data):
            raise ValueError("含有 NUL 字符 (a text holds a NUL character, \\u0000)")
        return data


class Place(Strict):
    """Where something was done: WGS-84 micro-degrees as a phone's GPS gives them, and its accuracy."""

    lat_e6: Annotated[int, LAT_E6]
    lon_e6: Annotated[int, LON_E6]
    accuracy_m: int | None = Field(default=None, ge=0, le=100_000)

    @classmethod
    def of(cls, lat_e6: int | None, lon_e6: int | None, accuracy_m: int | None) -> Place | None:
        """A place from a row's columns, or None where the row has none."""
        if lat_e6 is None or lon_e6 is None:
            return None
        return cls(lat_e6=lat_e6, lon_e6=lon_e6, accuracy_m=accuracy_m)


class SignedEnvelope(BaseModel):
    """A signed envelope exactly as signed: `sig` is the signature over the RFC 8785 bytes of `body`.

    Passed through whole (extra members kept), since one changed byte breaks the signature; each body's
    members are specified where its type is (protocols/ledger, protocols/fleet, protocols/analytics)."""

    model_config = ConfigDict(extra="allow")

    # In RFC 8785 order, as the hub stores envelopes.
    alg: str = Field(description="Ed25519")
    body: dict[str, Any] = Field(
        description="the signed content; its `type` names its shape (wastetrace.batch/1, "
        "wastetrace.receipt/1, wastetrace.config/1 …)"
    )
    sig: str = Field(description="base64 signature over the RFC 8785 bytes of body")

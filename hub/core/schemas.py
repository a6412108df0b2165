"""JSON shapes every domain shares: a refusal, the hub's health and key, a signed envelope."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class Health(BaseModel):
    status: str


class HubKey(BaseModel):
    alg: str
    public_key: str


class Problem(BaseModel):
    detail: str


Grams = StrictInt


Text = Field(default=None, max_length=2000)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Place(Strict):
    """Where something was done: WGS-84 micro-degrees as a phone's GPS gives them, and its accuracy."""

    lat_e6: int = Field(ge=-90_000_000, le=90_000_000)
    lon_e6: int = Field(ge=-180_000_000, le=180_000_000)
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

"""JSON shapes every domain shares: a refusal, the hub's health and key."""

from __future__ import annotations

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

"""The field checks' requests and answers (weights in integer grams, times in UTC ms)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hub.core.schemas import Place, Strict

MAX_PHOTOS = 20
MAX_GRAMS = 100_000_000  # 100 t: more than any container a portable scale weighs

LabelState = Literal["intact", "damaged", "missing", "mismatched"]
Verdict = Literal["ok", "problem"]


class FieldCheckIn(Strict):
    subject: Literal["bag", "manifest"] = Field(
        description="what was checked: a bag (by its 数字识别码) or a manifest"
    )
    code: str = Field(min_length=1, max_length=128, description="the bag's code or the manifest's number")
    weight_found_g: int | None = Field(
        default=None, ge=0, le=MAX_GRAMS, description="what the inspector's portable scale showed, grams"
    )
    label_state: LabelState | None = Field(default=None, description="a bag's HJ 1276 label as found")
    verdict: Verdict
    note: str | None = Field(default=None, max_length=2000)
    photos: list[str] = Field(
        default_factory=list,
        max_length=MAX_PHOTOS,
        description="SHA-256 of photos the caller uploaded (POST /api/v1/attachments)",
    )
    location: Place | None = None
    at_ms: int = Field(ge=0, le=2**53, description="when the check was made (the phone's clock), UTC ms")


class FieldCheckPhoto(BaseModel):
    sha256: str
    url: str


class FieldCheckOut(BaseModel):
    id: int
    subject: str
    code: str
    enterprise_uscc: str
    enterprise_name: str
    held_grams: int | None = Field(
        description="what the hub holds: the bag's weight, or the manifest's shipped"
    )
    found_grams: int | None
    difference_grams: int | None = Field(description="found − held, when both are known")
    label_state: str | None
    verdict: str
    note: str | None
    location: Place | None
    at_ms: int
    recorded_ms: int
    recorded_by: str
    photos: list[FieldCheckPhoto]


class FieldCheckList(BaseModel):
    checks: list[FieldCheckOut]

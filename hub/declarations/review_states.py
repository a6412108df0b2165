"""The states every 申报 moves through, monthly or annual: draft → submitted → accepted, or returned with a
reason (then edited or generated again, and submitted again). One set of rules so that a month and a year
refuse the same things in the same words."""

from __future__ import annotations

from hub.core.errors import Conflict, Invalid

STATES = ("draft", "submitted", "accepted", "returned")
# A province declaration is recorded as `submitted` (declared there), or `withdrawn` once deleted there.
STATE_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "accepted": "已审核通过",
    "returned": "已退回",
    "withdrawn": "省平台已删除",
}
DONE_STATES = ("submitted", "accepted")


def ensure_editable(state: str | None, what: str) -> None:
    """A submitted or accepted declaration is the enterprise's word: it changes only after a return."""
    if state in DONE_STATES:
        raise Conflict(
            f"{what}{STATE_LABELS[state]}，不能再修改 "
            f"(the declaration is {state}; it can no longer be changed)"
        )


def ensure_submittable(state: str) -> None:
    if state not in ("draft", "returned"):
        raise Conflict(f"申报{STATE_LABELS[state]}，不能提交 (the declaration is {state})")


def reviewed_state(state: str, *, accept: bool, reason: str | None) -> str:
    """The state a review leaves: only a submitted declaration is reviewed; a return says why."""
    if state != "submitted":
        raise Conflict(f"只有已提交的申报可以审核，该申报{STATE_LABELS[state]} (only a submitted one)")
    if not accept and not (reason or "").strip():
        raise Invalid("退回须写明原因 (a return needs a reason)")
    return "accepted" if accept else "returned"

"""docs/access-control.md states the access table exactly as hub/access/policies.py has it, row by row."""

from __future__ import annotations

from pathlib import Path

from hub.access.policies import POLICIES, Kind, Policy

DOC = Path(__file__).resolve().parents[1] / "docs" / "access-control.md"


def row(method: str, path: str, policy: Policy) -> str:
    if policy.kind == Kind.PUBLIC:
        who = "anyone"
    elif policy.kind == Kind.DEVICE:
        who = "a device (its signature or one-time token, checked in the route)"
    elif policy.kind == Kind.ANY_USER:
        who = "any logged-in account"
    else:
        who = ", ".join(f"{role.value} ({scope.value})" for role, scope in policy.allow.items())
    return f"| `{method} {path}` | {who} | {'yes' if policy.audited else 'no'} |"


def test_every_policy_is_in_the_document_as_the_code_has_it():
    text = DOC.read_text(encoding="utf-8")
    missing = [row(m, p, policy) for (m, p), policy in POLICIES.items() if row(m, p, policy) not in text]
    assert missing == [], "regenerate the table in docs/access-control.md"


def test_the_document_lists_no_route_the_code_does_not_have():
    table = DOC.read_text(encoding="utf-8").split("## The access table", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(POLICIES)

"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015).

18 characters from a 31-character alphabet (no I, O, Z, S, V): position 1 registering authority, 2 entity
type, 3–8 the GB/T 2260 region code of the registering office, 9–17 the organisation code, 18 a check
character (weights 3^(i-1) mod 31).

Policy: a malformed code is an error, a wrong check character only a warning. Codes that fail the check
were issued and are in use (e.g. 91350211M0000XUF46), so refusing them would lock real enterprises out.
"""

from __future__ import annotations

from dataclasses import dataclass

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_DIGITS = frozenset("0123456789")


class UsccError(ValueError):
    """A string that is not a well-formed 统一社会信用代码."""


@dataclass(frozen=True, slots=True)
class UsccResult:
    """What `validate_uscc` found. `problems` holds readable messages (中文 first, English after)."""

    code: str
    well_formed: bool
    check_ok: bool
    expected_check: str | None
    problems: tuple[str, ...]

    @property
    def region_code(self) -> str | None:
        """Positions 3–8: the GB/T 2260 code of the registering office, if the code is well formed."""
        return self.code[2:8] if self.well_formed else None


def uscc_check_char(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a USCC."""
    if len(first17) != 17:
        raise UsccError(
            f"计算校验码需要前17位，实际为{len(first17)}位 (check character needs 17 characters, "
            f"got {len(first17)})"
        )
    bad = [c for c in first17 if c not in _VALUE]
    if bad:
        raise UsccError(
            f"含有不允许的字符 {''.join(bad)!r} (characters not in the USCC alphabet: {''.join(bad)!r})"
        )
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _shape_problems(code: str) -> list[str]:
    problems: list[str] = []
    if len(code) != USCC_LENGTH:
        problems.append(
            f"统一社会信用代码应为18位，实际为{len(code)}位 (USCC must be 18 characters, got {len(code)})"
        )
    if any(c.islower() for c in code):
        problems.append("含有小写字母，请使用大写 (contains lowercase letters; use uppercase)")
    bad = sorted({c for c in code if c not in _VALUE and not c.islower()})
    if bad:
        problems.append(
            f"含有不允许的字符 {''.join(bad)!r}（不使用 I、O、S、V、Z） "
            f"(characters not in the USCC alphabet: {''.join(bad)!r}; I, O, S, V, Z are never used)"
        )
    region = code[2:8]
    if len(code) >= 8 and not set(region) <= _DIGITS:
        problems.append(
            f"第3–8位（行政区划码）应为数字，实际为 {region!r} "
            f"(positions 3–8, the region code, must be digits, got {region!r})"
        )
    return problems


def validate_uscc(code: str) -> UsccResult:
    """Check a USCC without raising: shape problems and check-character mismatches are reported.

    `expected_check` is filled whenever the first 17 characters allow it, even if the code is otherwise
    malformed (a 'Z' in position 18 is both malformed and the wrong check character).
    """
    shape = _shape_problems(code)
    problems = list(shape)
    expected = None
    if len(code) >= 17 and all(c in _VALUE for c in code[:17]):
        expected = uscc_check_char(code[:17])
    check_ok = expected is not None and len(code) == USCC_LENGTH and code[17] == expected
    if expected is not None and len(code) == USCC_LENGTH and not check_ok:
        problems.append(
            f"校验码应为 {expected}，实际为 {code[17]}（部分真实代码也不符合，仅作提示） "
            f"(check character should be {expected}, got {code[17]}; some issued codes fail it, so on its "
            f"own this is a warning)"
        )
    return UsccResult(code, not shape, check_ok, expected, tuple(problems))


def require_well_formed_uscc(code: str) -> UsccResult:
    """Validate and raise `UsccError` if the code is malformed; a bad check character is left as a warning."""
    result = validate_uscc(code)
    if not result.well_formed:
        raise UsccError(f"统一社会信用代码 {code!r} 格式错误: " + "; ".join(result.problems))
    return result

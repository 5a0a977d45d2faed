"""统一社会信用代码 (USCC) check character per GB 32100-2015."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}

#: area code of 武清区 carried in characters 3–8
WUQING_AREA_CODE = "120114"


def check_character(first17: str) -> str:
    """The 18th character for the first 17 characters (which must be in the charset)."""
    if len(first17) != 17:
        raise ValueError("需要17位字符")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: object) -> str | None:
    """Why ``code`` is not a valid USCC, in Chinese; ``None`` if it is valid."""
    if not isinstance(code, str):
        return "统一社会信用代码应为18位字符串"
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实际为{len(code)}位"
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"统一社会信用代码含非法字符“{bad[0]}”（只允许数字和除I、O、Z、S、V外的大写字母）"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：第18位应为“{expected}”，实际为“{code[17]}”"
    return None


def is_valid_uscc(code: object) -> bool:
    return uscc_problem(code) is None


def make_uscc(body: str) -> str:
    """Complete a 17-character body with its check character."""
    return body + check_character(body)

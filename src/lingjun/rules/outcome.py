"""The outcome vocabulary (评价结果用语), defined once for the whole platform.

Every criterion and every enterprise under a policy is one of three outcomes: its code (in
records, stored results, URLs and counts) and its Chinese word (in files, the CLI and the pages):

====== =========== ===========================================================
code   word        meaning
====== =========== ===========================================================
pass   通过        every mandatory criterion holds
fail   不通过      some mandatory criterion fails
unknown 需补充材料 none fails, but some cannot be decided on the data given
====== =========== ===========================================================

The web app's ``Outcome`` choices, the CSV/xlsx writers and the CLI's counts read them from here
(the pages translate the same words through Django's catalog; a test keeps them in step).
"""

from __future__ import annotations

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
#: the codes, in the order they are listed
OUTCOMES = (PASS, FAIL, UNKNOWN)
#: code → Chinese word
WORDS = {PASS: "通过", FAIL: "不通过", UNKNOWN: "需补充材料"}


def outcome_of(value: bool | None) -> str:
    """A three-valued result (true, false, null) as its code."""
    return UNKNOWN if value is None else (PASS if value else FAIL)


def word(code: str) -> str:
    """The Chinese word of an outcome code."""
    return WORDS[code]


def counts_text(counts: dict[str, int]) -> str:
    """``通过 3，不通过 1，需补充材料 2`` (a run's counts under one policy)."""
    return "，".join(f"{WORDS[code]} {counts.get(code, 0)}" for code in OUTCOMES)


__all__ = ["FAIL", "OUTCOMES", "PASS", "UNKNOWN", "WORDS", "counts_text", "outcome_of", "word"]

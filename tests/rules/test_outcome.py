"""One outcome vocabulary: the codes and words of :mod:`lingjun.rules.outcome` are the ones the
engine's results, the records, the files and the CLI use (the web app's side is checked in
``tests/apps/evaluation/test_models.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pyarrow as pa

import lingjun.rules
from lingjun.rules import FAIL, OUTCOMES, PASS, UNKNOWN, WORDS, counts_text
from lingjun.rules.outcome import outcome_of, word
from lingjun.rules.output import RESULT_LABELS, detail_rows, summary_rows
from lingjun.rules.records import word as record_word
from lingjun.rules.result import result_words

SRC = Path(lingjun.rules.__file__).parents[1]


def test_codes_and_words() -> None:
    assert OUTCOMES == (PASS, FAIL, UNKNOWN) == ("pass", "fail", "unknown")
    assert WORDS == {"pass": "通过", "fail": "不通过", "unknown": "需补充材料"}
    assert [word(c) for c in OUTCOMES] == ["通过", "不通过", "需补充材料"]
    assert [outcome_of(v) for v in (True, False, None)] == [PASS, FAIL, UNKNOWN]
    assert counts_text({"pass": 3, "unknown": 2}) == "通过 3，不通过 0，需补充材料 2"


def test_engine_results_records_and_files_use_the_vocabulary() -> None:
    assert result_words(pa.array([True, False, None])).dictionary.to_pylist() == list(OUTCOMES)
    assert record_word is outcome_of
    assert RESULT_LABELS is WORDS
    record = {"uscc": "A", "policy": "p", "policy_label": "P", "year": 2024, "as_of": "2024-06-30"}
    criteria = [{"id": c, "result": c} for c in OUTCOMES]
    rows = list(detail_rows([{**record, "result": UNKNOWN, "criteria": criteria}]))
    assert {r[10] for r in rows} == set(WORDS.values())  # the 结果 column
    assert next(iter(summary_rows([{**record, "result": FAIL}])))[4] == "不通过"


def test_the_words_are_spelled_in_the_library_and_the_cli_only_through_the_vocabulary() -> None:
    """No string literal outside ``rules/outcome.py`` is an outcome word or starts with one
    followed by a count (``通过 {n}``); the CLI's counts come from :func:`counts_text`."""
    offenders = []
    for path in [*sorted((SRC / "rules").glob("*.py")), SRC / "cli.py"]:
        if path.name == "outcome.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                if text in WORDS.values() or any(f"{w} {{" in text for w in WORDS.values()):
                    offenders.append(f"{path.name}: {text!r}")
    assert offenders == []

"""The per-record reference evaluator reads policy inputs in the forms the engines accept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lingjun.rules import RulesError, evaluate_dossiers, evaluate_reference
from lingjun.rules.errors import BAD_INPUT, INPUT_FORMS
from lingjun.rules.spec import RunSpec

YEAR, AS_OF = 2024, date(2024, 6, 30)
SME = "national.tech_sme.2017"
LINGJUN = "tianjin.lingjun.2021"


def firm(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": uscc,
        "registered_on": date(2019, 5, 1),
        "province": "天津市",
        "credit": {"abnormal_operation": False, "serious_dishonesty": False},
        "annual": [{"year": 2023, "operating_revenue": Decimal(500), "employees": 10, "tech_staff": 5}],
        "ip": [{"kind": "invention_patent", "valid": True}],
    }


def _sector(records: list[dict[str, Any]], uscc: str) -> str:
    rec = next(r for r in records if r["uscc"] == uscc and r["policy"] == SME)
    return next(c["result"] for c in rec["criteria"] if c["id"] == "sector")


@pytest.mark.parametrize(("text", "expected"), [("true", "fail"), ("False", "pass"), ("TRUE", "fail")])
def test_a_yes_no_input_given_as_text_is_read_as_the_engines_read_it(text: str, expected: str) -> None:
    """Bug: the reference evaluator crashed (decimal.InvalidOperation) on the input "true"."""
    spec = RunSpec.of([SME], year=YEAR, as_of=AS_OF, inputs={"prohibited_sector": text})
    ref = evaluate_reference([firm("A1")], spec=spec).to_records()
    assert _sector(ref, "A1") == expected
    assert ref == evaluate_dossiers([firm("A1")], spec=spec).to_records()


def test_a_text_column_of_per_enterprise_inputs_matches_the_engine() -> None:
    inputs = pa.table({"uscc": ["A1", "B2"], "other_conditions_met": ["true", "false"]})
    spec = RunSpec.of([LINGJUN], year=YEAR, as_of=AS_OF, inputs={"site_investigation_passed": True})
    dossiers = [firm("A1"), firm("B2")]
    ref = evaluate_reference(dossiers, spec=spec, inputs_table=inputs).to_records()
    assert [r["result"] for r in ref] == ["pass", "fail"]
    assert ref == evaluate_dossiers(dossiers, spec=spec, inputs_table=inputs).to_records()


@pytest.mark.parametrize("evaluator", [evaluate_reference, evaluate_dossiers])
@pytest.mark.parametrize("value", ["yes", "1", 1])
def test_any_other_form_of_a_yes_no_input_is_a_clear_error(value: Any, evaluator: Any) -> None:
    """Strict on both paths: DuckDB used to cast "yes" and 1 to true silently."""
    inputs = pa.table({"uscc": ["A1", "B2"], "other_conditions_met": [None, value]})
    spec = RunSpec.of([LINGJUN], year=YEAR, as_of=AS_OF)
    with pytest.raises(RulesError) as info:
        evaluator([firm("A1"), firm("B2")], spec=spec, inputs_table=inputs)
    assert info.value.code == "bad_input"
    assert info.value.message == BAD_INPUT.format(
        name="other_conditions_met", value=value, detail=INPUT_FORMS
    )


@pytest.mark.parametrize("evaluator", [evaluate_reference, evaluate_dossiers])
def test_a_number_column_of_text_that_is_no_number_is_a_clear_error(evaluator: Any) -> None:
    inputs = pa.table({"uscc": ["A1"], "ip_points": ["七"]})
    spec = RunSpec.of(["national.hnte.2016"], year=YEAR, as_of=AS_OF)
    with pytest.raises(RulesError) as info:
        evaluator([firm("A1")], spec=spec, inputs_table=inputs)
    assert info.value.code == "bad_input"
    assert "“七”" in info.value.message


@pytest.mark.parametrize("value", ["many", "NaN", "Infinity"])
def test_a_number_input_must_be_a_finite_number(value: str) -> None:
    with pytest.raises(RulesError) as info:
        RunSpec.of(["national.hnte.2016"], year=YEAR, as_of=AS_OF, inputs={"ip_points": value})
    assert info.value.code == "bad_input"
    assert value in info.value.message


def test_a_number_input_given_as_text_is_read_exactly() -> None:
    spec = RunSpec.of(["national.hnte.2016"], year=YEAR, as_of=AS_OF, inputs={"ip_points": " 7.5 "})
    ref = evaluate_reference([firm("A1")], spec=spec).to_records()
    assert ref[0]["indicators"]["ip"] == 7.5
    assert ref == evaluate_dossiers([firm("A1")], spec=spec).to_records()

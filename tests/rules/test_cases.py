"""The example cases of ``cases/*.yaml``: expectations on DuckDB, and identical records on every engine
and in the per-record reference evaluator (all cases batched into one evaluation per year group)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tests.rules.casefiles import Case, batches, inputs_table, load_case_files
from tests.rules.conftest import ENGINE_PARAMS, engine_param

from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.rules import evaluate
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.loader import load_library
from lingjun.rules.reference import evaluate_reference
from lingjun.rules.spec import RunSpec

FILES = load_case_files()
CASES = [c for f in FILES for c in f.cases]
Records = dict[tuple[str, str], dict[str, Any]]


def run(upload: Callable[[dict[str, Any]], dict[str, Any]]) -> Records:
    out: Records = {}
    for (year, as_of), cases in batches(FILES).items():
        tables = upload(dossiers_to_arrow([c.dossier for c in cases]))
        policies = sorted({c.policy for c in cases})
        ev = evaluate(
            tables=tables, inputs_table=inputs_table(cases), spec=RunSpec.of(policies, year=year, as_of=as_of)
        )
        for r in ev.to_records():
            out[(r["uscc"], r["policy"])] = r
    return out


@pytest.fixture(scope="module")
def duckdb_records() -> Records:
    return run(lambda arrow: register_tables(connect("duckdb"), arrow))


def _close(a: Any, b: Any) -> bool:
    numbers = int | float | Decimal
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return bool(a == b)


def check(case: Case, rec: dict[str, Any]) -> None:
    exp = case.expect
    where = f"{case.file}:{case.line} {case.name}"
    crit = {c["id"]: c for c in rec["criteria"]}
    if "result" in exp:
        assert rec["result"] == exp["result"], f"{where}: result {rec['result']}\n{_explain(rec)}"
    for cid, want in (exp.get("criteria") or {}).items():
        assert cid in crit, f"{where}: no criterion {cid}"
        assert crit[cid]["result"] == want, (
            f"{where}: {cid} is {crit[cid]['result']}: {crit[cid]['explanation']}"
        )
    for cid, want in (exp.get("values") or {}).items():
        assert _close(crit[cid]["value"], want), f"{where}: {cid} value {crit[cid]['value']} != {want}"
    for cid, want in (exp.get("thresholds") or {}).items():
        assert _close(crit[cid]["threshold"], want), (
            f"{where}: {cid} threshold {crit[cid]['threshold']} != {want}"
        )
    if "score" in exp:
        assert _close(rec["score"], exp["score"]), f"{where}: score {rec['score']}"
    for key in ("indicators", "bands", "band_points", "metrics"):
        for k, want in (exp.get(key) or {}).items():
            got = rec[key][k]
            ok = got == want if isinstance(want, list) or want is None else _close(got, want)
            assert ok, f"{where}: {key}.{k} = {got}, expected {want}"
    if "missing" in exp:
        assert rec["missing"] == sorted(exp["missing"]), f"{where}: missing {rec['missing']}"


def _explain(rec: dict[str, Any]) -> str:
    return "\n".join(f"  {c['id']}: {c['explanation']}" for c in rec["criteria"])


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.line}" for c in CASES])
def test_case(case: Case, duckdb_records: Records) -> None:
    check(case, duckdb_records[(case.uscc, case.policy)])


@pytest.mark.parametrize("engine", [engine_param("postgres"), engine_param("spark")])
def test_engines_agree_exactly(engine: str, on_engine: Any, duckdb_records: Records) -> None:
    records = run(lambda arrow: on_engine(engine, arrow))
    assert records.keys() == duckdb_records.keys()
    for key, rec in records.items():
        assert rec == duckdb_records[key], f"{engine} differs from duckdb for {key}"


def test_reference_evaluator_agrees(duckdb_records: Records) -> None:
    for (year, as_of), cases in batches(FILES).items():
        policies = sorted({c.policy for c in cases})
        ref = evaluate_reference(
            [c.dossier for c in cases],
            inputs_table=inputs_table(cases),
            spec=RunSpec.of(policies, year=year, as_of=as_of),
        )
        for r in ref.to_records():
            assert r == duckdb_records[(r["uscc"], r["policy"])], (
                f"reference differs for {r['uscc']} {r['policy']}"
            )


def test_every_criterion_is_covered_at_pass_fail_and_unknown(duckdb_records: Records) -> None:
    """Every criterion of every policy has a case expecting pass, one fail and one unknown; unknown
    is waived only where it cannot happen (criteria that read only certain counts of list rows,
    where a missing row means "none" and no attribute the filter reads can be empty, or only the
    defaulted independent_legal_person)."""
    from datetime import date

    from lingjun.rules.reference import evaluate_reference as _ref

    lib = load_library()
    seen: dict[tuple[str, str], set[str]] = {}
    for case in CASES:
        for cid, want in (case.expect.get("criteria") or {}).items():
            seen.setdefault((case.policy, cid), set()).add(want)
    probe = _ref([], spec=RunSpec.of(list(lib.policies), year=2024, as_of=date(2024, 6, 30)))
    gaps = []
    for plan in probe.query.plans:
        for cp in plan.criteria:
            # the table form defaults independent_legal_person to true (data dictionary), so a
            # criterion reading only that field cannot be unknown from a dossier either
            can_be_unknown = bool(cp.facts - {"independent_legal_person"})
            need = {"pass", "fail"} | ({"unknown"} if can_be_unknown else set())
            have = seen.get((plan.policy.id, cp.criterion.id), set())
            if need - have:
                gaps.append(f"{plan.policy.id}.{cp.criterion.id}: {sorted(need - have)}")
    assert not gaps, "cases missing for:\n" + "\n".join(gaps)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
@pytest.mark.parametrize("inputs", [None, {"prohibited_sector": False}], ids=["no inputs", "one for all"])
def test_scalar_inputs_on_every_engine(engine: str, inputs: Any, on_engine: Any) -> None:
    """Inputs given once for every enterprise (or not at all) are constants in the query, not a
    table: the tech SME cases under both, identical to the per-record reference evaluator."""
    f = next(f for f in FILES if f.cases and f.cases[0].policy == "national.tech_sme.2017")
    year, as_of = f.year, f.as_of
    dossiers = [c.dossier for c in f.cases]
    ev = evaluate(
        tables=on_engine(engine, dossiers_to_arrow(dossiers)),
        spec=RunSpec.of(["national.tech_sme.2017"], year=year, as_of=as_of, inputs=inputs),
    )
    ref = evaluate_reference(
        dossiers, spec=RunSpec.of(["national.tech_sme.2017"], year=year, as_of=as_of, inputs=inputs)
    )
    assert ev.to_records() == ref.to_records()
    sectors = {c["result"] for r in ev.to_records() for c in r["criteria"] if c["id"] == "sector"}
    assert sectors == ({"unknown"} if inputs is None else {"pass"})

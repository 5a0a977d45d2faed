""":class:`RunSpec`: one value describing a run, checked once when it is built, and what an officer
may confirm for it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lingjun.rules import ConfirmableInput, RulesError, RunSpec, load_library
from lingjun.rules.errors import UNKNOWN_INPUT, UNKNOWN_OVERRIDE

YEAR, AS_OF = 2024, date(2024, 6, 30)
CHUYING = "tianjin.chuying.2021"
SME = "national.tech_sme.2017"
HNTE = "national.hnte.2016"


def test_policies_are_resolved_once_by_id_or_family_and_kept_in_order() -> None:
    spec = RunSpec.of([SME, "tianjin.chuying", CHUYING], year=YEAR, as_of=AS_OF)
    assert spec.policy_ids == [SME, CHUYING]  # the family's policy in force, once
    assert RunSpec.of(["tianjin.chuying"], year=2020, as_of=date(2020, 6, 30)).policy_ids == [
        "tianjin.chuying.2019"
    ]


def test_what_ifs_are_parsed_once_into_the_parameter_values() -> None:
    spec = RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.revenue_min": "20"})
    assert spec.params[CHUYING]["revenue_min"] == Decimal(20)
    assert spec.overrides_dict() == {f"{CHUYING}.revenue_min": "20"}
    assert spec.overrides_of(spec.policies[0]) == {"revenue_min": "20"}
    plain = RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF)
    assert plain.params[CHUYING]["revenue_min"] != Decimal(20)


@pytest.mark.parametrize(
    ("kwargs", "code", "text"),
    [
        ({"policies": ["tianjin.nowhere.2021"]}, "unknown_policy", "tianjin.nowhere.2021"),
        ({"overrides": {f"{CHUYING}.nope": "1"}}, "unknown_override", f"{CHUYING}.revenue_min"),
        ({"overrides": {"tianjin.chuying.2030.revenue_min": "1"}}, "unknown_override", CHUYING),
        ({"overrides": {f"{CHUYING}.revenue_min": "二十"}}, "bad_override", "二十"),
        ({"inputs": {"sector": False}}, "unknown_input", "sector"),
        ({"policies": [SME], "inputs": {"prohibited_sector": "maybe"}}, "bad_input", "maybe"),
        ({"policies": [HNTE], "inputs": {"ip_points": "many"}}, "bad_input", "many"),
        ({"as_of": date(2000, 1, 1)}, "param_no_value", "2000-01-01"),
    ],
)
def test_a_bad_run_is_refused_when_the_spec_is_built(kwargs: dict, code: str, text: str) -> None:
    args = {"policies": [CHUYING], "year": YEAR, "as_of": AS_OF, **kwargs}
    with pytest.raises(RulesError) as info:
        RunSpec.of(args.pop("policies"), **args)
    assert info.value.code == code
    assert text in info.value.message


def test_messages_are_the_engines_own() -> None:
    with pytest.raises(RulesError) as info:
        RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.nope": "1"})
    assert info.value.message.startswith(UNKNOWN_OVERRIDE.split("“")[0])
    with pytest.raises(RulesError) as info:
        RunSpec.of([SME], year=YEAR, as_of=AS_OF, inputs={"nope": True})
    assert info.value.message.startswith(UNKNOWN_INPUT.split("“")[0])


def test_equal_runs_are_equal_and_hash_alike_whatever_the_argument_order() -> None:
    lib = load_library()
    inputs = {"prohibited_sector": False, "ip_points": 3}
    a = RunSpec.of([SME, HNTE], year=YEAR, as_of=AS_OF, inputs=inputs, library=lib)
    b = RunSpec.of([SME, HNTE], year=YEAR, as_of=AS_OF, inputs=dict(reversed(inputs.items())), library=lib)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != RunSpec.of([SME, HNTE], year=YEAR, as_of=AS_OF, library=lib)
    assert a != RunSpec.of([SME, HNTE], year=YEAR, as_of=AS_OF, inputs=inputs), (
        "another library's policy objects: another run (never a stale cached query)"
    )
    with pytest.raises(AttributeError):
        a.year = 2025  # type: ignore[misc]


def test_the_policy_says_which_inputs_an_officer_may_confirm() -> None:
    lib = load_library()
    sme = lib.get(SME).confirmable_inputs()
    assert sme == (
        ConfirmableInput(
            SME, "prohibited_sector", lib.get(SME).inputs["prohibited_sector"].label, False, ("sector",)
        ),
    )
    assert sme[0].key == f"{SME}.prohibited_sector"
    lingjun = {c.name: c for c in lib.get("tianjin.lingjun.2021").confirmable_inputs()}
    assert {n: c.value for n, c in lingjun.items()} == {
        "other_conditions_met": True,
        "site_investigation_passed": True,
    }
    assert all(c.criteria for c in lingjun.values())
    # scores an expert enters (numbers) are not confirmations
    assert lib.get(CHUYING).confirmable_inputs() == ()
    assert not any(c.name == "ip_points" for p in lib.policies.values() for c in p.confirmable_inputs())


def test_a_run_lists_the_confirmable_inputs_of_its_policies() -> None:
    spec = RunSpec.of([CHUYING, SME, "tianjin.lingjun.2021"], year=YEAR, as_of=AS_OF)
    assert [c.key for c in spec.confirmable_inputs()] == [
        f"{SME}.prohibited_sector",
        "tianjin.lingjun.2021.other_conditions_met",
        "tianjin.lingjun.2021.site_investigation_passed",
    ]


def test_a_confirmed_input_decides_its_criterion() -> None:
    """What the library says to confirm, confirmed, makes the criterion pass."""
    from lingjun.rules import evaluate_dossiers

    dossier = {"uscc": "A", "name": "A", "registered_on": date(2019, 5, 1), "province": "天津市"}
    spec = RunSpec.of([SME], year=YEAR, as_of=AS_OF)
    (c,) = spec.confirmable_inputs()
    confirmed = RunSpec.of([SME], year=YEAR, as_of=AS_OF, inputs={c.key: c.value})
    for run, want in ((spec, "unknown"), (confirmed, "pass")):
        ev = evaluate_dossiers([dossier], spec=run)
        assert ev.spec == run
        (rec,) = ev.to_records()
        results = {x["id"]: x["result"] for x in rec["criteria"]}
        assert {results[cid] for cid in c.criteria} == {want}

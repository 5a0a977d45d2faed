"""The evaluation models: one outcome vocabulary with the rules library, and a stored run's
:class:`RunSpec`."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

import lingjun.apps
from lingjun.apps.evaluation.forms import RESULT_CHOICES
from lingjun.apps.evaluation.models import EvaluationRun, Outcome
from lingjun.rules import OUTCOMES, WORDS, RulesError, RunSpec

APPS = Path(lingjun.apps.__file__).parent


def test_outcome_choices_are_the_librarys_vocabulary() -> None:
    assert tuple(Outcome.values) == OUTCOMES
    with translation.override("zh-hans"):
        assert {o.value: str(o.label) for o in Outcome} == WORDS
    assert [v for v, _ in RESULT_CHOICES[1:]] == list(OUTCOMES)


def test_the_outcome_words_are_translated_as_the_pages_translate_them() -> None:
    with translation.override("en"):
        english = {code: str(Outcome(code).label) for code in OUTCOMES}
        assert english == {code: translation.gettext(WORDS[code]) for code in OUTCOMES}
    assert english == {"pass": "Pass", "fail": "Fail", "unknown": "Data missing"}


def test_templates_spell_only_the_vocabularys_codes_and_words() -> None:
    """Pages compare results with the codes and show the words: no other spelling creeps in."""
    templates = sorted(APPS.glob("*/templates/**/*.html"))
    assert templates
    codes: set[str] = set()
    for path in templates:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"result\s*[!=]=\s*[\"'](\w+)[\"']", text))
    assert codes and codes <= set(OUTCOMES)
    badge = (APPS / "evaluation/templates/evaluation/_outcome.html").read_text(encoding="utf-8")
    for code in OUTCOMES:
        assert f'result == "{code}" %}}{{% translate "{WORDS[code]}" %}}' in badge


@pytest.mark.django_db
def test_a_stored_run_gives_its_spec() -> None:
    run = EvaluationRun.objects.create(
        policies=["tianjin.chuying.2021", "national.tech_sme.2017"],
        year=2025,
        as_of=date(2025, 6, 30),
        overrides={"tianjin.chuying.2021.revenue_min": "20"},
        inputs={"national.tech_sme.2017.prohibited_sector": False},
    )
    assert run.spec() == RunSpec.of(
        ["tianjin.chuying.2021", "national.tech_sme.2017"],
        year=2025,
        as_of=date(2025, 6, 30),
        overrides={"tianjin.chuying.2021.revenue_min": "20"},
        inputs={"national.tech_sme.2017.prohibited_sector": False},
    )
    run.policies = ["tianjin.gone.2021"]  # a policy the library no longer has
    with pytest.raises(RulesError):
        run.spec()

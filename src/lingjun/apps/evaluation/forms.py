"""Forms of the evaluation pages: starting a run, filtering its results, the self-evaluation year.

Policies, parameters and inputs come from the rules library (``lingjun.rules``); nothing about a
policy is written here except how a confirmation checkbox is worded. Overrides are parsed with
:func:`lingjun.rules.parse_sets`, and the engine's own Chinese messages are the form's errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.util import find_spec
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lingjun.apps.evaluation.models import Outcome
from lingjun.apps.evaluation.pool import pool_is_sqlite
from lingjun.apps.evaluation.selectors.policies import policies_in_force, policy_library, policy_options
from lingjun.apps.paging import MAX_PAGE
from lingjun.rules import RulesError, default_as_of, parse_sets
from lingjun.rules.policy import Policy

#: earliest application year offered (the oldest policy in the library is from 2016)
FIRST_YEAR = 2016

#: how a run-wide confirmation of a boolean policy input reads (by input name); others get a
#: generic wording built from the input's own label
RUN_CONFIRMATIONS = {
    "prohibited_sector": gettext_lazy("已核查：申报企业产品（服务）均不属于国家规定的禁止、限制和淘汰类"),
    "other_conditions_met": gettext_lazy("已核定：原文未找到的其余评价条件，申报企业均满足"),
    "site_investigation_passed": gettext_lazy("已确认：申报企业均已通过现场调查"),
}
#: what an enterprise may declare for itself in the self-evaluation (nothing is stored)
SELF_CONFIRMATIONS = {
    "prohibited_sector": gettext_lazy("本企业确认：产品（服务）不属于国家规定的禁止、限制和淘汰类"),
}

ENGINE_LABELS = {
    "duckdb": gettext_lazy("DuckDB（默认，本机计算）"),
    "postgres": gettext_lazy("PostgreSQL（在企业库数据库内计算）"),
    "spark": gettext_lazy("Spark（本地或集群）"),
}


@dataclass(frozen=True)
class Confirmation:
    """A checkbox that sets one boolean policy input to the value its criterion asks for."""

    key: str  # the input as the engine names it: "<policy id>.<input name>"
    policy: str
    name: str
    value: bool
    label: str
    policy_label: str

    @property
    def field_name(self) -> str:
        return f"confirm:{self.key}"


def confirmations(
    policies: Iterable[Policy], wording: dict[str, Any], *, all_inputs: bool
) -> list[Confirmation]:
    """One checkbox per input of ``policies`` an officer may confirm (the rules library says which,
    :meth:`Policy.confirmable_inputs <lingjun.rules.policy.Policy.confirmable_inputs>`): those
    ``wording`` words, and with ``all_inputs`` the others too, worded from the input's label."""
    out = []
    for policy in policies:
        for c in policy.confirmable_inputs():
            if c.name in wording:
                label = str(wording[c.name])
            elif all_inputs:
                label = _("已确认：%(label)s — %(value)s") % {
                    "label": c.label,
                    "value": _("是") if c.value else _("否"),
                }
            else:
                continue
            out.append(Confirmation(c.key, policy.id, c.name, c.value, label, policy.label))
    return out


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def available_engines() -> list[str]:
    """DuckDB always; PostgreSQL only over a PostgreSQL pool; Spark when PySpark is installed."""
    engines = ["duckdb"]
    if not pool_is_sqlite():
        engines.append("postgres")
    if find_spec("pyspark") is not None:
        engines.append("spark")
    return engines


class RunForm(forms.Form):
    """启动评价: policies, application year, as-of date, engine, confirmations, what-if overrides."""

    year = forms.IntegerField(label=gettext_lazy("申报年度"), min_value=FIRST_YEAR, max_value=2100)
    as_of = forms.DateField(
        label=gettext_lazy("有效性判断日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("资质、知识产权等按此日是否有效计；留空则取今天与申报年度末二者中较早者。"),
    )
    policies = forms.MultipleChoiceField(
        label=gettext_lazy("评价政策"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一项政策。")},
    )
    engine = forms.ChoiceField(label=gettext_lazy("计算引擎"))
    overrides = forms.CharField(
        label=gettext_lazy("参数调整（模拟）"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "tianjin.chuying.2021.revenue_min=20", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "每行一项：参数=取值（可调整的参数见下方各政策）。填写后本批次为模拟评价，不作正式结果。"
        ),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        library = policy_library()
        self.options = policy_options(on=today)
        _choice_field(self, "policies").choices = [(o.id, o.label) for o in self.options]
        _choice_field(self, "engine").choices = [(e, ENGINE_LABELS[e]) for e in available_engines()]
        self.confirmations = confirmations(
            (library.get(o.id) for o in self.options), RUN_CONFIRMATIONS, all_inputs=True
        )
        for c in self.confirmations:
            self.fields[c.field_name] = forms.BooleanField(label=c.label, required=False)
        if not self.is_bound:
            year = self.initial.get("year") or today.year
            as_of = default_as_of(year, today)
            self.initial = {
                "year": year,
                "as_of": as_of,
                "policies": policies_in_force(year, as_of),
                "engine": "duckdb",
                **self.initial,
            }

    def clean_overrides(self) -> dict[str, str]:
        lines = [
            line.strip()
            for line in (self.cleaned_data.get("overrides") or "").splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
        try:
            return parse_sets(lines)
        except RulesError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("year") and not data.get("as_of"):
            data["as_of"] = default_as_of(data["year"], self.today)
        return data

    def confirmation_rows(self) -> list[tuple[Confirmation, forms.BoundField]]:
        return [(c, self[c.field_name]) for c in self.confirmations]

    def run_parameters(self) -> dict[str, Any]:
        """Keyword arguments of :func:`lingjun.apps.evaluation.services.evaluation_run_start`."""
        data = self.cleaned_data
        chosen = set(data["policies"])
        inputs = {c.key: c.value for c in self.confirmations if c.policy in chosen and data.get(c.field_name)}
        return {
            "policies": [o.id for o in self.options if o.id in chosen],
            "year": data["year"],
            "as_of": data["as_of"],
            "engine": data["engine"],
            "overrides": data["overrides"],
            "inputs": inputs,
        }

    def add_engine_error(self, exc: Exception) -> None:
        """Put an error of the engine next to the field it is about."""
        code = getattr(exc, "code", "")
        message = getattr(exc, "message", None) or str(exc)
        if code in ("unknown_override", "bad_override", "param_no_value"):
            self.add_error("overrides", message)
        elif code in ("unknown_policy", "no_policy_in_force"):
            self.add_error("policies", message)
        elif isinstance(exc, ValueError) and not code:
            self.add_error("engine", message)
        else:
            self.add_error(None, message)


RESULT_CHOICES = [("", gettext_lazy("全部结果")), *Outcome.choices]


class ResultFilterForm(forms.Form):
    """Filters of a run's results: policy, result, 镇街, name or USCC."""

    q = forms.CharField(label=gettext_lazy("企业名称或代码"), required=False, max_length=100)
    policy = forms.ChoiceField(label=gettext_lazy("政策"), required=False)
    result = forms.ChoiceField(label=gettext_lazy("结果"), required=False, choices=RESULT_CHOICES)
    town = forms.ChoiceField(label=gettext_lazy("所属镇街"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def __init__(self, *args: Any, policies: Sequence[tuple[str, str]], towns: Sequence[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "policy").choices = [("", _("任一政策")), *policies]
        _choice_field(self, "town").choices = [("", _("全部镇街")), *((t, t) for t in towns)]


class SelfEvaluationForm(forms.Form):
    """The application year of a self-evaluation, and what the enterprise declares itself."""

    year = forms.TypedChoiceField(label=gettext_lazy("申报年度"), coerce=int)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        years = range(today.year + 1, max(FIRST_YEAR, today.year - 5) - 1, -1)
        _choice_field(self, "year").choices = [(y, _("%(y)s 年度") % {"y": y}) for y in years]
        self.fields["year"].initial = today.year
        library = policy_library()
        self.confirmations = confirmations(
            (library.get(o.id) for o in policy_options(on=today)), SELF_CONFIRMATIONS, all_inputs=False
        )
        for c in self.confirmations:
            self.fields[c.field_name] = forms.BooleanField(label=c.label, required=False)

    def year_value(self) -> int:
        if self.is_bound and self.is_valid():
            return int(self.cleaned_data["year"])
        return self.today.year

    def inputs(self) -> dict[str, bool]:
        if not (self.is_bound and self.is_valid()):
            return {}
        return {c.key: c.value for c in self.confirmations if self.cleaned_data.get(c.field_name)}

    def confirmation_rows(self) -> list[tuple[Confirmation, forms.BoundField]]:
        return [(c, self[c.field_name]) for c in self.confirmations]

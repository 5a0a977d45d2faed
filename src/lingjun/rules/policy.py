"""Policies as data: the model of a policy (政策) as the loader reads it from its file.

A policy is its document (number, title, issuer, source address, effective dates, ``verified``),
its parameters (dated values, scales), its inputs (what an expert or a clerk enters), and its
criteria, metrics, indicators and bands, each an expression of :mod:`lingjun.rules.expr` with the
article it cites. :mod:`lingjun.rules.loader` reads and checks the files; :class:`Library` is the
set of policies a folder holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from lingjun.rules import expr as E
from lingjun.rules.errors import RulesError, names

ParamKind = Literal["num", "bool", "str", "date", "scale"]


@dataclass(frozen=True)
class Bracket:
    """One row of a scale (分档): the first row whose condition holds gives the outputs."""

    op: str | None  # ">=", ">", "<=", "<" or None (otherwise)
    bound: Decimal | None
    points: tuple[Decimal, Decimal] | None  # (low, high); low == high for a single value
    band: str | None
    value: Decimal | None


@dataclass(frozen=True)
class Scale:
    brackets: tuple[Bracket, ...]

    @property
    def outputs(self) -> set[str]:
        first = self.brackets[0]
        return {k for k in ("points", "band", "value") if getattr(first, k) is not None}

    def pick(self, x: Any) -> Bracket:
        """The bracket for an exact value ``x`` (a Fraction or Decimal)."""
        for b in self.brackets:
            if b.op is None or _holds(b.op, x, b.bound):
                return b
        raise AssertionError("a scale ends with an unconditioned bracket")  # pragma: no cover


def _holds(op: str, x: Any, bound: Any) -> bool:
    return {">=": x >= bound, ">": x > bound, "<=": x <= bound, "<": x < bound}[op]


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    kind: ParamKind
    values: tuple[tuple[date, Any], ...]  # sorted by date
    unit: str = ""
    article: str = ""
    source: str = ""
    verified: bool = True
    provisional_reason: str = ""
    #: the issuing document the article is in (default: the policy's own)
    document: str = ""

    def at(self, on: date) -> Any:
        value: Any = None
        found = False
        for start, v in self.values:
            if start <= on:
                value, found = v, True
        if not found:
            raise RulesError(
                "param_no_value", param=self.name, on=on.isoformat(), first=self.values[0][0].isoformat()
            )
        return value


@dataclass(frozen=True)
class Input:
    """A fact the dossier does not carry (expert scores, sector checks…): unknown unless provided."""

    name: str
    label: str
    kind: E.Kind
    article: str = ""
    unit: str = ""
    #: the issuing document the article is in (default: the policy's own)
    document: str = ""


@dataclass(frozen=True)
class Cited:
    """Where a rule comes from; every criterion, metric, indicator and band carries one."""

    document: str
    article: str
    source: str
    effective_from: date
    effective_until: date | None
    verified: bool
    provisional_reason: str


@dataclass(frozen=True)
class Criterion:
    id: str
    #: the label with each ``{param.NAME}`` filled in with the parameter's latest value (a
    #: readable default); a run shows :meth:`label_with` its own values (what-ifs included)
    label: str
    test: E.Node
    text: str
    cite: Cited
    mandatory: bool = True
    measure: str = ""
    unit: str = ""
    note: str = ""
    line: int = 0
    #: the label as written, placeholders and all (``上年度营业收入不低于{param.revenue_min}``)
    label_template: str = ""
    #: the parameters its placeholders name: (name, kind, unit)
    label_params: tuple[tuple[str, ParamKind, str], ...] = ()

    @property
    def verified(self) -> bool:
        return self.cite.verified

    def label_with(self, params: Mapping[str, Any]) -> str:
        """The label with a run's parameter values (``params``: name → value, what-ifs applied)."""
        if not self.label_params:
            return self.label
        return render_label(self.label_template, {n: (k, u, params[n]) for n, k, u in self.label_params})


#: a placeholder of a label: ``{param.NAME}``; anything else between braces is a loader error
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def render_label(template: str, values: Mapping[str, tuple[ParamKind, str, Any]]) -> str:
    """``template`` with each ``{param.NAME}`` replaced by the value of ``values[NAME]`` = (kind,
    unit, value), written as a clerk reads it: ``20%``, ``10万元``, ``8年``, a scale row by row."""

    def one(m: re.Match[str]) -> str:
        kind, unit, value = values[m.group(1).removeprefix("param.")]
        return param_text(kind, unit, value)

    return PLACEHOLDER.sub(one, template)


def _number(x: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{(x * 100).normalize():f}%"
    return f"{x.normalize():f}{unit}"


_BOUND_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def param_text(kind: ParamKind, unit: str, value: Any) -> str:
    """A parameter's value as a label shows it (no space before the unit, as Chinese text has)."""
    if kind == "scale":
        rows = []
        for b in value.brackets:
            cond = (
                "其余" if b.op is None or b.bound is None else f"{_BOUND_SYMBOL[b.op]}{b.bound.normalize():f}"
            )
            if b.value is not None:
                out = _number(b.value, unit)
            elif b.points is not None:
                lo, hi = (f"{p.normalize():f}" for p in b.points)
                out = f"{lo}分" if lo == hi else f"{lo}–{hi}分"
            else:
                out = f"{b.band}档"
            rows.append(f"{cond}：{out}")
        return "；".join(rows)
    if kind == "bool":
        return "是" if value else "否"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return _number(Decimal(value), unit)
    if isinstance(value, date):
        return value.isoformat()
    return f"{value}{unit}"


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    expr: E.Node
    kind: E.Kind
    unit: str
    cite: Cited


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    points: E.Node
    max: Decimal
    cite: Cited


@dataclass(frozen=True)
class BandDef:
    id: str
    label: str
    of: E.Node
    scale: str
    cite: Cited


@dataclass(frozen=True)
class Policy:
    id: str
    family: str
    label: str
    document: str
    title: str
    issuer: str
    source: str
    effective_from: date
    effective_until: date | None
    verified: bool
    provisional_reason: str
    notes: str
    file: str
    parameters: Mapping[str, Parameter]
    inputs: Mapping[str, Input]
    metrics: tuple[Metric, ...]
    indicators: tuple[Indicator, ...]
    bands: tuple[BandDef, ...]
    criteria: tuple[Criterion, ...]

    @property
    def scored(self) -> bool:
        return bool(self.indicators)

    def in_force_on(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def parameter_values(self, on: date, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every parameter's value on ``on``; ``overrides`` maps parameter name → a value already
        parsed (a what-if: :class:`lingjun.rules.spec.RunSpec` parses the YAML text once)."""
        values = {name: p.at(on) for name, p in self.parameters.items()}
        for name, value in (overrides or {}).items():
            if name not in self.parameters:
                raise RulesError(
                    "unknown_override",
                    name=f"{self.id}.{name}",
                    allowed=names(f"{self.id}.{p}" for p in self.parameters),
                )
            values[name] = value
        return values

    def confirmable_inputs(self) -> tuple[ConfirmableInput, ...]:
        """The yes/no inputs an officer may confirm (人工确认), each with the value that satisfies
        the criteria testing it (``input.prohibited_sector == false``) and those criteria's ids.

        An input is confirmable when a criterion compares it with a constant yes or no; inputs
        that are scores or amounts (专家评分) are entered, not confirmed, and are not listed."""
        out = []
        for name, spec in self.inputs.items():
            if spec.kind != "bool":
                continue
            wanted = [(c.id, v) for c in self.criteria if (v := _wanted_value(c.test, name)) is not None]
            if not wanted:
                continue
            value = wanted[0][1]
            decides = tuple(cid for cid, v in wanted if v == value)
            out.append(ConfirmableInput(self.id, name, spec.label, value, decides))
        return tuple(out)


def _wanted_value(test: E.Node, name: str) -> bool | None:
    """The value of boolean input ``name`` that satisfies ``test`` when ``test`` is a comparison
    of the input with a constant yes or no (either way round); None otherwise."""
    if not isinstance(test, E.Cmp) or test.op not in ("==", "!="):
        return None
    for ref, const in ((test.left, test.right), (test.right, test.left)):
        if (
            isinstance(ref, E.InputRef)
            and ref.name == name
            and isinstance(const, E.Const)
            and isinstance(const.value, bool)
        ):
            return const.value if test.op == "==" else not const.value
    return None


@dataclass(frozen=True)
class ConfirmableInput:
    """A yes/no policy input an officer may confirm for a whole run (or an enterprise for itself)."""

    policy: str  # policy id
    name: str
    label: str
    #: the value that satisfies the criteria testing it
    value: bool
    #: ids of the criteria it decides
    criteria: tuple[str, ...]

    @property
    def key(self) -> str:
        """The input as runs name it: ``<policy id>.<input name>``."""
        return f"{self.policy}.{self.name}"


# --- the library ------------------------------------------------------------------------------


@dataclass
class Library:
    """A set of policies read from a folder (one sub-folder per issuing document)."""

    policies: dict[str, Policy] = field(default_factory=dict)
    root: Path | None = None

    def get(self, policy_id: str) -> Policy:
        try:
            return self.policies[policy_id]
        except KeyError:
            raise RulesError("unknown_policy", policy=policy_id, allowed=names(self.policies)) from None

    @property
    def families(self) -> set[str]:
        return {p.family for p in self.policies.values()}

    def in_force(self, family: str, year: int, on: date | None = None) -> Policy:
        """The policy of ``family`` in force on ``on`` (default: 31 December of ``year``)."""
        when = on or date(year, 12, 31)
        matches = [p for p in self.policies.values() if p.family == family and p.in_force_on(when)]
        if not matches:
            raise RulesError(
                "no_policy_in_force", family=family, on=when.isoformat(), allowed=names(self.policies)
            )
        return max(matches, key=lambda p: p.effective_from)

    def resolve(self, ref: str | Policy, year: int, on: date | None = None) -> Policy:
        """A policy by id, or the one in force for a family name."""
        if isinstance(ref, Policy):
            return ref
        if ref in self.policies:
            return self.policies[ref]
        if ref in self.families:
            return self.in_force(ref, year, on)
        return self.get(ref)


__all__ = ["Library", "Policy", "Criterion", "ConfirmableInput", "Parameter", "Scale", "Bracket"]

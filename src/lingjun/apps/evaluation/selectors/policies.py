"""The policy library as the evaluation pages show it: labels and page order, provisional parts,
the parameter values in force on a day, the policies in force for an application year, and the
labels of policy inputs (专家评定、人工确认的事项)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from lingjun.rules import RulesError
from lingjun.rules.explain import show
from lingjun.rules.loader import default_library
from lingjun.rules.policy import Library, Parameter, Policy

#: policy families in the order the pages list them (national first, then the Tianjin tiers)
POLICY_ORDER = (
    "national.hnte",
    "national.tech_sme",
    "tianjin.chuying",
    "tianjin.dengling",
    "tianjin.lingjun_peiyu",
    "tianjin.lingjun",
)


def policy_library() -> Library:
    """The policy library the engine evaluates with (loaded once per process)."""
    return default_library()


def _family_rank(policy: Policy) -> tuple[int, str]:
    try:
        return POLICY_ORDER.index(policy.family), policy.id
    except ValueError:
        return len(POLICY_ORDER), policy.id


def policy_label(policy_id: str) -> str:
    """The Chinese name of a policy (``天津市雏鹰企业``), or its id if the library no longer has it."""
    policy = policy_library().policies.get(policy_id)
    return policy.label if policy is not None else policy_id


def policy_sort_key(policy_id: str) -> tuple[int, int, str]:
    policy = policy_library().policies.get(policy_id)
    if policy is None:
        return (len(POLICY_ORDER) + 1, 0, policy_id)
    rank, _id = _family_rank(policy)
    return (rank, -policy.effective_from.toordinal(), policy_id)


# --------------------------------------------------------------------------- policies for forms


@dataclass(frozen=True)
class Provisional:
    """Something a result rests on that is not verified (暂定（待核实）) and why."""

    what: str
    reason: str


@dataclass(frozen=True)
class ParameterRow:
    key: str  # as an override names it: "<policy id>.<parameter>"
    label: str
    value: str
    unit: str
    verified: bool
    reason: str


@dataclass(frozen=True)
class PolicyOption:
    id: str
    label: str
    document: str
    title: str
    effective_from: date
    effective_until: date | None
    provisional: list[Provisional]
    parameters: list[ParameterRow]


def _parameter_text(param: Parameter, on: date) -> str:
    try:
        value = param.at(on)
    except RulesError:
        value = param.values[-1][1]
    if param.kind == "scale":
        return _("分档表（%(n)s 档）") % {"n": len(value.brackets)}
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return show(value, param.unit) if param.unit == "%" else f"{value.normalize():f}"
    return str(value)


def policy_provisional(policy: Policy) -> list[Provisional]:
    """What of ``policy`` is provisional (the policy, its parameters, its criteria), one line per
    reason: a criterion that reads a provisional parameter shares the parameter's reason."""
    items: list[tuple[str, str]] = []
    if not policy.verified:
        items.append((policy.label, policy.provisional_reason))
    items += [(p.label, p.provisional_reason) for p in policy.parameters.values() if not p.verified]
    items += [(c.label, c.cite.provisional_reason) for c in policy.criteria if not c.verified]
    by_reason: dict[str, list[str]] = {}
    for what, reason in items:
        names = by_reason.setdefault(reason, [])
        if what not in names:
            names.append(what)
    return [Provisional("、".join(names), reason) for reason, names in by_reason.items()]


def policy_options(*, on: date) -> list[PolicyOption]:
    """Every policy of the library, in page order, with its provisional parts and the parameter
    values in force ``on`` that day."""
    when = on
    out = []
    for policy in sorted(policy_library().policies.values(), key=policy_sort_key_of):
        out.append(
            PolicyOption(
                id=policy.id,
                label=policy.label,
                document=policy.document,
                title=policy.title,
                effective_from=policy.effective_from,
                effective_until=policy.effective_until,
                provisional=policy_provisional(policy),
                parameters=[
                    ParameterRow(
                        f"{policy.id}.{name}",
                        p.label,
                        _parameter_text(p, when),
                        "" if p.kind == "scale" or p.unit == "%" else p.unit,
                        p.verified,
                        p.provisional_reason,
                    )
                    for name, p in policy.parameters.items()
                ],
            )
        )
    return out


def policy_sort_key_of(policy: Policy) -> tuple[int, int, str]:
    return policy_sort_key(policy.id)


def policies_in_force(year: int, on: date) -> list[str]:
    """Ids of the policies in force on ``on`` for application year ``year``, one per family."""
    library = policy_library()
    out = []
    for family in POLICY_ORDER:
        if family not in library.families:
            continue
        try:
            out.append(library.in_force(family, year, on).id)
        except RulesError:
            continue  # not yet (or no longer) a policy of that family on that day
    return out


def input_label(key: str) -> str:
    """``national.tech_sme.2017.prohibited_sector`` → the input's Chinese label with its policy."""
    pid, _sep, name = key.rpartition(".")
    policy = policy_library().policies.get(pid)
    if policy is None or name not in policy.inputs:
        return key
    return f"{policy.label}：{policy.inputs[name].label}"


def input_texts(inputs: Mapping[str, Any]) -> list[str]:
    out = []
    for key, value in inputs.items():
        shown = (_("是") if value else _("否")) if isinstance(value, bool) else str(value)
        out.append(f"{input_label(key)} = {shown}")
    return out

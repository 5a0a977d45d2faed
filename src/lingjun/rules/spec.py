"""What a run is (评价批次的描述): :class:`RunSpec`, built and checked once.

A run is the policies it applies, the application year, the evaluation date (as-of), the what-if
parameter values (模拟评价) and the inputs an officer confirmed for every enterprise (人工确认).
:meth:`RunSpec.of` resolves the policies against a :class:`~lingjun.rules.policy.Library`, parses
every what-if value and checks every input once, raising :class:`~lingjun.rules.errors.RulesError`
with the engine's Chinese message; every later step — :func:`~lingjun.rules.evaluation.evaluate`,
:func:`~lingjun.rules.evaluation.build_plan`, the reference evaluator, the query cache, a stored
run — takes the one value.

A spec is immutable and hashable: two specs are equal when they name the same policy objects (a
reloaded library is another run) with the same year, date, what-ifs and inputs
(:attr:`RunSpec.key`, what :mod:`lingjun.rules.querycache` keys on).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lingjun.rules.errors import INPUT_FORMS, RulesError, names
from lingjun.rules.loader import default_library, parse_override
from lingjun.rules.policy import ConfirmableInput, Library, Policy


def input_value(kind: str, value: Any, name: str) -> Any:
    """An input's value as the engine reads it: a bool, a Decimal, or None (unknown).

    Accepted: for a yes/no input a bool or the text ``true``/``false`` (any case, as the engines
    cast a text column); for a number a number or its text. Anything else is ``bad_input``."""
    if value is None:
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            pass
        else:
            if number.is_finite():
                return number
    raise RulesError("bad_input", name=name, value=value, detail=INPUT_FORMS)


def resolve_policies(
    policies: Iterable[Policy | str], year: int, as_of: date, library: Library | None = None
) -> tuple[Policy, ...]:
    """Policy objects for ids, family names (the policy in force on ``as_of``) or policies, each once."""
    lib = library or default_library()
    out: list[Policy] = []
    for ref in policies:
        policy = lib.resolve(ref, year, as_of)
        if policy not in out:
            out.append(policy)
    return tuple(out)


def _checked_column(kind: str, column: pa.ChunkedArray, key: str) -> pa.ChunkedArray:
    t = column.type
    if pa.types.is_null(t):
        return column
    if kind == "bool":
        if pa.types.is_boolean(t):
            return column
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            words = pc.utf8_lower(pc.utf8_trim_whitespace(column))
            ok = pc.is_in(words, value_set=pa.array(["true", "false"]))
            if pc.all(pc.or_kleene(ok, pc.is_null(words))).as_py():
                return pc.equal(words, "true")
    elif pa.types.is_integer(t) or pa.types.is_decimal(t):
        return column
    elif pa.types.is_floating(t):
        if pc.all(pc.or_kleene(pc.is_finite(column), pc.is_null(column))).as_py():
            return column
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        try:
            pc.cast(pc.utf8_trim_whitespace(column), pa.decimal128(38, 10))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return pc.utf8_trim_whitespace(column)
    for value in column.to_pylist():  # the error path only: name the first bad value
        input_value(kind, value, key)
    raise RulesError("bad_input", name=key, value=column.type, detail=INPUT_FORMS)  # pragma: no cover


@dataclass(frozen=True, eq=False)
class RunSpec:
    """One run's description: policies, year, as-of date, what-ifs and confirmed inputs.

    Build it with :meth:`of`; constructing it directly (with resolved policies) checks the same.
    """

    policies: tuple[Policy, ...]
    year: int
    as_of: date
    #: what-ifs: ``("<policy id>.<parameter>", YAML text)``, sorted
    overrides: tuple[tuple[str, str], ...] = ()
    #: inputs confirmed for every enterprise: ``(name or "<policy id>.<name>", value)``, sorted
    inputs: tuple[tuple[str, Any], ...] = ()
    #: policy id → every parameter's value on ``as_of``, what-ifs applied (parsed once)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        policies: Iterable[Policy | str],
        *,
        year: int,
        as_of: date,
        overrides: Mapping[str, str] | None = None,
        inputs: Mapping[str, Any] | None = None,
        library: Library | None = None,
    ) -> RunSpec:
        """The spec of a run. ``policies`` are ids (``tianjin.chuying.2021``), family names
        (``tianjin.chuying``: the policy in force on ``as_of``) or :class:`Policy` objects;
        ``overrides`` maps ``<policy id>.<parameter>`` to a YAML value (a what-if); ``inputs``
        maps an input's ``name`` or ``<policy id>.<name>`` to its value for every enterprise.

        Raises :class:`RulesError` for an unknown policy, parameter or input, a policy not in
        force, a parameter without a value on ``as_of``, and a bad what-if or input value."""
        return cls(
            resolve_policies(policies, year, as_of, library),
            year,
            as_of,
            tuple(sorted((str(k), str(v)) for k, v in (overrides or {}).items())),
            tuple(sorted((inputs or {}).items())),
        )

    def __post_init__(self) -> None:
        by_policy: dict[str, dict[str, Any]] = {p.id: {} for p in self.policies}
        for key, text in self.overrides:
            pid, _, pname = key.rpartition(".")
            if pid not in by_policy:
                allowed = [f"{p.id}.{n}" for p in self.policies for n in p.parameters]
                raise RulesError("unknown_override", name=key, allowed=names(allowed))
            policy = next(p for p in self.policies if p.id == pid)
            if pname not in policy.parameters:
                allowed = [f"{pid}.{n}" for n in policy.parameters]
                raise RulesError("unknown_override", name=key, allowed=names(allowed))
            by_policy[pid][pname] = parse_override(policy.parameters[pname], text, key)
        params = {p.id: p.parameter_values(self.as_of, by_policy[p.id]) for p in self.policies}
        object.__setattr__(self, "params", params)
        for key, value in self.inputs:
            for policy, name in self.input_targets(key):
                input_value(policy.inputs[name].kind, value, key)

    # -- identity

    @property
    def key(self) -> Hashable:
        """What makes two runs the same: the policies by identity, year, date, what-ifs, inputs."""
        return (tuple(id(p) for p in self.policies), self.year, self.as_of, self.overrides, self.inputs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunSpec) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    # -- reading it

    @property
    def policy_ids(self) -> list[str]:
        return [p.id for p in self.policies]

    def overrides_dict(self) -> dict[str, str]:
        """The what-ifs as a run stores them: ``{"<policy id>.<parameter>": YAML text}``."""
        return dict(self.overrides)

    def overrides_of(self, policy: Policy) -> dict[str, str]:
        """One policy's what-ifs: ``{parameter: YAML text}``."""
        return {k.rpartition(".")[2]: v for k, v in self.overrides if k.rpartition(".")[0] == policy.id}

    def inputs_dict(self) -> dict[str, Any]:
        """The confirmed inputs as a run stores them."""
        return dict(self.inputs)

    def input_targets(self, key: str) -> list[tuple[Policy, str]]:
        """The (policy, input name) pairs an input key sets: ``<policy id>.<name>`` one, a bare
        ``name`` every policy of the run declaring it. Raises ``unknown_input`` for none."""
        hits = [(p, n) for p in self.policies for n in p.inputs if key == n or key == f"{p.id}.{n}"]
        if not hits:
            allowed = [f"{p.id}.{n}" for p in self.policies for n in p.inputs]
            raise RulesError("unknown_input", name=key, allowed=names(allowed) or "（无）")
        return hits

    def checked_inputs_table(self, table: pa.Table) -> pa.Table:
        """A per-enterprise inputs table (``uscc`` and one column per input) with every value
        checked as :func:`input_value` checks a single one, whole columns at once: a yes/no
        column of text ``true``/``false`` (any case) becomes booleans; a number column holds
        numbers or their text. Any other value is ``bad_input`` naming the column and the value
        (the engines would otherwise cast ``yes`` or ``1`` silently)."""
        for i, key in enumerate(table.column_names):
            if key == "uscc":
                continue
            kinds = {policy.inputs[name].kind for policy, name in self.input_targets(key)}
            column = table.column(i)
            for kind in sorted(kinds):
                column = _checked_column(kind, column, key)
            table = table.set_column(i, key, column)
        return table

    def confirmable_inputs(self) -> list[ConfirmableInput]:
        """The yes/no inputs an officer may confirm for this run (see
        :meth:`Policy.confirmable_inputs <lingjun.rules.policy.Policy.confirmable_inputs>`)."""
        return [c for p in self.policies for c in p.confirmable_inputs()]


__all__ = ["RunSpec", "input_value", "resolve_policies"]

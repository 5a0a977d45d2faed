"""Support measures as policy data (扶持措施): who may receive which reward, and how much.

A measures file (``lingjun/policies/<document>/<name>.measures.yaml``) is read by the same strict
loader as the criteria (unknown keys, bad dates, unknown fields or functions, provisional values
without a reason are errors naming file, line and key) and has the same dated parameters and
inputs. Each measure says::

    - id: chuying_loan_reward            # stable id
      label: 雏鹰企业贷款奖励
      article: 三（二）7                  # + optional document, source, effective, verified, provisional_reason
      source: city                       # the paying budget: city (市) | district (区)
      tiers: chuying                     # an expression over tier codes (and / or / not): the
                                         # enterprise's outcome in the tier policies of the same run
      conditions:                        # optional: criteria over facts and events (inputs), as in
        - {id, label, test, article?}    # a policy file (all must pass)
      amount: param.loan_reward          # a numeric expression (facts, inputs, parameters)
      unit: 万元                          # 万元 (default) | 元
      cap: param.reward_cap              # optional: at most this much (same unit)
      matching_percent: param.match_pct  # optional: the amount is this % of ``amount`` (a city reward)
      once: per_firm                     # per_firm | first_time | per_year (the payment's once-key)

Evaluation is whole-pool and single-query: every measure becomes a small policy of its own
(criteria = its conditions, one metric = its amount) evaluated by :func:`lingjun.rules.evaluate`
together with the tier policies it names; the tier expressions, caps and matching percentages are
then applied to the engine's Arrow result in one DuckDB statement, in integer fen (分): amounts are
exact decimals end to end, never floats. Eligibility is three-valued like criteria: ``True``,
``False`` or ``None`` (unknown: data missing).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa

from lingjun.rules import expr as E
from lingjun.rules.errors import PolicyError, names
from lingjun.rules.expr_parse import Scope, Where, parse
from lingjun.rules.loader import (
    _cite,
    _effective,
    _inputs,
    _items,
    _label_params,
    _new_id,
    _parameters,
    _Reader,
    _replace_cite,
    default_path,
)
from lingjun.rules.outcome import UNKNOWN, WORDS
from lingjun.rules.policy import Cited, Criterion, Metric, Parameter, Policy, render_label
from lingjun.rules.yamlio import YMap, load_yaml

#: tier code → the policy family whose outcome decides it (see prompts' shared vocabulary)
TIER_FAMILIES: dict[str, str] = {
    "chuying": "tianjin.chuying",
    "dengling": "tianjin.dengling",
    "lingjun_peiyu": "tianjin.lingjun_peiyu",
    "lingjun": "tianjin.lingjun",
    "hnte": "national.hnte",
    "tech_sme": "national.tech_sme",
}
SOURCES = {"city": "市", "district": "区"}
TIER_LABELS = {
    "chuying": "雏鹰企业",
    "dengling": "瞪羚企业",
    "lingjun_peiyu": "科技领军培育企业",
    "lingjun": "科技领军企业",
    "hnte": "高新技术企业",
    "tech_sme": "科技型中小企业",
}
#: tiers from the highest down (a firm's tier in reports is the highest it passes)
TIER_RANK = ("lingjun", "lingjun_peiyu", "dengling", "chuying", "hnte", "tech_sme")
ONCE = {"per_firm": "每家企业限一次", "first_time": "仅限首次", "per_year": "每年度一次"}
UNITS = {"万元": 10_000, "元": 1}
SUFFIX = ".measures.yaml"

_HEAD_KEYS = ("id", "label", "document", "title", "source", "effective", "verified")
_HEAD_OPTIONAL = ("issuer", "provisional_reason", "notes")
_MEASURE_KEYS = ("id", "label", "article", "source", "amount", "once")
_MEASURE_OPTIONAL = (
    "tiers",
    "conditions",
    "unit",
    "cap",
    "matching_percent",
    "note",
    "document",
    "effective",
    "verified",
    "provisional_reason",
)


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    source: str  # "city" | "district"
    once: str  # per_firm | first_time | per_year
    tiers: ast.expr | None  # parsed tier expression (Name / BoolOp / UnaryOp Not)
    tiers_text: str
    amount_text: str
    unit: str
    cap: str | None  # parameter name
    matching_percent: str | None  # parameter name
    cite: Cited
    #: the measure as a policy of its own: criteria = conditions, metric ``amount``
    policy: Policy
    note: str = ""

    @property
    def verified(self) -> bool:
        return (
            self.cite.verified
            and self.policy.metrics[0].cite.verified
            and all(c.verified for c in self.policy.criteria)
        )

    @property
    def provisional_reason(self) -> str:
        if self.cite.provisional_reason and not self.cite.verified:
            return self.cite.provisional_reason
        for cite in (self.policy.metrics[0].cite, *(c.cite for c in self.policy.criteria)):
            if not cite.verified:
                return cite.provisional_reason
        return ""

    @property
    def tier_codes(self) -> set[str]:
        if self.tiers is None:
            return set()
        return {n.id for n in ast.walk(self.tiers) if isinstance(n, ast.Name)}

    @property
    def key(self) -> str:
        """The once-key's measure part: ``<document id>.<measure id>``."""
        return self.policy.id


@dataclass(frozen=True)
class MeasureSet:
    """The measures of one document (a district's or city's support programme)."""

    id: str
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
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def in_force_on(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def provisional_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters.values() if not p.verified]


# --- the loader -------------------------------------------------------------------------------


def _tier_expr(r: _Reader, m: YMap) -> tuple[ast.expr | None, str]:
    node = r.scalar(m, "tiers")
    if node is None or node.value is None:
        return None, ""
    text = node.text
    key = f"measures.{r.text(m, 'id')}.tiers"
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise r.err("expr_syntax", node.line, key=key, detail=exc.msg) from None
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            if n.id not in TIER_FAMILIES:
                raise r.err(
                    "unknown_reference",
                    node.line,
                    key=key,
                    kind="层级",
                    name=n.id,
                    allowed=names(TIER_FAMILIES),
                )
        elif not isinstance(n, ast.BoolOp | ast.And | ast.Or | ast.UnaryOp | ast.Not | ast.Load):
            raise r.err("unsupported_syntax", node.line, key=key, node=type(n).__name__)
        elif isinstance(n, ast.UnaryOp) and not isinstance(n.op, ast.Not):
            raise r.err("unsupported_syntax", node.line, key=key, node=type(n.op).__name__)
    return tree, text


def _choice(r: _Reader, m: YMap, key: str, allowed: Mapping[str, Any], default: str | None = None) -> str:
    value = r.text(m, key, default or "")
    if value not in allowed:
        raise r.err(
            "bad_value", m.key_lines.get(key, m.line), key=key, value=value, detail=f"可选：{names(allowed)}"
        )
    return value


def _param_name(r: _Reader, m: YMap, key: str, params: Mapping[str, Parameter]) -> str | None:
    if key not in m.items:
        return None
    text = r.text(m, key).removeprefix("param.")
    if params.get(text) is None or params[text].kind != "num":
        raise r.err(
            "unknown_reference",
            m.key_lines[key],
            key=key,
            kind="数值参数",
            name=text,
            allowed=names(p for p, v in params.items() if v.kind == "num") or "（无）",
        )
    return text


def load_measures_text(text: str, file: str) -> MeasureSet:
    """Read one measures file's text (``file`` names it in errors)."""
    r = _Reader(file)
    root = r.mapping(
        load_yaml(text, file), "文件", ("measures_document", "measures"), ("parameters", "inputs")
    )
    head = r.mapping(root.items["measures_document"], "measures_document", _HEAD_KEYS, _HEAD_OPTIONAL)
    eff_from, eff_until = _effective(r, head.items["effective"])
    verified = r.boolean(head, "verified", True)
    reason = r.text(head, "provisional_reason")
    if not verified and not reason:
        raise r.err("provisional_without_reason", head.line, key="measures_document")
    base = Cited(r.text(head, "document"), "", r.text(head, "source"), eff_from, eff_until, verified, reason)
    doc_id = r.ident(head, "id")
    scope = Scope()
    params = _parameters(r, root.items.get("parameters"), scope, base.document)
    inputs = _inputs(r, root.items.get("inputs"), scope, base.document)
    unverified = {p.name: p.provisional_reason for p in params.values() if not p.verified}
    measures: list[Measure] = []
    seen: dict[str, str] = {}
    for m, _ in _items(r, root.items["measures"], "measures", _MEASURE_KEYS, _MEASURE_OPTIONAL):
        mid = _new_id(r, m, seen)
        seen[mid] = "measure"
        cite = _cite(r, m, base, None, unverified)
        source = _choice(r, m, "source", SOURCES)
        once = _choice(r, m, "once", ONCE)
        unit = _choice(r, m, "unit", UNITS, "万元")
        tiers, tiers_text = _tier_expr(r, m)
        cap = _param_name(r, m, "cap", params)
        pct = _param_name(r, m, "matching_percent", params)
        for p in (cap, pct):
            if p is not None and p in unverified and cite.verified:
                cite = _replace_cite(cite, False, unverified[p])
        local = Scope(
            params=dict(scope.params), scale_outputs=dict(scope.scale_outputs), inputs=dict(scope.inputs)
        )
        amount_text = r.text(m, "amount")
        where = Where(file, m.items["amount"].line, f"measures.{mid}.amount")
        amount_node, kind = parse(amount_text, local, where)
        if kind != "num":
            raise where.error("type_mismatch", detail="金额（amount）应为数值")
        amount_cite = _cite(r, m, base, amount_node, unverified)
        criteria: list[Criterion] = []
        for c, _ in _items(
            r,
            m.items.get("conditions"),
            f"measures.{mid}.conditions",
            ("id", "label", "test"),
            ("article", "note", "measure", "unit", "verified", "provisional_reason"),
        ):
            cid = _new_id(r, c, local.criteria)
            ctext = r.text(c, "test")
            cwhere = Where(file, c.items["test"].line, f"measures.{mid}.conditions.{cid}.test")
            node, ckind = parse(ctext, local, cwhere)
            if ckind != "bool":
                raise cwhere.error("type_mismatch", detail="条件（test）应为真/假判断，如 x >= param.y")
            ccite = _cite(r, c, base, node, unverified)
            if not c.items.get("article"):
                ccite = Cited(
                    ccite.document,
                    cite.article,
                    ccite.source,
                    ccite.effective_from,
                    ccite.effective_until,
                    ccite.verified,
                    ccite.provisional_reason,
                )
            local.criteria[cid] = "bool"
            template = r.text(c, "label")
            label_params = _label_params(
                r, template, c.key_lines["label"], f"measures.{mid}.conditions.{cid}.label", params
            )
            criteria.append(
                Criterion(
                    id=cid,
                    label=render_label(
                        template, {n: (k, u, params[n].values[-1][1]) for n, k, u in label_params}
                    ),
                    label_template=template,
                    label_params=label_params,
                    test=node,
                    text=ctext,
                    cite=ccite,
                    measure=r.text(c, "measure"),
                    unit=r.text(c, "unit"),
                    note=r.text(c, "note"),
                    line=c.line,
                )
            )
        used_inputs = {n.name for c in criteria for n in E.walk(c.test) if isinstance(n, E.InputRef)}
        used_inputs |= {n.name for n in E.walk(amount_node) if isinstance(n, E.InputRef)}
        policy = Policy(
            id=f"{doc_id}.{mid}",
            family=f"{doc_id}.{mid}",
            label=r.text(m, "label"),
            document=cite.document,
            title=r.text(head, "title"),
            issuer=r.text(head, "issuer"),
            source=cite.source,
            effective_from=cite.effective_from,
            effective_until=cite.effective_until,
            verified=cite.verified,
            provisional_reason=cite.provisional_reason,
            notes=r.text(m, "note"),
            file=file,
            parameters=params,
            inputs={k: v for k, v in inputs.items() if k in used_inputs},
            metrics=(Metric("amount", "金额", amount_node, "num", unit, amount_cite),),
            indicators=(),
            bands=(),
            criteria=tuple(criteria),
        )
        measures.append(
            Measure(
                id=mid,
                label=r.text(m, "label"),
                source=source,
                once=once,
                tiers=tiers,
                tiers_text=tiers_text,
                amount_text=amount_text,
                unit=unit,
                cap=cap,
                matching_percent=pct,
                cite=cite,
                policy=policy,
                note=r.text(m, "note"),
            )
        )
    if not measures:
        raise r.err("missing_key", root.items["measures"].line, where="measures", key="id")
    return MeasureSet(
        id=doc_id,
        label=r.text(head, "label"),
        document=base.document,
        title=r.text(head, "title"),
        issuer=r.text(head, "issuer"),
        source=base.source,
        effective_from=eff_from,
        effective_until=eff_until,
        verified=verified,
        provisional_reason=reason,
        notes=r.text(head, "notes"),
        file=file,
        parameters=params,
        measures=tuple(measures),
    )


def load_measures(path: str | Path | None = None) -> dict[str, MeasureSet]:
    """Every ``*.measures.yaml`` under ``path`` (default: the packaged policies), by document id."""
    root = Path(path) if path is not None else default_path()
    out: dict[str, MeasureSet] = {}
    for file in sorted(root.rglob(f"*{SUFFIX}")):
        name = str(file.relative_to(root.parent)) if path is None else str(file)
        ms = load_measures_text(file.read_text(encoding="utf-8"), name)
        if ms.id in out:
            raise PolicyError("duplicate_id", file=name, line=1, key=ms.id)
        out[ms.id] = ms
    return out


_MEASURES: dict[str, MeasureSet] | None = None


def default_measures() -> MeasureSet:
    """The packaged district programme's measures (loaded once per process)."""
    global _MEASURES
    if _MEASURES is None:
        _MEASURES = load_measures()
    return _MEASURES["wuqing.funds.2019"]


# --- evaluation -------------------------------------------------------------------------------


def _sql_tiers(node: ast.expr, cols: Mapping[str, str]) -> str:
    if isinstance(node, ast.Name):
        return f'"{cols[node.id]}"'
    if isinstance(node, ast.UnaryOp):
        return f"(NOT {_sql_tiers(node.operand, cols)})"
    assert isinstance(node, ast.BoolOp)
    op = " AND " if isinstance(node.op, ast.And) else " OR "
    return "(" + op.join(_sql_tiers(v, cols) for v in node.values) + ")"


def _fen_sql(col_n: str, col_d: str | None, factor: Fraction) -> str:
    """SQL of ``n / d · factor`` in whole fen, rounded half up, exact (HUGEINT arithmetic)."""
    num, den = factor.numerator, factor.denominator
    top = f'CAST("{col_n}" AS HUGEINT) * {num}'
    bottom = f'CAST("{col_d}" AS HUGEINT) * {den}' if col_d else f"CAST({den} AS HUGEINT)"
    # half up for both signs: sign · ((2|top| + bottom) // (2 bottom)), bottom > 0
    if col_d:
        return (
            f'CASE WHEN "{col_d}" = 0 THEN NULL WHEN "{col_d}" < 0 THEN '
            f"sign(-{top}) * ((2 * abs({top}) + abs({bottom})) // (2 * abs({bottom}))) "
            f"ELSE sign({top}) * ((2 * abs({top}) + {bottom}) // (2 * {bottom})) END"
        )
    return f"sign({top}) * ((2 * abs({top}) + {bottom}) // (2 * {bottom}))"


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class MeasureEvaluation:
    """The result of evaluating measures for a pool: ``table`` has one row per enterprise and
    measure that is not surely ineligible: ``uscc``, ``measure``, ``eligible`` (bool, null =
    unknown), ``amount_fen`` (int64, null = not yet known), ``verified`` (bool), ``tier`` (the highest
    tier the enterprise passes in the run, or '')."""

    measures: MeasureSet
    evaluation: Any  # lingjun.rules.result.Evaluation
    table: pa.Table
    year: int
    as_of: date
    plans: dict[str, Any] = field(default_factory=dict)  # measure id → PolicyPlan

    def eligible(self) -> pa.Table:
        """The rows the engine finds eligible (the 免申即享 proposals)."""
        import pyarrow.compute as pc

        return self.table.filter(pc.fill_null(self.table["eligible"], False))

    def eligible_pairs(self) -> set[tuple[str, str]]:
        t = self.eligible()
        return set(zip(t["uscc"].to_pylist(), t["measure"].to_pylist(), strict=True))

    def explain(self, uscc: str) -> list[dict[str, Any]]:
        """Per measure, for one enterprise: eligibility, amount, the conditions with their Chinese
        explanations and what is missing (what the enterprise should supply)."""
        import pyarrow.compute as pc

        from lingjun.rules.records import build_records

        ev = self.evaluation
        row = ev.table.filter(pc.equal(ev.table["uscc"], uscc))
        if row.num_rows == 0:
            return []
        records = {r["policy"]: r for r in build_records(row.to_pylist(), ev.query, ev.year, ev.as_of)}
        mine = self.table.filter(pc.equal(self.table["uscc"], uscc)).to_pylist()
        by_measure = {r["measure"]: r for r in mine}
        out = []
        for m in self.measures.measures:
            rec = records.get(m.policy.id, {})
            tiers = {
                code: records.get(pid, {}).get("result") for code, pid in self._tier_policy_ids().items()
            }
            r = by_measure.get(m.id)
            out.append(
                {
                    "measure": m.id,
                    "label": m.label,
                    "eligible": _and3(
                        _tiers3(m.tiers, tiers) if m.tiers is not None else True,
                        _V3.get(rec.get("result")),
                    ),
                    "amount": None if not r or r["amount_fen"] is None else Decimal(r["amount_fen"]) / 100,
                    "verified": m.verified,
                    "provisional_reason": m.provisional_reason,
                    "tiers": m.tiers_text,
                    "tier_results": {c: tiers.get(c) for c in sorted(m.tier_codes)},
                    "conditions": rec.get("criteria", []),
                    "missing": rec.get("missing", []),
                    "missing_labels": [self._missing_label(m, name) for name in rec.get("missing", [])],
                    "explanation": _explanation(m, rec, {c: tiers.get(c) for c in m.tier_codes}),
                }
            )
        return out

    @staticmethod
    def _missing_label(m: Measure, name: str) -> str:
        from lingjun.rules.explain import missing_label

        if name.startswith("input.") and name[6:] in m.policy.inputs:
            return m.policy.inputs[name[6:]].label
        return missing_label(name)

    def _tier_policy_ids(self) -> dict[str, str]:
        out = {}
        for plan in self.evaluation.plans:
            for code, fam in TIER_FAMILIES.items():
                if plan.policy.family == fam:
                    out[code] = plan.policy.id
        return out


_V3: dict[Any, bool | None] = {"pass": True, "fail": False, "unknown": None}


def _and3(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _tiers3(node: ast.expr, words: Mapping[str, str | None]) -> bool | None:
    """A tier expression over the tier policies' result words, three-valued (Kleene)."""
    if isinstance(node, ast.Name):
        return _V3.get(words.get(node.id))
    if isinstance(node, ast.UnaryOp):
        x = _tiers3(node.operand, words)
        return None if x is None else not x
    assert isinstance(node, ast.BoolOp)
    vals = [_tiers3(v, words) for v in node.values]
    if isinstance(node.op, ast.And):
        return False if False in vals else (None if None in vals else True)
    return True if True in vals else (None if None in vals else False)


_WORD = {"pass": "符合", "fail": "不符合", "unknown": WORDS[UNKNOWN], None: "未评价"}


def tier_text(node: ast.expr) -> str:
    """A tier expression in Chinese: ``dengling or lingjun`` → ``瞪羚企业或科技领军企业``."""
    if isinstance(node, ast.Name):
        return TIER_LABELS[node.id]
    if isinstance(node, ast.UnaryOp):
        return "非" + tier_text(node.operand)
    assert isinstance(node, ast.BoolOp)
    joiner = "且" if isinstance(node.op, ast.And) else "或"
    return joiner.join(tier_text(v) for v in node.values)


def _explanation(m: Measure, rec: Mapping[str, Any], tiers: Mapping[str, str | None]) -> str:
    parts = []
    if m.tiers is not None:
        parts.append(
            "层级（"
            + tier_text(m.tiers)
            + "）："
            + "，".join(f"{TIER_LABELS[c]}{_WORD[v]}" for c, v in sorted(tiers.items()))
        )
    for c in rec.get("criteria", []):
        parts.append(
            f"{c['label']}：{_WORD.get(c['result'], c['result'])}"
            + (f"（{c['explanation']}）" if c.get("explanation") else "")
        )
    if not m.verified:
        parts.append(f"【暂定，未核实：{m.provisional_reason}】")
    return "；".join(parts)


def measure_policies(
    measures: MeasureSet, year: int, as_of: date, only: Sequence[str] | None = None
) -> list[Any]:
    """The policies of a measures run: the tier families the measures name, then one per measure."""
    chosen = [m for m in measures.measures if only is None or m.id in only]
    tiers = sorted({c for m in chosen for c in m.tier_codes})
    return [*(TIER_FAMILIES[c] for c in tiers), *(m.policy for m in chosen)]


def evaluate_measures(
    *,
    tables: Mapping[str, Any] | None = None,
    dossiers: Sequence[Mapping[str, Any]] | None = None,
    measures: MeasureSet | None = None,
    year: int,
    as_of: date,
    inputs_table: Any = None,
    only: Sequence[str] | None = None,
    keep_unknown: bool = True,
) -> MeasureEvaluation:
    """Eligibility and amounts of every measure for a whole pool, three-valued, in fen.

    Give ``tables`` (Ibis tables of the table form, as for :func:`lingjun.rules.evaluate`) or
    ``dossiers``; ``inputs_table`` gives per-enterprise events (``uscc`` and a column per input,
    ``<document id>.<measure id>.<input>`` or the bare input name). ``keep_unknown=False`` keeps
    only the eligible rows (what proposals need: a measure that reads an input nobody gave is
    unknown for the whole pool)."""
    from lingjun.rules.evaluation import evaluate
    from lingjun.rules.run import evaluate_dossiers
    from lingjun.rules.spec import RunSpec

    ms = measures or default_measures()
    spec = RunSpec.of(measure_policies(ms, year, as_of, only), year=year, as_of=as_of)
    if tables is not None:
        ev = evaluate(tables=tables, spec=spec, inputs_table=inputs_table)
    else:
        ev = evaluate_dossiers(list(dossiers or []), spec=spec, inputs_table=inputs_table)
    return combine(ev, ms, year=year, as_of=as_of, only=only, keep_unknown=keep_unknown)


def combine(
    ev: Any,
    ms: MeasureSet,
    *,
    year: int,
    as_of: date,
    only: Sequence[str] | None = None,
    keep_unknown: bool = True,
) -> MeasureEvaluation:
    """Apply tiers, caps and matching to a run's result: one DuckDB statement over its Arrow table
    (rows of eligible — and, with ``keep_unknown``, unknown — enterprise × measure pairs)."""
    import duckdb

    plans = {p.policy.id: p for p in ev.plans}
    tier_cols = {}
    for code, fam in TIER_FAMILIES.items():
        for p in ev.plans:
            if p.policy.family == fam:
                tier_cols[code] = p.result_column
    # the highest tier the enterprise passes in this run ('' when none): for reports by tier
    ranked = [c for c in TIER_RANK if c in tier_cols]
    tier_sql = (
        "CASE " + " ".join(f"WHEN \"{tier_cols[c]}\" THEN '{c}'" for c in ranked) + " ELSE '' END"
        if ranked
        else "''"
    )
    # one scan of the run's table computes every measure's eligibility and keeps the rows where
    # any is eligible (or unknown); the per-measure branches then read that small table only
    eligs: list[str] = []
    kept: list[int] = []
    needed = {"uscc", *tier_cols.values()}
    selects = []
    for i, m in enumerate(ms.measures):
        if only is not None and m.id not in only:
            continue
        plan = plans[m.policy.id]
        params = plan.params
        spec = plan.metrics["amount"]
        needed.update(spec.columns)
        k = Fraction(spec.k)
        factor = Fraction(UNITS[m.unit] * 100) / k
        if m.matching_percent:
            factor *= Fraction(params[m.matching_percent]) / 100
        d_col = spec.columns[1] if len(spec.columns) > 1 else None
        fen = _fen_sql(spec.columns[0], d_col, factor)
        # clamped once per row (least/greatest skip NULLs in DuckDB: an unknown amount stays unknown)
        clamp = "CASE WHEN f < 0 THEN 0 ELSE f END"
        if m.cap:
            cap_fen = to_fen(Decimal(params[m.cap]) * UNITS[m.unit])
            clamp = f"CASE WHEN f > {cap_fen} THEN {cap_fen} WHEN f < 0 THEN 0 ELSE f END"
        elig = f'"{plan.result_column}"'
        if m.tiers is not None:
            elig = f"({_sql_tiers(m.tiers, tier_cols)} AND {elig})"
        eligs.append(f"{elig} AS e{i}")
        kept.append(i)
        keep = f"e{i} IS NOT FALSE" if keep_unknown else f"e{i}"
        selects.append(
            f"SELECT uscc, '{m.id}' AS measure, eligible, CAST({clamp} AS BIGINT) AS amount_fen, "
            f"{'TRUE' if m.verified else 'FALSE'} AS verified, tier FROM ("
            f"SELECT uscc, e{i} AS eligible, {fen} AS f, {tier_sql} AS tier FROM sub WHERE {keep})"
        )
    any_kept = " OR ".join(f"(e{i} IS NOT FALSE)" if keep_unknown else f"e{i}" for i in kept)
    cols = ", ".join(f'"{c}"' for c in sorted(needed))
    sql = (
        f"WITH pre AS (SELECT {cols}, {', '.join(eligs)} FROM ev_table), "
        f"sub AS MATERIALIZED (SELECT * FROM pre WHERE {any_kept or 'FALSE'}) " + " UNION ALL ".join(selects)
    )
    con = duckdb.connect()
    try:
        con.register("ev_table", ev.table)
        table = con.execute(sql).fetch_arrow_table()
    finally:
        con.close()
    return MeasureEvaluation(
        ms, ev, table, year, as_of, {m.id: plans[m.policy.id] for m in ms.measures if m.policy.id in plans}
    )


__all__ = [
    "Measure",
    "MeasureEvaluation",
    "MeasureSet",
    "TIER_FAMILIES",
    "combine",
    "default_measures",
    "evaluate_measures",
    "load_measures",
    "load_measures_text",
    "to_fen",
]

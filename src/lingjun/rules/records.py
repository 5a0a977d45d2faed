"""Per-enterprise result records (the JSON shape of the CLI and the web app).

::

    {"uscc", "policy", "policy_label", "year", "as_of", "result", "verified",
     "score", "indicators", "metrics", "bands", "band_points",      # where the policy defines them
     "criteria": [{"id", "label", "result", "value", "threshold", "op", "unit", "mandatory",
                   "article", "document", "source", "verified", "explanation", "gap", "missing"}],
     "missing": [field names], "overrides": {parameter: value}}

Values are exact (from the engine's decimals) and rounded only for JSON (ratios to 6 decimals).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from lingjun.rules.explain import explain, gap_text
from lingjun.rules.outcome import FAIL, UNKNOWN, outcome_of

if TYPE_CHECKING:
    from lingjun.rules.plan import PolicyPlan, Query, ValueSpec

#: a three-valued result as its outcome code (:mod:`lingjun.rules.outcome`)
word = outcome_of


def exact_value(row: dict[str, Any], spec: ValueSpec | None) -> Any:
    """The exact value of a stored number (a Fraction), or the raw value; None when unknown."""
    if spec is None:
        return None
    vals = [row[c] for c in spec.columns]
    if spec.kind == "raw":
        return vals[0]
    if any(v is None for v in vals):
        return None
    if spec.kind == "root":
        x0, x1 = (Fraction(v) for v in vals)
        if x0 <= 0:
            return None
        return float(x1 / x0) ** (1.0 / spec.periods) - 1.0
    den = spec.k if len(vals) == 1 else Fraction(vals[1]) * spec.k
    if den == 0:
        return None
    return Fraction(vals[0]) / den


def band_letter(plan: PolicyPlan, band_id: str, value: Any) -> str | None:
    """A band's letter from its result column: the scale row (or, in a run stored before bands
    were rows, the letter itself)."""
    if value is None or isinstance(value, str):
        return value
    return plan.band_letters(band_id)[int(value)]


def jsonable(value: Any) -> Any:
    """Exact numbers for JSON: integers stay integers, the rest is rounded to 6 decimals."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        return float(round(Decimal(value.numerator) / Decimal(value.denominator), 6))
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _bits(mask_values: list[tuple[int | None, list[tuple[str, str]]]]) -> dict[str, str]:
    """fact column → missing-field name for every bit set."""
    out = {}
    for mask, chunk in mask_values:
        if mask:
            for bit, (col, name) in enumerate(chunk):
                if mask >> bit & 1:
                    out[col] = name
    return out


def build_records(
    rows: Iterable[dict[str, Any]], query: Query, year: int, as_of: date
) -> list[dict[str, Any]]:
    """Records from result rows (engine rows, or the reference evaluator's rows)."""
    masks = query.mask_columns
    out: list[dict[str, Any]] = []
    for row in rows:
        # .get: a run stored before a mask existed (the uncertain counts' words) has none set
        missing_cols = _bits([(row.get(name), chunk) for name, chunk in masks])
        for plan in query.plans:
            out.append(_record(plan, row, missing_cols, year, as_of))
    return out


def _record(
    plan: PolicyPlan, row: dict[str, Any], missing_cols: dict[str, str], year: int, as_of: date
) -> dict[str, Any]:
    policy = plan.policy
    result = word(row[plan.result_column])
    rec: dict[str, Any] = {
        "uscc": row["uscc"],
        "policy": policy.id,
        "policy_label": policy.label,
        "year": year,
        "as_of": as_of.isoformat(),
        "result": result,
        "verified": all(c.verified for c in policy.criteria),
    }
    if plan.score is not None:
        rec["score"] = jsonable(exact_value(row, plan.score))
        rec["indicators"] = {iid: jsonable(exact_value(row, spec)) for iid, spec in plan.indicators.items()}
    if plan.metrics:
        rec["metrics"] = {mid: jsonable(exact_value(row, spec)) for mid, spec in plan.metrics.items()}
    if plan.bands:
        rec["bands"] = {bid: band_letter(plan, bid, row[col]) for bid, col in plan.bands.items()}
        rec["band_points"] = {}
        for b in policy.bands:
            letter = rec["bands"][b.id]
            scale = plan.params[b.scale]
            bracket = next((x for x in scale.brackets if x.band == letter), None)
            rec["band_points"][b.id] = (
                [jsonable(p) for p in bracket.points] if bracket is not None and bracket.points else None
            )
    criteria = []
    overall_missing: list[str] = []
    for cp in plan.criteria:
        c = cp.criterion
        res = word(row[cp.column])
        value = exact_value(row, cp.value)
        threshold = cp.threshold if cp.threshold_spec is None else exact_value(row, cp.threshold_spec)
        missing = sorted({missing_cols[f] for f in cp.facts if f in missing_cols}) if res == UNKNOWN else []
        if c.mandatory:
            overall_missing += [m for m in missing if m not in overall_missing]
        cite = f"{c.cite.document} {c.cite.article}".strip()
        measure = c.measure
        label = plan.label(c)  # the run's thresholds, what-ifs included
        criteria.append(
            {
                "id": c.id,
                "label": label,
                "result": res,
                "value": jsonable(value),
                "threshold": jsonable(threshold),
                "op": cp.op or None,
                "unit": c.unit or None,
                "mandatory": c.mandatory,
                "article": c.cite.article,
                "document": c.cite.document,
                "source": c.cite.source,
                "verified": c.verified,
                "explanation": explain(
                    result=res,
                    label=label,
                    measure=measure,
                    op=cp.op,
                    value=value,
                    threshold=threshold,
                    unit=c.unit,
                    cite=cite,
                    missing=missing,
                    verified=c.verified,
                    reason=c.cite.provisional_reason,
                ),
                "gap": gap_text(measure, cp.op, value, threshold, c.unit) if res == FAIL and measure else "",
                "missing": missing,
            }
        )
    rec["criteria"] = criteria
    rec["missing"] = sorted(overall_missing) if result == UNKNOWN else []
    rec["overrides"] = dict(plan.overrides)
    return rec

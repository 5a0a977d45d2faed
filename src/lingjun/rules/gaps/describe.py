"""One enterprise's gap at one leaf: its kind, its Chinese text and the fixes that close it.

Called only for the enterprises someone reads (:meth:`~lingjun.rules.gaps.pool.PolicyGaps.gaps`),
from the arrays :mod:`~lingjun.rules.gaps.distances` computed for the whole pool. Missing data comes
first (``需补充 营业收入（2025年）``); a score names the indicator with the most room (the cheapest to
raise); a gap without exact fixes (``exact`` false) is listed honestly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa

from lingjun.rules import expr as E
from lingjun.rules.explain import missing_label
from lingjun.rules.facts import UNIT
from lingjun.rules.gaps.distances import LeafState
from lingjun.rules.gaps.fixes import Fix
from lingjun.rules.gaps.kinds import (
    _WHOLE_FIELDS,
    COMPANIONS,
    CONDITION,
    CONFIRM,
    COUNT,
    GROWTH,
    MISSING,
    RATIO,
    SCORE,
    SHORTFALL,
    UNQUANTIFIABLE,
    Gap,
)
from lingjun.rules.gaps.texts import (
    _CMP_WORDS,
    _FIELD_LABELS,
    _FIELD_UNITS,
    T_CONDITION,
    T_CONFIRM,
    T_COUNT,
    T_GROWTH,
    T_LOWER,
    T_MISSING,
    T_MISSING_VALUE,
    T_RAISE,
    T_RATIO,
    T_SCORE,
    T_UNQUANTIFIABLE,
    _amount,
    _dec,
    _fmt,
    _growth,
    _num,
    _ratio,
    _show_units,
    _show_value,
    _term_words,
    _threshold_units,
    count_row,
    count_words,
)
from lingjun.rules.plan import PolicyPlan
from lingjun.rules.policy import Policy


def missing_name(policy: Policy, name: str) -> str:
    """A missing fact's name; a policy input by its label (专家评分 …), not its code."""
    if name.startswith("input.") and name[6:] in policy.inputs:
        return policy.inputs[name[6:]].label
    return missing_label(name)


def gap_of(
    policy: Policy,
    plan: PolicyPlan,
    year: int,
    as_of: date,
    table: pa.Table,
    cid: str,
    st: LeafState,
    row: int,
    missing_cols: dict[str, str],
) -> Gap:
    """The gap of the enterprise in ``row`` at one leaf of criterion ``cid``: kind, text, fixes."""
    leaf = st.leaf
    crit = policy.criterion(cid)
    owner = leaf.owner
    label = owner.label_with(plan.params)  # the run's thresholds
    measure = leaf.plan.criterion.measure or owner.measure or label
    unit = leaf.plan.criterion.unit or owner.unit
    exact = bool(st.exact[row])
    dist = float(st.distance[row])
    fixes: tuple[Fix, ...] = ()
    y = year
    if st.unknown[row] and leaf.shape not in (CONFIRM,) and not (st.fails[row]):
        names = sorted({missing_cols[f] for f in leaf.plan.facts if f in missing_cols})
        miss = "、".join(missing_name(policy, m) for m in names) or "相关数据"
        if leaf.shape == SHORTFALL and exact and leaf.num is not None and st.needed is not None:
            need = int(st.needed[row])
            fixes = (Fix("annual_set", (leaf.num.field, leaf.num.years[0]), _amount(need)),)
            text = T_MISSING_VALUE.format(
                label=label,
                missing=miss,
                cmp=_CMP_WORDS.get(leaf.op, ""),
                threshold=_show_units(need, unit),
            )
        else:
            exact = False
            text = T_MISSING.format(label=label, missing=miss)
        return Gap(crit.id, label, MISSING, text, dist, fixes, exact)
    shape = leaf.shape
    if shape == CONDITION:
        fname, value = leaf.target
        what = label if leaf.cid == cid else f"{_FIELD_LABELS.get(fname, fname)}为「{_show_value(value)}」"
        fix = Fix("field", (fname,), value)
        return Gap(crit.id, label, CONDITION, T_CONDITION.format(label=what), 1.0, (fix,), exact)
    if shape == CONFIRM:
        name, value = leaf.target
        # what must be confirmed is what the criterion asks (``input.prohibited_sector == False``:
        # 产品和服务不属于…), not the input's own wording (属于…)
        fix = Fix("input", (policy.id, name), value)
        return Gap(crit.id, label, CONFIRM, T_CONFIRM.format(label=label), 1.0, (fix,), True)
    if shape == COUNT and st.have is not None and st.needed is not None and leaf.count is not None:
        have, need = int(st.have[row]), int(st.needed[row])
        row_ = count_row(leaf.count, y, as_of)
        text = T_COUNT.format(label=label, have=have, need=need - have, what=count_words(leaf.count))
        return Gap(
            crit.id,
            label,
            COUNT,
            text,
            dist,
            (Fix("rows", (leaf.count.table, row_), need - have),),
            exact,
        )
    if shape == SHORTFALL and st.have is not None and st.needed is not None and leaf.num is not None:
        have, need = int(st.have[row]), int(st.needed[row])
        words = {
            "measure": measure,
            "value": _show_units(have, unit),
            "cmp": _CMP_WORDS[leaf.op],
            "threshold": _show_units(_threshold_units(leaf), unit),
            "delta": _show_units(abs(need - have), _FIELD_UNITS.get(leaf.num.field, unit)),
        }
        text = (T_RAISE if leaf.op in (">=", ">") else T_LOWER).format(**words)
        fix = Fix("annual_set", (leaf.num.field, leaf.num.years[-1]), _amount(need))
        return Gap(crit.id, label, SHORTFALL, text, dist, (fix,), exact)
    if shape == RATIO and st.have is not None and st.needed is not None and leaf.num is not None:
        assert leaf.den is not None
        have, need = int(st.have[row]), int(st.needed[row])
        delta = max(need - have, 0)
        value = leaf.plan.value
        assert value is not None
        ratio = _ratio(table, value, row)
        limit = (
            leaf.plan.threshold
            if leaf.plan.threshold_spec is None
            else _ratio(table, leaf.plan.threshold_spec, row)
        )
        unit_n = _FIELD_UNITS.get(leaf.num.field, "")
        if leaf.num.field in _WHOLE_FIELDS:
            delta = -(-delta // UNIT) * UNIT
        text = T_RATIO.format(
            measure=measure,
            value=_fmt(ratio, unit),
            cmp=_CMP_WORDS[leaf.op],
            threshold=_fmt(limit, unit),
            den=_term_words(leaf.den),
            num=_FIELD_LABELS.get(leaf.num.field, leaf.num.field),
            delta=_show_units(int(delta), unit_n),
        )
        fixes = (Fix("annual_add", (leaf.num.field, leaf.num.years[-1]), _amount(int(delta))),)
        fixes += tuple(
            Fix("annual_add", (c, leaf.num.years[-1]), _amount(int(delta)))
            for c in COMPANIONS.get(leaf.num.field, ())
        )
        return Gap(crit.id, label, RATIO, text, dist, fixes, exact)
    if shape == GROWTH and st.have is not None and st.needed is not None and leaf.num is not None:
        have, need = int(st.have[row]), int(st.needed[row])
        value = leaf.plan.value
        assert value is not None
        rate = _growth(table, value, row)
        text = T_GROWTH.format(
            measure=measure,
            value=_fmt(rate, unit),
            cmp=_CMP_WORDS[leaf.op],
            threshold=_fmt(leaf.plan.threshold, unit),
            target=f"{leaf.num.years[0]}年{_FIELD_LABELS.get(leaf.num.field, leaf.num.field)}",
            needed=_show_units(need, "万元"),
            delta=_show_units(max(need - have, 0), "万元"),
        )
        fix = Fix("annual_add", (leaf.num.field, leaf.num.years[0]), _amount(max(need - have, 0)))
        return Gap(crit.id, label, GROWTH, text, dist, (fix,), exact)
    if shape == SCORE and "score" in st.extra:
        score = float(st.extra["score"][row])
        thr = Fraction(st.extra["threshold"])
        inds = st.extra["indicators"]
        room = []
        for ind in policy.indicators:
            cur = inds[ind.id][row]
            cur = 0.0 if np.isnan(cur) else float(cur)
            room.append((float(ind.max) - cur, ind, cur))
        room.sort(key=lambda r: -r[0])
        best_room, best, cur = room[0]
        missing_points = float(thr) - score
        text = T_SCORE.format(
            measure=measure,
            value=_num(score),
            cmp=_CMP_WORDS[leaf.op],
            threshold=_num(float(thr)),
            delta=f"{_num(missing_points)} 分"
            if leaf.op == ">="
            else f"{_num(missing_points)} 分以上（不含）",
            indicator=best.label,
            have=_num(cur),
            max=_num(float(best.max)),
        )
        fixes_l: list[Fix] = []
        if exact:  # raise the indicators with the most room until the gap closes
            left = Fraction(thr) - Fraction(score).limit_denominator(10000)
            for r, ind, c in room:
                if left < 0 or (left == 0 and leaf.op == ">="):
                    break
                assert isinstance(ind.points, E.InputRef)
                add = min(
                    Fraction(r).limit_denominator(10000), left + (Fraction(1, 2) if leaf.op == ">" else 0)
                )
                fixes_l.append(Fix("input", (policy.id, ind.points.name), Decimal(str(c)) + _dec(add)))
                left -= add
        return Gap(crit.id, label, SCORE, text, dist, tuple(fixes_l), exact)
    return Gap(crit.id, label, UNQUANTIFIABLE, T_UNQUANTIFIABLE.format(label=label), dist, (), False)

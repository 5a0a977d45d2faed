"""Distances to a policy and the next rung of the ladder (培育差距), for a whole pool at once.

For every enterprise and a target policy the engine says, per criterion that fails or cannot be
decided, what is missing *in the dossier's own terms*:

* a comparison ``metric op threshold`` of an amount: the shortfall (``上年营业收入 8 万元，需达到
  10 万元：需再增加 2 万元``);
* a ratio (``rd / revenue >= t``): the numerator needed at the current denominator (``研发投入强度
  2.1%，需 2.5%：按营业收入约需再增加研发费用 25 万元``);
* a compound growth rate: the last year's value it takes;
* a count: how many more rows of the list (``再需 1 项Ⅰ类知识产权``);
* missing data: which figures (``需补充 营业收入（2025年）``);
* a score: the points missing and the indicator with the most room (the cheapest to raise);
* an alternative (``any_of``, ``or``): the cheapest branch;
* anything else (an age, a date, a past misconduct) is said to be 不可量化.

How: every policy is *flattened* once — each comparison inside a composite criterion becomes a
criterion of its own (not mandatory), so the engine's single query computes, for every
comparison, its left side (exact ``n/d``), its operator and its right side, exactly as it decides
the criterion. The distances are then derived from those columns with vectorised NumPy, one array
operation per comparison for the whole pool (never a Python loop per enterprise); the Chinese texts
are made only for the enterprises someone reads (:meth:`PolicyGaps.gaps`).

Each gap carries its *fixes* (:class:`Fix`): the changes to the dossier (or the policy inputs) that
close it; :func:`apply_fixes` applies them, and the property test checks that closing exactly the
listed gaps makes the dossier pass. A gap without exact fixes (``exact`` false) is listed honestly.

Ladder (:data:`RUNGS`): 科技型中小企业 → 雏鹰 → 高新技术企业 → 瞪羚 → 科技领军培育 → 科技领军; an enterprise's
next rung is the lowest one above the highest it holds or passes.

The package, by topic (each module imports only the ones listed before it):

* :mod:`~lingjun.rules.gaps.fixes` — :class:`Fix` and :func:`apply_fixes`;
* :mod:`~lingjun.rules.gaps.kinds` — the rungs, the gap kinds and :class:`Gap`;
* :mod:`~lingjun.rules.gaps.flatten` — policies flattened into comparisons;
* :mod:`~lingjun.rules.gaps.leaves` — what kind of distance each comparison has;
* :mod:`~lingjun.rules.gaps.distances` — the distances per gap kind, vectorised over the pool;
* :mod:`~lingjun.rules.gaps.texts` — the Chinese wording and the amounts it shows;
* :mod:`~lingjun.rules.gaps.describe` — one enterprise's gap: kind, text, fixes;
* :mod:`~lingjun.rules.gaps.pool` — :class:`PolicyGaps`, one policy over the pool;
* :mod:`~lingjun.rules.gaps.ladder` — :class:`Ladder`, :func:`ladder_gaps`, :func:`policy_gaps`.
"""

from lingjun.rules.gaps.distances import LeafState
from lingjun.rules.gaps.fixes import Fix, apply_fixes
from lingjun.rules.gaps.flatten import Flat, Node, flatten
from lingjun.rules.gaps.kinds import (
    COMPANIONS,
    CONDITION,
    CONFIRM,
    COUNT,
    FAMILY_OF,
    GROWTH,
    KIND_WORDS,
    MISSING,
    QUALIFICATION_RUNGS,
    RATIO,
    RUNG_CODES,
    RUNG_NAMES,
    RUNGS,
    SCORE,
    SHORTFALL,
    UNQUANTIFIABLE,
    Gap,
)
from lingjun.rules.gaps.ladder import (
    Candidate,
    Ladder,
    certificates_held,
    held_matrix,
    ladder_gaps,
    ladder_policies,
    ladder_spec,
    policy_gaps,
)
from lingjun.rules.gaps.leaves import Leaf, Term
from lingjun.rules.gaps.pool import PolicyGaps
from lingjun.rules.gaps.texts import (
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
    count_row,
    count_words,
)

__all__ = [
    "RUNGS",
    "RUNG_CODES",
    "RUNG_NAMES",
    "Candidate",
    "Fix",
    "Gap",
    "Ladder",
    "PolicyGaps",
    "apply_fixes",
    "count_row",
    "flatten",
    "held_matrix",
    "ladder_gaps",
    "policy_gaps",
    # also re-exported (used by the cultivation app and the tests, or named in docs)
    "COMPANIONS",
    "CONDITION",
    "CONFIRM",
    "COUNT",
    "FAMILY_OF",
    "GROWTH",
    "KIND_WORDS",
    "MISSING",
    "QUALIFICATION_RUNGS",
    "RATIO",
    "SCORE",
    "SHORTFALL",
    "T_CONDITION",
    "T_CONFIRM",
    "T_COUNT",
    "T_GROWTH",
    "T_LOWER",
    "T_MISSING",
    "T_MISSING_VALUE",
    "T_RAISE",
    "T_RATIO",
    "T_SCORE",
    "T_UNQUANTIFIABLE",
    "UNQUANTIFIABLE",
    "Flat",
    "Leaf",
    "LeafState",
    "Node",
    "Term",
    "certificates_held",
    "count_words",
    "ladder_policies",
    "ladder_spec",
]

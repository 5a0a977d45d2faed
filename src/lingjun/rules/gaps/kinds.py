"""The ladder's rungs, the kinds of gap and the :class:`Gap` record.

Ladder (:data:`RUNGS`): 科技型中小企业 → 雏鹰 → 高新技术企业 → 瞪羚 → 科技领军培育 → 科技领军; an enterprise's
next rung is the lowest one above the highest it holds or passes. Every gap has one kind (a
shortfall, a ratio, a growth rate, a count, missing data, a score, a condition, a confirmation, or
不可量化) named in Chinese by :data:`KIND_WORDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lingjun.rules.gaps.fixes import Fix

#: the ladder, lowest first: (policy family, tier code, Chinese name)
RUNGS: tuple[tuple[str, str, str], ...] = (
    ("national.tech_sme", "tech_sme", "科技型中小企业"),
    ("tianjin.chuying", "chuying", "雏鹰企业"),
    ("national.hnte", "hnte", "高新技术企业"),
    ("tianjin.dengling", "dengling", "瞪羚企业"),
    ("tianjin.lingjun_peiyu", "lingjun_peiyu", "科技领军培育企业"),
    ("tianjin.lingjun", "lingjun", "科技领军企业"),
)
RUNG_CODES = tuple(code for _, code, _ in RUNGS)
RUNG_NAMES = {code: name for _, code, name in RUNGS}
FAMILY_OF = {code: family for family, code, _ in RUNGS}
#: dossier qualifications that mean a rung is held
QUALIFICATION_RUNGS = {"tech_sme": "tech_sme", "hnte": "hnte"}

# --- gap kinds -----------------------------------------------------------------------------------

SHORTFALL, RATIO, GROWTH, COUNT, MISSING, SCORE, CONDITION, CONFIRM, UNQUANTIFIABLE = (
    "shortfall",
    "ratio",
    "growth",
    "count",
    "missing",
    "score",
    "condition",
    "confirm",
    "unquantifiable",
)
KIND_WORDS = {
    SHORTFALL: "数值差距",
    RATIO: "比例差距",
    GROWTH: "增长差距",
    COUNT: "数量差距",
    MISSING: "需补充数据",
    SCORE: "得分差距",
    CONDITION: "需满足条件",
    CONFIRM: "需经确认",
    UNQUANTIFIABLE: "不可量化",
}

_WHOLE_FIELDS = {"employees", "tech_staff"}  # persons: a shortfall is rounded up to whole persons
#: an extra amount of one field is an extra amount of another too (extra R&D is taken as domestic)
COMPANIONS = {"rd_expense": ("rd_expense_domestic",)}


@dataclass(frozen=True)
class Gap:
    criterion: str  # the policy's (mandatory) criterion
    label: str
    kind: str
    text: str
    distance: float  # normalised: 0 … (1 = as far as the threshold itself)
    fixes: tuple[Fix, ...]
    exact: bool  # the fixes close the gap (False: said honestly, not computed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "label": self.label,
            "kind": self.kind,
            "kind_word": KIND_WORDS[self.kind],
            "text": self.text,
            "distance": round(self.distance, 6),
            "exact": self.exact,
        }

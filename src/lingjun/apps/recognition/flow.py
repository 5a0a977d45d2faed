"""The recognition flow (评价认定流程) as data: phases, and the transitions between them with the
permission-matrix action that may take each and the documents each needs.

One state machine of our own drives it (:func:`lingjun.apps.recognition.services.application_transition`):
a conditional ``UPDATE … WHERE phase = <expected>`` and an append-only :class:`Transition` row.
Two decisions depend on the batch: 镇街园区推荐 may be skipped per batch (``Batch.skip_town``), and
现场考察 happens only for 科技领军 and 科技领军培育 (``SITE_VISIT_TIERS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: 津科规〔2019〕3号: a filing rejected this many times at the municipal level cannot be resubmitted
#: (the default of a batch's ``municipal_rejection_limit``)
MUNICIPAL_REJECTION_LIMIT = 3
MUNICIPAL_REJECTION_SOURCE = "津科规〔2019〕3号"
#: tiers with an on-site investigation (现场考察) after the municipal review
SITE_VISIT_TIERS = frozenset({"lingjun", "lingjun_peiyu"})


@dataclass(frozen=True)
class Phase:
    code: str
    name: str | Promise  # the public Chinese name
    #: who has it now (shown to the enterprise)
    holder: str | Promise = ""
    final: bool = False


PHASES: tuple[Phase, ...] = (
    Phase("draft", _("企业自评/申报"), _("企业")),
    Phase("town_review", _("镇街园区推荐"), _("镇街园区")),
    Phase("returned", _("退回修改"), _("企业")),
    Phase("district_review", _("区科技局审查"), _("区科技局")),
    Phase("municipal_review", _("市级评审"), _("第三方评价机构")),
    Phase("municipal_rejected", _("市级评审未通过"), _("企业")),
    Phase("site_visit", _("现场考察"), _("区科技局")),
    Phase("ready", _("待公示"), _("区科技局")),
    Phase("publicity", _("公示"), _("区科技局")),
    Phase("objection", _("异议处理"), _("区科技局")),
    Phase("announced", _("公告"), _("区科技局")),
    Phase("entered", _("已入库"), "", final=True),
    Phase("rejected", _("未通过"), "", final=True),
)
PHASE = {p.code: p for p in PHASES}
PHASE_CHOICES = [(p.code, p.name) for p in PHASES]

# documents a transition needs
COMMENT = "comment"  # a written reason
EVIDENCE = "evidence"  # at least one application evidence file on the application
REPORT = "report"  # a file uploaded with the transition (on-site report)


@dataclass(frozen=True)
class TransitionDef:
    code: str
    label: str | Promise
    source: str  # the phase it leaves
    target: str  # the phase it reaches ("" = decided by the batch: see target_of)
    action: str  # the permission-matrix action that may take it
    needs: tuple[str, ...] = ()
    #: may be applied to every matching application at once (no per-application document)
    bulk: bool = False
    #: taken by the platform itself as part of another step (not offered as a button)
    system: bool = False
    #: whose inbox is told (the enterprise's users)
    notify: bool = False
    style: str = ""  # "secondary" for returns and rejections


TRANSITIONS: tuple[TransitionDef, ...] = (
    TransitionDef("submit", _("提交申报"), "draft", "", "recognition.apply", (EVIDENCE,)),
    TransitionDef(
        "recommend", _("推荐"), "town_review", "district_review", "recognition.recommend", bulk=True
    ),
    TransitionDef(
        "town_return",
        _("退回企业修改"),
        "town_review",
        "returned",
        "recognition.recommend",
        (COMMENT,),
        notify=True,
        style="secondary",
    ),
    TransitionDef("resubmit", _("修改后重新提交"), "returned", "", "recognition.apply", (EVIDENCE,)),
    TransitionDef(
        "approve",
        _("审查通过，报市级评审"),
        "district_review",
        "municipal_review",
        "recognition.review",
        bulk=True,
    ),
    TransitionDef(
        "return",
        _("退回补正"),
        "district_review",
        "returned",
        "recognition.review",
        (COMMENT,),
        notify=True,
        style="secondary",
    ),
    TransitionDef(
        "reject",
        _("审查不通过"),
        "district_review",
        "rejected",
        "recognition.review",
        (COMMENT,),
        notify=True,
        style="secondary",
    ),
    TransitionDef(
        "municipal_pass",
        _("市级评审通过"),
        "municipal_review",
        "",
        "recognition.municipal_result",
        bulk=True,
        notify=True,
    ),
    TransitionDef(
        "municipal_reject",
        _("市级评审未通过"),
        "municipal_review",
        "municipal_rejected",
        "recognition.municipal_result",
        (COMMENT,),
        bulk=True,
        notify=True,
        style="secondary",
    ),
    TransitionDef(
        "reapply", _("重新提交市级评审"), "municipal_rejected", "district_review", "recognition.apply"
    ),
    TransitionDef("site_pass", _("现场考察通过"), "site_visit", "ready", "recognition.review", (REPORT,)),
    TransitionDef(
        "site_fail",
        _("现场考察不通过"),
        "site_visit",
        "rejected",
        "recognition.review",
        (REPORT, COMMENT),
        notify=True,
        style="secondary",
    ),
    TransitionDef(
        "publicize", _("列入公示"), "ready", "publicity", "recognition.publish", system=True, notify=True
    ),
    TransitionDef("object", _("登记异议"), "publicity", "objection", "recognition.review", system=True),
    TransitionDef(
        "objection_dismissed", _("异议不成立"), "objection", "publicity", "recognition.review", system=True
    ),
    TransitionDef(
        "objection_upheld",
        _("异议成立"),
        "objection",
        "rejected",
        "recognition.review",
        system=True,
        notify=True,
    ),
    TransitionDef("announce", _("列入公告"), "publicity", "announced", "recognition.publish", system=True),
    TransitionDef(
        "enter", _("入库"), "announced", "entered", "recognition.publish", system=True, notify=True
    ),
)
TRANSITION = {t.code: t for t in TRANSITIONS}


def target_of(t: TransitionDef, *, tier: str, skip_town: bool) -> str:
    """The phase ``t`` reaches for an application of a batch of ``tier`` (``skip_town``: no 镇街 step)."""
    if t.target:
        return t.target
    if t.code in ("submit", "resubmit"):
        return "district_review" if skip_town else "town_review"
    if t.code == "municipal_pass":
        return "site_visit" if tier in SITE_VISIT_TIERS else "ready"
    raise ValueError(t.code)  # pragma: no cover - every open target is listed above


def transitions_from(phase: str, *, include_system: bool = False) -> list[TransitionDef]:
    return [t for t in TRANSITIONS if t.source == phase and (include_system or not t.system)]


def phase_name(code: str) -> str:
    phase = PHASE.get(code)
    return str(phase.name) if phase else code


#: the phases of the main path, in order (the enterprise's progress bar, the counts per phase)
MAIN_PATH = (
    "draft",
    "town_review",
    "district_review",
    "municipal_review",
    "site_visit",
    "ready",
    "publicity",
    "objection",
    "announced",
    "entered",
)


def phases_of(*, tier: str, skip_town: bool) -> list[Phase]:
    """The main path of a batch: without 镇街园区推荐 when skipped, without 现场考察 below 领军培育."""
    out = []
    for code in MAIN_PATH:
        if code == "town_review" and skip_town:
            continue
        if code == "site_visit" and tier not in SITE_VISIT_TIERS:
            continue
        out.append(PHASE[code])
    return out

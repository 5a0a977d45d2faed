"""The tables of cultivation (培育服务).

* :class:`GapSnapshot` — per enterprise, its next rung of the ladder and its gap list as the rules
  engine computed them (:mod:`lingjun.rules.gaps`), refreshed for the whole pool at once and for one
  enterprise when its dossier changed;
* :class:`CultivationPlan` (培育方案) and its :class:`Milestone` s, seeded from the gap list;
* :class:`Visit` (走访) — a contact of an officer with the enterprise;
* :class:`ServiceRequest` (企业诉求), routed to a department with a deadline in working days, its
  :class:`RequestReply` s, closure and the enterprise's satisfaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lingjun.apps.enterprises.models import Enterprise
from lingjun.rules.gaps import RUNG_NAMES


class Rung(models.TextChoices):
    """The ladder, lowest first (:data:`lingjun.rules.gaps.RUNGS`)."""

    TECH_SME = "tech_sme", _("科技型中小企业")
    CHUYING = "chuying", _("雏鹰企业")
    HNTE = "hnte", _("高新技术企业")
    DENGLING = "dengling", _("瞪羚企业")
    LINGJUN_PEIYU = "lingjun_peiyu", _("科技领军培育企业")
    LINGJUN = "lingjun", _("科技领军企业")


assert [r.value for r in Rung] == list(RUNG_NAMES), "the rungs are the rules library's"

#: the departments a request can be routed to (names as the seed text writes them)
DEPARTMENTS: tuple[str, ...] = (
    "区科技局",
    "区发展改革委",
    "区工业和信息化局",
    "区财政局",
    "区金融局",
    "区人才办",
    "区人社局",
    "区市场监管局",
    "区商务局",
    "区合作交流办",
    "区政务服务办",
    "区税务局",
    "区统计局",
)


class Category(models.TextChoices):
    """Categories of enterprise requests (诉求类别), each with the department it goes to first."""

    FINANCING = "financing", _("融资需求")
    TALENT = "talent", _("人才引进与用工")
    POLICY = "policy", _("政策咨询与兑现")
    PREMISES = "premises", _("用地与场地")
    APPROVAL = "approval", _("审批与登记")
    IP = "ip", _("知识产权")
    MARKET = "market", _("市场开拓")
    TECH = "tech", _("技术合作与成果转化")
    OTHER = "other", _("其他")


#: the department a request of each category is routed to unless the submitter or an officer chooses
DEFAULT_DEPARTMENT: dict[str, str] = {
    Category.FINANCING: "区金融局",
    Category.TALENT: "区人才办",
    Category.POLICY: "区科技局",
    Category.PREMISES: "区工业和信息化局",
    Category.APPROVAL: "区政务服务办",
    Category.IP: "区市场监管局",
    Category.MARKET: "区商务局",
    Category.TECH: "区科技局",
    Category.OTHER: "区科技局",
}


class GapSnapshot(models.Model):
    """The next rung and gap list of one enterprise as of a date (one row per enterprise)."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="cultivation_gaps", verbose_name="企业"
    )
    year = models.IntegerField("申报年度")
    as_of = models.DateField("计算基准日")
    next_rung = models.CharField("下一台阶", max_length=16, choices=Rung.choices, blank=True, default="")
    failed = models.IntegerField("未满足条件数", default=0)
    inexact = models.IntegerField("不可量化差距数", default=0)
    distance = models.FloatField("标准化差距", default=0.0)
    gaps = models.JSONField("差距清单", default=list, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        db_table = "lj_cultivation_gap"
        verbose_name = "培育差距"
        verbose_name_plural = "培育差距"
        indexes = [
            models.Index(fields=["next_rung", "failed", "inexact", "distance"], name="lj_cult_gap_rank")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.next_rung or '—'}"


class CultivationPlan(models.Model):
    """培育方案: an enterprise's path to a target rung by a target date."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("实施中")
        ACHIEVED = "achieved", _("已达成")
        CLOSED = "closed", _("已终止")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="cultivation_plans", verbose_name="企业"
    )
    target_rung = models.CharField("培育目标", max_length=16, choices=Rung.choices)
    target_date = models.DateField("目标日期")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cultivation_plans",
        verbose_name="责任人",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    measures = models.TextField("支持措施与服务", blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "lj_cultivation_plan"
        verbose_name = "培育方案"
        verbose_name_plural = "培育方案"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise.name} → {self.get_target_rung_display()}"

    @property
    def progress(self) -> int:
        """Percentage of milestones done."""
        items = list(self.milestones.all())
        if not items:
            return 0
        return round(100 * sum(1 for m in items if m.done) / len(items))


class Milestone(models.Model):
    """A step of a plan; one per gap when seeded from the gap list (``criterion`` set), or added
    by the officer. A seeded milestone is done when its criterion no longer shows in the
    enterprise's gap list (progress computed from the dossier)."""

    plan = models.ForeignKey(CultivationPlan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("事项", max_length=300)
    detail = models.TextField("差距说明", blank=True, default="")
    criterion = models.CharField("对应条件", max_length=80, blank=True, default="")
    kind = models.CharField("差距类型", max_length=20, blank=True, default="")
    due_on = models.DateField("计划完成日期", null=True, blank=True)
    done = models.BooleanField("已完成", default=False)
    done_by_dossier = models.BooleanField("由档案数据判定完成", default=False)
    order = models.IntegerField("顺序", default=0)

    class Meta:
        db_table = "lj_cultivation_milestone"
        verbose_name = "培育节点"
        verbose_name_plural = "培育节点"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Visit(models.Model):
    """走访服务: a visit or contact with an enterprise."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="visits", verbose_name="企业"
    )
    plan = models.ForeignKey(
        CultivationPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    visited_on = models.DateField("走访日期")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="走访人",
    )
    people_met = models.CharField("接待人员", max_length=200)
    topics = models.TextField("沟通事项")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        db_table = "lj_cultivation_visit"
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.people_met}"


class ServiceRequest(models.Model):
    """企业诉求: routed to a department, due within working days, replied, closed and rated."""

    class Status(models.TextChoices):
        OPEN = "open", _("待办理")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已办结")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="service_requests", verbose_name="企业"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("诉求内容")
    department = models.CharField("承办部门", max_length=64, db_index=True)
    submitted_on = models.DateField("提交日期")
    days = models.IntegerField("办理时限（工作日）")
    due_on = models.DateField("办理期限", db_index=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_on = models.DateField("办结日期", null=True, blank=True)
    satisfaction = models.IntegerField("满意度", null=True, blank=True)  # 1 … 5
    satisfaction_note = models.CharField("评价意见", max_length=500, blank=True, default="")
    escalated_on = models.DateField("督办日期", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        db_table = "lj_cultivation_request"
        verbose_name = "企业诉求"
        verbose_name_plural = "企业诉求"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def overdue_on(self, today: object) -> bool:
        """Not closed and past its deadline on ``today``."""
        return self.status != self.Status.CLOSED and self.due_on < today  # type: ignore[operator]


class RequestReply(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="replies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField("答复内容")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        db_table = "lj_cultivation_reply"
        verbose_name = "诉求答复"
        verbose_name_plural = "诉求答复"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.body[:40]

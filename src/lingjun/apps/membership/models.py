"""The tables of membership (入库企业管理).

A :class:`Membership` is one entry of an enterprise into a tier of the pool (入库): its
registration number (入库登记编号), validity (``valid_from`` … ``valid_until``, open-ended when
``valid_until`` is null) and, once it ends early, its exit (出库): the date, a reason code, a text,
who and when. An enterprise holds at most one tier at a time; entering a higher tier exits the
lower one with the reason 晋级 (promotion).

Active as of a date ``d``: ``valid_from <= d``, ``valid_until`` null or ``>= d``, and no exit on or
before ``d`` (see :func:`lingjun.apps.membership.selectors.active_memberships`).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lingjun.apps.enterprises.models import Enterprise


class Tier(models.TextChoices):
    """The tiers of the pool, lowest first (the order is the ladder: promotion goes up)."""

    CHUYING = "chuying", _("雏鹰企业")
    DENGLING = "dengling", _("瞪羚企业")
    LINGJUN_PEIYU = "lingjun_peiyu", _("科技领军培育企业")
    LINGJUN = "lingjun", _("科技领军企业")


#: the rank of each tier on the ladder (higher = further up)
TIER_RANK: dict[str, int] = {t.value: i for i, t in enumerate(Tier)}

#: the policy family of the rules library that decides each tier
TIER_FAMILY: dict[str, str] = {t.value: f"tianjin.{t.value}" for t in Tier}

#: the tier's code inside a registration number (``WQ-CY-2026-0001``)
TIER_CODE: dict[str, str] = {
    Tier.CHUYING: "CY",
    Tier.DENGLING: "DL",
    Tier.LINGJUN_PEIYU: "LP",
    Tier.LINGJUN: "LJ",
}


class ExitReason(models.TextChoices):
    """Why a membership ended before its validity did (出库原因)."""

    PROMOTION = "promotion", _("晋级")
    ANNUAL_UPDATE_MISSED = "annual_update_missed", _("未按期完成年度信息更新")
    SERIOUS_DISHONESTY = "serious_dishonesty", _("列入严重违法失信企业名单")
    ABNORMAL_OPERATION = "abnormal_operation", _("列入经营异常名录")
    QUALIFICATION_EXPIRED = "qualification_expired", _("所需资质到期")
    REVIEW_FAILED = "review_failed", _("复核不达标")
    WITHDRAWN = "withdrawn", _("企业申请退出")
    OTHER = "other", _("其他")


class Membership(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="memberships", verbose_name="企业"
    )
    tier = models.CharField("入库类别", max_length=16, choices=Tier.choices)
    registration_number = models.CharField("入库登记编号", max_length=32, unique=True)
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期止", null=True, blank=True)
    #: where the entry came from: ``recognition`` (the 认定 flow), ``import``, ``manual``, ``demo`` …
    source = models.CharField("来源", max_length=32)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    entered_at = models.DateTimeField("登记时间", auto_now_add=True)
    exited_on = models.DateField("出库日期", null=True, blank=True, db_index=True)
    exit_reason = models.CharField(
        "出库原因", max_length=32, choices=ExitReason.choices, blank=True, default=""
    )
    exit_note = models.CharField("出库说明", max_length=500, blank=True, default="")
    exited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="出库操作人",
    )
    exited_at = models.DateTimeField("出库操作时间", null=True, blank=True)
    #: on promotion: the higher membership that replaced this one
    promoted_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promoted_from",
        verbose_name="晋级后的入库记录",
    )

    class Meta:
        verbose_name = "入库记录"
        verbose_name_plural = "入库记录"
        ordering = ["-valid_from", "-id"]
        indexes = [
            models.Index(fields=["tier", "valid_from"], name="lj_member_tier_from"),
            models.Index(fields=["valid_until"], name="lj_member_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="lj_member_valid_range",
            ),
            models.CheckConstraint(
                condition=models.Q(exited_on__isnull=True, exit_reason="")
                | models.Q(exited_on__isnull=False) & ~models.Q(exit_reason=""),
                name="lj_member_exit_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.get_tier_display()}"

    def is_active(self, as_of: date) -> bool:
        """Whether the membership counts as of the date ``as_of``."""
        return (
            self.valid_from <= as_of
            and (self.valid_until is None or self.valid_until >= as_of)
            and (self.exited_on is None or self.exited_on > as_of)
        )


class RegistrationSequence(models.Model):
    """The last number given per tier and year (``WQ-CY-2026-0001`` …), locked while one is drawn."""

    tier = models.CharField("入库类别", max_length=16, choices=Tier.choices)
    year = models.IntegerField("年度")
    last = models.IntegerField("已用到的序号", default=0)

    class Meta:
        verbose_name = "登记编号序列"
        verbose_name_plural = "登记编号序列"
        constraints = [models.UniqueConstraint(fields=["tier", "year"], name="lj_member_seq_unique")]

    def __str__(self) -> str:
        return f"{self.tier} {self.year}: {self.last}"


class AnnualUpdate(models.Model):
    """年度信息更新: the enterprise confirmed its dossier for year ``year - 1`` (the last completed
    year, after the income-tax settlement) by the deadline of ``year`` (default 30 September).

    Members whose membership started before 1 January of ``year`` and who have no row for
    ``year`` by the deadline are exited by the sweep (reason 未按期完成年度信息更新).
    """

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="annual_updates", verbose_name="企业"
    )
    year = models.IntegerField("更新年度")
    data_year = models.IntegerField("确认的数据年度")
    confirmed_on = models.DateField("确认日期")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度信息更新"
        verbose_name_plural = "年度信息更新"
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="lj_member_annual_unique")]

    def __str__(self) -> str:
        return f"{self.year}年度信息更新（{self.data_year}年数据）"


class PoolReview(models.Model):
    """复核: one re-evaluation of every active member against its tier's policy (a job)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("复核中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    as_of = models.DateField("复核日期")
    year = models.IntegerField("评价年度")
    policies = models.JSONField("评价政策", default=list)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RUNNING)
    members = models.IntegerField("在库企业数", default=0)
    failing = models.IntegerField("不达标企业数", default=0)
    error = models.TextField("错误信息", blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="发起人"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "在库企业复核"
        verbose_name_plural = "在库企业复核"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"复核 #{self.pk}（{self.as_of}）"


class ReviewFinding(models.Model):
    """A member that no longer meets its tier in a review, with the engine's explanation, waiting
    for an officer to confirm it (→ exit 复核不达标) or dismiss it (with a reason)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        CONFIRMED = "confirmed", _("已确认出库")
        DISMISSED = "dismissed", _("已驳回")
        SUPERSEDED = "superseded", _("已被新的复核取代")

    review = models.ForeignKey(
        PoolReview, on_delete=models.CASCADE, related_name="findings", verbose_name="复核"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="findings", verbose_name="入库记录"
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="review_findings", verbose_name="企业"
    )
    tier = models.CharField("入库类别", max_length=16, choices=Tier.choices)
    policy = models.CharField("评价政策", max_length=64)
    #: the failed criteria: ``[{"id", "label", "value", "threshold", "op", "unit", "article",
    #: "document", "explanation", "gap"}]`` as the rules library explains them
    failed = models.JSONField("不达标的条件", default=list)
    status = models.CharField("处理状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="处理人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("处理意见", max_length=500, blank=True, default="")

    class Meta:
        verbose_name = "复核发现"
        verbose_name_plural = "复核发现"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "tier"], name="lj_member_finding_status")]
        constraints = [
            models.UniqueConstraint(fields=["review", "membership"], name="lj_member_finding_unique")
        ]

    def __str__(self) -> str:
        return f"{self.membership} {self.get_status_display()}"

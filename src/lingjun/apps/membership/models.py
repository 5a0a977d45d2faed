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

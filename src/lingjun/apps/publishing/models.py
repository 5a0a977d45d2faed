"""The tables of publishing (公示公告): a notice and its numbered entries.

A notice (:class:`Notice`) is a 公示 (a list put up for objections until ``ends_on``) or a 公告
(the final list) of one tier, with its document number and date; its entries
(:class:`NoticeEntry`) keep only what a published list shows — name, USCC, town, tier — copied at
publication, so a later change of a dossier never changes a list that was published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """The tiers and qualifications a list is published for (the shared vocabulary's codes)."""

    CHUYING = "chuying", _("雏鹰企业")
    DENGLING = "dengling", _("瞪羚企业")
    LINGJUN_PEIYU = "lingjun_peiyu", _("科技领军培育企业")
    LINGJUN = "lingjun", _("科技领军企业")
    HNTE = "hnte", _("高新技术企业")
    TECH_SME = "tech_sme", _("科技型中小企业")


class Notice(models.Model):
    class Kind(models.TextChoices):
        GONGSHI = "gongshi", _("公示")
        GONGGAO = "gonggao", _("公告")

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True, default="")
    tier = models.CharField("层级", max_length=32, choices=Tier.choices)
    published_on = models.DateField("发布日期")
    #: the last day of a 公示's objection period; none for a 公告
    ends_on = models.DateField("公示截止日期", null=True, blank=True)
    #: where the list comes from: a recognition batch (``recognition:…``) or ``manual`` (a list
    #: from before the platform, entered by the bureau)
    source = models.CharField("来源", max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发布人",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示公告"
        verbose_name_plural = "公示公告"
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_number"], condition=~Q(document_number=""), name="lj_notice_number"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("published_on")),
                name="lj_notice_ends_after_published",
            ),
        ]
        indexes = [models.Index(fields=["published_on"], name="lj_notice_published")]

    def __str__(self) -> str:
        return self.title


class NoticeEntry(models.Model):
    """One numbered line of a notice: only what the published list shows."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="entries", verbose_name="公示公告"
    )
    seq = models.PositiveIntegerField("序号")
    name = models.CharField("企业名称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    town = models.CharField("所属镇街", max_length=64, blank=True, default="")
    tier = models.CharField("层级", max_length=32, choices=Tier.choices)

    class Meta:
        verbose_name = "公示公告名单"
        verbose_name_plural = "公示公告名单"
        ordering = ["notice", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "seq"], name="lj_notice_entry_seq"),
            models.UniqueConstraint(fields=["notice", "uscc"], name="lj_notice_entry_uscc"),
        ]
        indexes = [
            models.Index(fields=["uscc"], name="lj_notice_entry_uscc_idx"),
            models.Index(fields=["name"], name="lj_notice_entry_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"

"""The tables of funds (资金扶持): budgets, claims, the append-only ledger, confirmed amounts.

Money is ``DecimalField(max_digits=16, decimal_places=2)`` (元, exact) everywhere. The budget row
carries its running ``committed`` and ``disbursed`` totals, updated only under a row lock by the
services; a CHECK constraint refuses any state where they exceed the budget (the database's own
guard against overspending), and a UNIQUE ``once_key`` on claims refuses a once-only reward
approved twice for one enterprise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    CITY = "city", _("市级资金")
    DISTRICT = "district", _("区级资金")


class Budget(models.Model):
    """The money of one fiscal year, source and measure (预算)."""

    fiscal_year = models.IntegerField("财政年度")
    source = models.CharField("资金来源", max_length=16, choices=Source.choices)
    measure = models.CharField("扶持措施", max_length=64)
    amount = models.DecimalField("预算金额（元）", max_digits=16, decimal_places=2, default=Decimal(0))
    committed = models.DecimalField("已批准未拨付（元）", max_digits=16, decimal_places=2, default=Decimal(0))
    disbursed = models.DecimalField("已拨付（元）", max_digits=16, decimal_places=2, default=Decimal(0))
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    class Meta:
        verbose_name = "预算"
        verbose_name_plural = "预算"
        ordering = ("-fiscal_year", "measure", "source")
        constraints = [
            models.UniqueConstraint(fields=("fiscal_year", "source", "measure"), name="funds_budget_unique"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(disbursed__gte=0),
                name="funds_budget_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("committed") + F("disbursed")),
                name="funds_budget_never_overspent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.get_source_display()} {self.measure}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.disbursed


class BudgetAdjustment(models.Model):
    """Every change of a budget's amount (the first allocation too), with who, when and why."""

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="adjustments")
    delta = models.DecimalField("调整金额（元）", max_digits=16, decimal_places=2)
    reason = models.CharField("原因", max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "预算调整"
        verbose_name_plural = "预算调整"
        ordering = ("pk",)

    def __str__(self) -> str:
        return f"{self.budget_id} {self.delta}"


class Claim(models.Model):
    """One enterprise's claim of one measure for one fiscal year (扶持资金申请 / 免申即享)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("免申即享待确认")
        APPLIED = "applied", _("已申请")
        REVIEWED = "reviewed", _("已审核")
        APPROVED = "approved", _("已批准")
        DISBURSED = "disbursed", _("已拨付")
        REVERSED = "reversed", _("已撤销/追回")
        REJECTED = "rejected", _("未通过")
        LAPSED = "lapsed", _("已失效")

    class Origin(models.TextChoices):
        PROPOSAL = "proposal", _("免申即享")
        APPLICATION = "application", _("企业申请")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="fund_claims"
    )
    measure = models.CharField("扶持措施", max_length=64)
    fiscal_year = models.IntegerField("财政年度")
    source = models.CharField("资金来源", max_length=16, choices=Source.choices)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.APPLIED)
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.APPLICATION)
    #: the engine's verdict (True 符合 / False 不符合 / None 需补充材料) and when it was reached
    eligible = models.BooleanField("是否符合条件", null=True)
    checked_at = models.DateTimeField("核验时间", null=True, blank=True)
    explanation = models.TextField("核验说明", blank=True)
    #: facts the enterprise supplied that the dossier does not hold (租金、面积、市级奖励…)
    inputs = models.JSONField("申报数据", default=dict, blank=True)
    town = models.CharField("所属镇街", max_length=64, blank=True)
    tier = models.CharField("层级", max_length=32, blank=True)
    #: set while the claim holds money (approved, disbursed): unique, so a once-only reward cannot
    #: be approved twice for one enterprise (per firm: "<measure>:<enterprise>"; per year: + ":<year>")
    once_key = models.CharField("唯一性键", max_length=120, null=True, blank=True, unique=True)
    voucher_number = models.CharField("凭证号", max_length=64, blank=True)
    voucher_date = models.DateField("拨付日期", null=True, blank=True)
    reason = models.CharField("撤销/驳回原因", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "扶持资金申请"
        verbose_name_plural = "扶持资金申请"
        ordering = ("-fiscal_year", "pk")
        constraints = [
            # at most one open proposal per enterprise, measure and year (the refresh upserts on it)
            models.UniqueConstraint(
                fields=("enterprise", "measure", "fiscal_year"),
                condition=Q(state="proposed"),
                name="funds_claim_one_proposal",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="funds_claim_amount"
            ),
        ]
        indexes = [models.Index(fields=("state", "fiscal_year"))]

    def __str__(self) -> str:
        return f"{self.measure} {self.fiscal_year} #{self.pk}"


class LedgerEntry(models.Model):
    """The ledger (台账), append-only: a commitment, a disbursement, a release of a commitment or
    a reversal (claw-back) of a disbursement. Entries are never changed or deleted; a mistake is
    corrected by a new entry."""

    class Kind(models.TextChoices):
        COMMIT = "commit", _("批准（占用预算）")
        DISBURSE = "disburse", _("拨付")
        RELEASE = "release", _("撤销批准（释放预算）")
        REVERSE = "reverse", _("追回（冲销拨付）")

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2)
    voucher_number = models.CharField("凭证号", max_length=64, blank=True)
    voucher_date = models.DateField("凭证日期", null=True, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "台账记录"
        verbose_name_plural = "台账记录"
        ordering = ("pk",)
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="funds_ledger_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(LEDGER_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(LEDGER_APPEND_ONLY)


LEDGER_APPEND_ONLY = "台账只能追加，不能修改或删除：更正请登记一笔冲销记录。"


class AmountConfirmation(models.Model):
    """An officer's confirmation of a measure's provisional amount for a fiscal year (金额确认):
    until then a claim of that measure cannot be approved."""

    measure = models.CharField("扶持措施", max_length=64)
    fiscal_year = models.IntegerField("财政年度")
    #: the provisional parameters' values as confirmed ({name: "decimal text"})
    values = models.JSONField("确认的参数", default=dict)
    note = models.CharField("说明", max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = "金额确认"
        verbose_name_plural = "金额确认"
        constraints = [
            models.UniqueConstraint(fields=("measure", "fiscal_year"), name="funds_confirmation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.fiscal_year}"

"""The tables of recognition (评价认定): batches, applications, their audited transitions,
evidence files, the district's checklist, provisional confirmations and 公示 objections.

The phases and transitions themselves are data in :mod:`lingjun.apps.recognition.flow`; an
application's ``phase`` only ever changes through
:func:`lingjun.apps.recognition.services.application_transition` (or its set-based twin for bulk
actions), each change writing a :class:`Transition` row.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

TIERS = (
    ("chuying", "雏鹰企业"),
    ("dengling", "瞪羚企业"),
    ("lingjun_peiyu", "科技领军培育企业"),
    ("lingjun", "科技领军企业"),
)
#: the policy family of each tier in the rules library
TIER_FAMILY = {
    "chuying": "tianjin.chuying",
    "dengling": "tianjin.dengling",
    "lingjun_peiyu": "tianjin.lingjun_peiyu",
    "lingjun": "tianjin.lingjun",
}
TIER_LABEL = dict(TIERS)


class Batch(models.Model):
    """评价批次: one call for applications to one tier; fixes its policy and parameters when it opens."""

    class Status(models.TextChoices):
        DRAFT = "draft", "未开放"
        OPEN = "open", "申报中"
        CLOSED = "closed", "已截止（审查中）"
        PUBLICITY = "publicity", "公示中"
        ANNOUNCED = "announced", "已公告"
        DONE = "done", "已完成入库"

    tier = models.CharField("层级", max_length=16, choices=TIERS)
    year = models.IntegerField("年度")
    sequence = models.IntegerField("批次", default=1)
    name = models.CharField("批次名称", max_length=120)
    opens_on = models.DateField("申报开始日期")
    closes_on = models.DateField("申报截止日期")
    #: skip 镇街园区推荐 (applications go straight to the district)
    skip_town = models.BooleanField("跳过镇街园区推荐", default=False)
    #: a filing rejected this many times at the municipal level cannot be resubmitted (津科规〔2019〕3号;
    #: the 2021 rules say nothing found on it, so it is a parameter of the batch); empty: no limit
    municipal_rejection_limit = models.PositiveSmallIntegerField(
        "市级评审未通过次数上限", null=True, blank=True, default=3
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    #: fixed when the batch opens: the policy in force and its parameter values (display text)
    policy_id = models.CharField("适用政策", max_length=64, blank=True, default="")
    parameters = models.JSONField("参数取值（开放时固定）", default=dict, blank=True)
    #: what of the policy is provisional (暂定): [{"key", "label", "reason"}]
    provisional = models.JSONField("暂定参数", default=list, blank=True)
    opened_at = models.DateTimeField("开放时间", null=True, blank=True)
    publicity_starts_on = models.DateField("公示开始日期", null=True, blank=True)
    publicity_ends_on = models.DateField("公示结束日期", null=True, blank=True)
    announced_on = models.DateField("公告日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="创建人"
    )

    class Meta:
        db_table = "lj_recognition_batch"
        verbose_name = "评价批次"
        verbose_name_plural = "评价批次"
        ordering = ["-year", "tier", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "year", "sequence"], name="lj_rec_batch_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tier_label(self) -> str:
        return TIER_LABEL.get(self.tier, self.tier)


class Application(models.Model):
    """申报: one enterprise in one batch, moving through the phases of the flow."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="applications", verbose_name="批次"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="applications", verbose_name="企业"
    )
    phase = models.CharField("环节", max_length=24, default="draft", db_index=True)
    #: +1 at every transition (the optimistic check of two officers at once)
    version = models.IntegerField("版本", default=0)
    municipal_rejections = models.IntegerField("市级评审未通过次数", default=0)
    #: the engine's self-evaluation when it was submitted: {"result", "criteria": [...]}
    self_evaluation = models.JSONField("自评结果", default=dict, blank=True)
    registration_number = models.CharField("入库登记编号", max_length=64, blank=True, default="")
    membership_id = models.IntegerField("入库记录", null=True, blank=True)
    certificate = models.CharField("证书文件", max_length=255, blank=True, default="")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    changed_at = models.DateTimeField("最近办理时间", null=True, blank=True, db_index=True)
    #: the bulk action that changed it last (its Transition rows are written from this mark)
    bulk_token = models.CharField(max_length=32, blank=True, default="", db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="申报人",
    )

    class Meta:
        db_table = "lj_recognition_application"
        verbose_name = "申报"
        verbose_name_plural = "申报"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "enterprise"], name="lj_rec_app_unique"),
        ]
        indexes = [models.Index(fields=["batch", "phase"], name="lj_rec_app_batch_phase")]

    def __str__(self) -> str:
        return f"{self.batch} · {self.enterprise_id}"

    @property
    def phase_label(self) -> str:
        from lingjun.apps.recognition.flow import phase_name

        return phase_name(self.phase)


class Evidence(models.Model):
    """An uploaded file: application evidence, a correction, the on-site report, a sealed objection."""

    class Kind(models.TextChoices):
        APPLICATION = "application", "申报材料"
        CORRECTION = "correction", "补正材料"
        SITE_REPORT = "site_report", "现场考察报告"
        MUNICIPAL = "municipal", "市级评审结果文件"
        OBJECTION = "objection", "异议材料（加盖公章）"
        OTHER = "other", "其他"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evidence", verbose_name="申报"
    )
    kind = models.CharField("类别", max_length=16, choices=Kind.choices, default=Kind.APPLICATION)
    name = models.CharField("文件名", max_length=255)
    stored = models.CharField("存储路径", max_length=255)
    size = models.IntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="上传人"
    )

    class Meta:
        db_table = "lj_recognition_evidence"
        verbose_name = "材料"
        verbose_name_plural = "材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TransitionQuerySet(models.QuerySet["Transition"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("办理记录只能追加，不能修改。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("办理记录只能追加，不能删除。")


class Transition(models.Model):
    """办理记录 (append-only): who moved an application from which phase to which, when, why, with what."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="transitions", verbose_name="申报"
    )
    code = models.CharField("操作", max_length=32)
    from_phase = models.CharField("原环节", max_length=24)
    to_phase = models.CharField("新环节", max_length=24)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="办理人"
    )
    username = models.CharField("办理人姓名", max_length=150, blank=True, default="")
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.TextField("意见", blank=True, default="")
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="附件"
    )
    bulk = models.BooleanField("批量办理", default=False)

    objects = TransitionQuerySet.as_manager()

    class Meta:
        db_table = "lj_recognition_transition"
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.from_phase} → {self.to_phase}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("办理记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("办理记录只能追加，不能删除。")

    @property
    def label(self) -> str:
        from lingjun.apps.recognition.flow import TRANSITION

        t = TRANSITION.get(self.code)
        return str(t.label) if t else self.code

    @property
    def from_label(self) -> str:
        from lingjun.apps.recognition.flow import phase_name

        return phase_name(self.from_phase)

    @property
    def to_label(self) -> str:
        from lingjun.apps.recognition.flow import phase_name

        return phase_name(self.to_phase)


class ChecklistItem(models.Model):
    """One criterion of the batch's policy in the district review: the engine's outcome, and the
    officer's value with a reason where the officer decides otherwise."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="checklist", verbose_name="申报"
    )
    criterion = models.CharField("条件", max_length=64)
    label = models.CharField("条件名称", max_length=200)
    mandatory = models.BooleanField("必备条件", default=True)
    engine_result = models.CharField("系统判断", max_length=8)
    explanation = models.TextField("系统说明", blank=True, default="")
    officer_result = models.CharField("审查结论", max_length=8, blank=True, default="")
    reason = models.TextField("理由", blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="审查人"
    )
    decided_at = models.DateTimeField("审查时间", null=True, blank=True)

    class Meta:
        db_table = "lj_recognition_checklist"
        verbose_name = "审查清单条目"
        verbose_name_plural = "审查清单条目"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="lj_rec_checklist_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def result(self) -> str:
        return self.officer_result or self.engine_result


class ProvisionalConfirmation(models.Model):
    """An officer confirmed, for THIS application, the provisional (暂定) parameters its decision rests on."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="confirmations", verbose_name="申报"
    )
    keys = models.JSONField("确认的暂定参数", default=list)
    labels = models.TextField("确认内容", blank=True, default="")
    note = models.TextField("说明", blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="确认人"
    )
    username = models.CharField("确认人姓名", max_length=150, blank=True, default="")
    at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        db_table = "lj_recognition_confirmation"
        verbose_name = "暂定参数确认"
        verbose_name_plural = "暂定参数确认"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.username} {self.labels}"


class Objection(models.Model):
    """异议: raised during 公示 by a unit (sealed document) or a person (real name, ID number)."""

    class Kind(models.TextChoices):
        UNIT = "unit", "单位"
        PERSON = "person", "个人"

    class Outcome(models.TextChoices):
        PENDING = "", "待处理"
        DISMISSED = "dismissed", "异议不成立"
        UPHELD = "upheld", "异议成立"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="objections", verbose_name="申报"
    )
    kind = models.CharField("提出方", max_length=8, choices=Kind.choices)
    name = models.CharField("单位名称或姓名", max_length=120)
    id_number = models.CharField("身份证号码", max_length=18, blank=True, default="")
    contact = models.CharField("联系方式", max_length=120)
    content = models.TextField("异议内容")
    document = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="盖章材料"
    )
    received_on = models.DateField("收到日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    outcome = models.CharField("处理结果", max_length=16, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.TextField("处理意见", blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="处理人",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        db_table = "lj_recognition_objection"
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}异议：{self.name}"

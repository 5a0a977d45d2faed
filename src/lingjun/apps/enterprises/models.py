"""企业库 (the enterprise pool): one table per section of the dossier.

The tables *are* the table form of :mod:`lingjun.dossier.tables` (``lj_enterprise``,
``lj_annual`` … keyed by the ``uscc`` column), so the rules engine reads them in-database on
PostgreSQL. Dossier fields are generated from :mod:`lingjun.dossier.schema`, the single source of
truth; a test checks that every schema field has its column.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from lingjun.dossier import schema
from lingjun.dossier.schema import FieldSpec, Section


def _django_field(spec: FieldSpec) -> models.Field[Any, Any]:
    null = not spec.required
    common: dict[str, Any] = {"verbose_name": spec.label, "null": null, "blank": null}
    if spec.help:
        common["help_text"] = spec.help
    if spec.type == "str":
        return models.CharField(max_length=spec.max_length, **common)
    if spec.type == "enum":
        return models.CharField(max_length=32, choices=[(c.value, c.label) for c in spec.choices], **common)
    if spec.type == "date":
        return models.DateField(**common)
    if spec.type == "decimal":
        return models.DecimalField(max_digits=20, decimal_places=4, **common)
    if spec.type == "int":
        return models.IntegerField(**common)
    if spec.type == "bool":
        return models.BooleanField(**common)
    raise ValueError(f"no column type for {spec.type}")


def _add_fields(model: type[models.Model], section: Section, skip: tuple[str, ...] = ()) -> None:
    """Add a column for every field of ``section`` (except ``skip``, declared by hand)."""
    for spec in section.fields:
        if spec.name not in skip and spec.type != "int_list":
            model.add_to_class(spec.name, _django_field(spec))


class Enterprise(models.Model):
    """企业: the enterprise with its basic information and credit flags.

    The key fields are declared here (checked against the schema by a test); the others are
    generated from :data:`lingjun.dossier.schema.ENTERPRISE`.
    """

    uscc = models.CharField(
        "统一社会信用代码", max_length=schema.ENTERPRISE.field("uscc").max_length, unique=True
    )
    name = models.CharField("企业名称", max_length=schema.ENTERPRISE.field("name").max_length)
    registered_on = models.DateField("成立日期")
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "lj_enterprise"
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["uscc"]
        indexes = [
            models.Index(fields=["name"], name="lj_ent_name"),
            models.Index(fields=["town"], name="lj_ent_town"),
            models.Index(fields=["park"], name="lj_ent_park"),
            models.Index(fields=["industry_code"], name="lj_ent_industry"),
            models.Index(fields=["registered_on"], name="lj_ent_registered"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


_add_fields(Enterprise, schema.ENTERPRISE, skip=("uscc", "name", "registered_on"))


class DossierRow(models.Model):
    """A row of a list section, keyed like the table form by the enterprise's ``uscc``."""

    enterprise = models.ForeignKey(
        Enterprise, to_field="uscc", db_column="uscc", on_delete=models.CASCADE, verbose_name="企业"
    )

    objects = models.Manager()
    section: Section

    class Meta:
        abstract = True
        ordering = ["id"]


def _row_model(
    name: str,
    section: Section,
    verbose: str,
    *,
    unique: tuple[str, ...] = (),
    indexes: tuple[models.Index, ...] = (),
) -> type[DossierRow]:
    """A model for a list section; ``unique``: fields that identify a row of an enterprise."""
    constraints = (
        [models.UniqueConstraint(fields=["enterprise", *unique], name=f"lj_{section.table}_unique")]
        if unique
        else []
    )
    meta = type(
        "Meta",
        (),
        {
            "db_table": f"lj_{section.table}",
            "verbose_name": verbose,
            "verbose_name_plural": verbose,
            "ordering": ["id"],
            "constraints": constraints,
            "indexes": list(indexes),
        },
    )
    attrs: dict[str, Any] = {"__module__": __name__, "Meta": meta, "section": section}
    model = type(name, (DossierRow,), attrs)
    _add_fields(model, section)
    return model


#: one row per enterprise and year (the engine pivots the years: a second row would be ambiguous)
AnnualFigure = _row_model("AnnualFigure", schema.ANNUAL, "年度数据", unique=("year",))
IntellectualProperty = _row_model("IntellectualProperty", schema.IP, "知识产权")
#: the dashboard counts holders of a kind on given days from this index alone (plan.selectors)
Qualification = _row_model(
    "Qualification",
    schema.QUALIFICATIONS,
    "资质",
    indexes=(
        models.Index(fields=["kind", "enterprise", "issued_on", "expires_on"], name="lj_qual_kind_holder"),
    ),
)
Award = _row_model("Award", schema.AWARDS, "奖项")
Standard = _row_model("Standard", schema.STANDARDS, "标准")
Project = _row_model("Project", schema.PROJECTS, "科技计划项目")
Financing = _row_model("Financing", schema.FINANCING, "融资")
Conversion = _row_model("Conversion", schema.CONVERSIONS, "科技成果转化")
Premises = _row_model("Premises", schema.PREMISES, "场地")

#: the model of each list section, by dossier key
ROW_MODELS: dict[str, type[DossierRow]] = {
    m.section.key: m
    for m in (
        AnnualFigure,
        IntellectualProperty,
        Qualification,
        Award,
        Standard,
        Project,
        Financing,
        Conversion,
        Premises,
    )
}


class CreditEvent(models.Model):
    """A year with research misconduct or a major accident (the ``credit_events`` table)."""

    enterprise = models.ForeignKey(
        Enterprise, to_field="uscc", db_column="uscc", on_delete=models.CASCADE, verbose_name="企业"
    )
    kind = models.CharField(
        "类别", max_length=32, choices=[(c.value, c.label) for c in schema.CREDIT_EVENT_KINDS]
    )
    year = models.IntegerField("年度")

    class Meta:
        db_table = "lj_credit_events"
        verbose_name = "信用事件"
        verbose_name_plural = "信用事件"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.year}年 {self.get_kind_display()}"


class ImportBatch(models.Model):
    """One import of a dossier file: accepted whole or refused whole."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已导入"
        REFUSED = "refused", "已拒绝"

    file_name = models.CharField("文件名", max_length=255)
    file_format = models.CharField("格式", max_length=8)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    status = models.CharField("结果", max_length=16, choices=Status.choices)
    created = models.IntegerField("新建", default=0)
    updated = models.IntegerField("更新", default=0)
    unchanged = models.IntegerField("未变化", default=0)
    errors = models.JSONField("错误清单", default=list, blank=True)  # the first LINGJUN_IMPORT_MAX_ERRORS
    error_count = models.IntegerField("错误总数", default=0)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class ChangeRecord(models.Model):
    """One recorded change of a dossier value: who, when, old value, new value."""

    class Source(models.TextChoices):
        IMPORT = "import", "导入"
        FORM = "form", "在线编辑"
        ADMIN = "admin", "后台管理"

    enterprise = models.ForeignKey(
        Enterprise, null=True, on_delete=models.SET_NULL, related_name="changes", verbose_name="企业"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="导入批次"
    )
    path = models.CharField("字段", max_length=120)
    label = models.CharField("字段名称", max_length=120)
    old = models.JSONField("原值", null=True, blank=True)
    new = models.JSONField("新值", null=True, blank=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.uscc} {self.label}"


class ChangeRequest(models.Model):
    """变更申请: an enterprise user's change of a field it may not change itself (its 镇街/园区, credit
    flags, qualifications issued by an authority), waiting for an officer's decision.

    ``field`` is ``enterprise.<name>`` or a list section's key (``qualifications``, the whole list);
    ``old`` and ``new`` are the values as JSON (dates as ISO text, amounts as text).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "已驳回"

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="change_requests", verbose_name="企业"
    )
    field = models.CharField("字段", max_length=64)
    label = models.CharField("字段名称", max_length=120)
    old = models.JSONField("原值", null=True, blank=True)
    new = models.JSONField("申请值", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    note = models.CharField("审核意见", max_length=500, blank=True, default="")

    class Meta:
        verbose_name = "变更申请"
        verbose_name_plural = "变更申请"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.label}（{self.get_status_display()}）"

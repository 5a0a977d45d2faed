"""镇街园区 (the district's towns, streets and parks): the jurisdictions of town officers and the
``town`` / ``park`` of every enterprise."""

from __future__ import annotations

from django.db import models


class Division(models.Model):
    """镇街 or 园区 of the district; administrator-editable, seeded from the packaged list."""

    class Kind(models.TextChoices):
        STREET = "street", "街道"
        TOWN = "town", "镇"
        PARK = "park", "园区"

    code = models.CharField("区划代码", max_length=16, blank=True, default="")
    name = models.CharField("名称", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    verified = models.BooleanField("已核实", default=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "镇街园区"
        verbose_name_plural = "镇街园区"
        ordering = ["kind", "code", "name"]

    def __str__(self) -> str:
        return self.name

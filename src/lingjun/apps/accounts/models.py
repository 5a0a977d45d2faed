"""Users, roles and jurisdiction (用户、角色与管辖范围)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "区科技局管理员"
    DISTRICT_STAFF = "district_staff", "区科技局工作人员"
    TOWN_OFFICER = "town_officer", "镇街园区工作人员"
    ENTERPRISE = "enterprise", "企业用户"
    EVALUATOR = "evaluator", "第三方评价机构"
    FINANCE = "finance", "区财政局"
    DEPARTMENT = "department", "责任部门联络员"


#: roles that see every enterprise of the district (read access)
DISTRICT_WIDE_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_STAFF, Role.EVALUATOR, Role.FINANCE})
#: roles that may change any dossier of the district
DISTRICT_EDIT_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_STAFF})


class User(AbstractUser):
    """A platform user with one role and, where the role needs it, a jurisdiction."""

    role = models.CharField("角色", max_length=32, choices=Role.choices, default=Role.DISTRICT_STAFF)
    #: 镇街园区工作人员: the 镇街 (town/street) or 园区 (park) they serve, by name
    town = models.CharField("所属镇街", max_length=64, blank=True, default="")
    park = models.CharField("所属园区", max_length=64, blank=True, default="")
    #: 企业用户: their own enterprise
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="所属企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    #: 责任部门联络员: the department (e.g. 区财政局)
    department = models.CharField("所属部门", max_length=64, blank=True, default="")
    #: when the password was last set (by whatever path: createuser, admin, 修改密码 page); a
    #: staff role's password older than LINGJUN_PASSWORD_MAX_AGE_DAYS must be changed first.
    #: Empty for a user without a password set through :meth:`set_password`.
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username}（{self.get_role_display()}）"

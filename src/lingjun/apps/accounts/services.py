"""User administration: creation with jurisdiction checks, demo accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.enterprises.models import Division, Enterprise

UNKNOWN_ROLE = "未知角色“{role}”：可选 {choices}。"
TOWN_OFFICER_NEEDS_SCOPE = "镇街园区工作人员必须指定所属镇街或所属园区。"
UNKNOWN_DIVISION = "“{name}”不是已登记的镇街或园区（可在后台“镇街园区”中维护）。"
ENTERPRISE_USER_NEEDS_ENTERPRISE = "企业用户必须指定所属企业的统一社会信用代码。"
UNKNOWN_ENTERPRISE = "企业库中没有统一社会信用代码为“{uscc}”的企业。"
USERNAME_TAKEN = "用户名“{username}”已存在。"


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
        raise ValidationError(UNKNOWN_ROLE.format(role=role, choices=choices), code="role") from None


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    town: str = "",
    park: str = "",
    enterprise_uscc: str = "",
    department: str = "",
) -> User:
    """Create a user whose role comes with the jurisdiction it needs."""
    checked = _check_role(role)
    if User.objects.filter(username=username).exists():
        raise ValidationError(USERNAME_TAKEN.format(username=username), code="username")
    enterprise = None
    if checked == Role.TOWN_OFFICER:
        if not (town or park):
            raise ValidationError(TOWN_OFFICER_NEEDS_SCOPE, code="scope")
        for name in (town, park):
            if name and not Division.objects.filter(name=name).exists():
                raise ValidationError(UNKNOWN_DIVISION.format(name=name), code="division")
    if checked == Role.ENTERPRISE:
        if not enterprise_uscc:
            raise ValidationError(ENTERPRISE_USER_NEEDS_ENTERPRISE, code="enterprise")
        enterprise = Enterprise.objects.filter(uscc=enterprise_uscc).first()
        if enterprise is None:
            raise ValidationError(UNKNOWN_ENTERPRISE.format(uscc=enterprise_uscc), code="enterprise")
    user = User(
        username=username,
        role=checked,
        first_name=full_name,
        town=town if checked == Role.TOWN_OFFICER else "",
        park=park if checked == Role.TOWN_OFFICER else "",
        enterprise=enterprise,
        department=department,
        is_staff=checked == Role.DISTRICT_ADMIN,
        is_superuser=checked == Role.DISTRICT_ADMIN,
    )
    user.set_password(password)
    user.save()
    return user


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role_label: str
    scope: str


def demo_users_ensure() -> list[DemoLogin]:
    """One demo account per role, each with a fresh random password (printed by ``lingjun demo``)."""
    first = Enterprise.objects.order_by("uscc").first()
    town = Enterprise.objects.exclude(town=None).values_list("town", flat=True).first() or "杨村街道"
    specs = [
        ("admin", Role.DISTRICT_ADMIN, "区科技局管理员", {}, "全区，含后台管理"),
        ("keji", Role.DISTRICT_STAFF, "区科技局工作人员", {}, "全区"),
        ("zhenjie", Role.TOWN_OFFICER, f"{town}工作人员", {"town": town}, town),
        (
            "qiye",
            Role.ENTERPRISE,
            "企业用户",
            {"enterprise_uscc": first.uscc if first else ""},
            first.name if first else "（企业库为空）",
        ),
        ("pingjia", Role.EVALUATOR, "第三方评价机构", {}, "全区（只读）"),
        ("caizheng", Role.FINANCE, "区财政局", {"department": "区财政局"}, "全区（只读）"),
        (
            "bumen",
            Role.DEPARTMENT,
            "区工业和信息化局联络员",
            {"department": "区工业和信息化局"},
            "本部门任务",
        ),
    ]
    logins = []
    for username, role, full_name, extra, scope in specs:
        if role == Role.ENTERPRISE and not extra["enterprise_uscc"]:
            continue
        password = secrets.token_urlsafe(9)
        User.objects.filter(username=username).delete()
        user_create(username=username, password=password, role=role, full_name=full_name, **extra)
        logins.append(DemoLogin(username, password, Role(role).label, scope))
    return logins

"""User administration: creation with jurisdiction checks, demo accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.accounts.validators import character_classes
from lingjun.apps.divisions.selectors import division_exists

UNKNOWN_ROLE = "未知角色“{role}”：可选 {choices}。"
TOWN_OFFICER_NEEDS_SCOPE = "镇街园区工作人员必须指定所属镇街或所属园区。"
UNKNOWN_DIVISION = "“{name}”不是已登记的镇街或园区（可在后台“镇街园区”中维护）。"
ENTERPRISE_USER_NEEDS_ENTERPRISE = "企业用户必须指定所属企业的统一社会信用代码。"
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
    enterprise_id: int | None = None,
    department: str = "",
    email: str = "",
) -> User:
    """Create a user whose role comes with the jurisdiction it needs (``email``: where
    notifications are also mailed; optional).

    The password must pass ``AUTH_PASSWORD_VALIDATORS``.
    An enterprise user's enterprise is given by its id (the enterprises app resolves a USCC:
    :func:`lingjun.apps.enterprises.selectors.enterprise_id_by_uscc`).
    """
    checked = _check_role(role)
    if User.objects.filter(username=username).exists():
        raise ValidationError(USERNAME_TAKEN.format(username=username), code="username")
    if checked == Role.TOWN_OFFICER:
        if not (town or park):
            raise ValidationError(TOWN_OFFICER_NEEDS_SCOPE, code="scope")
        for name in (town, park):
            if name and not division_exists(name=name):
                raise ValidationError(UNKNOWN_DIVISION.format(name=name), code="division")
    if checked == Role.ENTERPRISE and enterprise_id is None:
        raise ValidationError(ENTERPRISE_USER_NEEDS_ENTERPRISE, code="enterprise")
    user = User(
        username=username,
        role=checked,
        first_name=full_name,
        town=town if checked == Role.TOWN_OFFICER else "",
        park=park if checked == Role.TOWN_OFFICER else "",
        enterprise_id=enterprise_id if checked == Role.ENTERPRISE else None,
        department=department,
        email=email,
        is_staff=checked == Role.DISTRICT_ADMIN,
        is_superuser=checked == Role.DISTRICT_ADMIN,
    )
    # the validators of AUTH_PASSWORD_VALIDATORS, as the admin's forms apply them: no "123",
    # "password" or the user name (raises ValidationError with Django's Chinese messages)
    if email:
        validate_email(email)
    validate_password(password, user=user)
    user.set_password(password)
    user.save()
    return user


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role_label: str
    scope: str


def demo_password() -> str:
    """A random password of 12 characters that passes the staff rules (3 of the 4 classes)."""
    while True:
        password = secrets.token_urlsafe(9)
        if character_classes(password) >= 3:
            return password


def demo_users_ensure(*, town: str, enterprise: tuple[int, str] | None) -> list[DemoLogin]:
    """One demo account per role, each with a fresh random password (printed by ``lingjun demo``).

    ``town`` is the demo town officer's 镇街; ``enterprise`` the (id, name) of the demo enterprise
    user's enterprise, or ``None`` when the pool is empty (then there is no enterprise user).
    """
    specs: list[tuple[str, Role, str, dict[str, Any], str]] = [
        ("admin", Role.DISTRICT_ADMIN, "区科技局管理员", {}, "全区，含后台管理"),
        ("keji", Role.DISTRICT_STAFF, "区科技局工作人员", {}, "全区"),
        ("zhenjie", Role.TOWN_OFFICER, f"{town}工作人员", {"town": town}, town),
        ("pingjia", Role.EVALUATOR, "第三方评价机构", {}, "全区（查看档案，可发起评价）"),
        (
            "caizheng",
            Role.FINANCE,
            "区财政局",
            {"department": "区财政局"},
            "全区（查看档案；审批、拨付扶持资金）",
        ),
        (
            "bumen",
            Role.DEPARTMENT,
            "区工业和信息化局联络员",
            {"department": "区工业和信息化局"},
            "本部门任务和转办的企业诉求",
        ),
    ]
    if enterprise is not None:
        specs.insert(
            3, ("qiye", Role.ENTERPRISE, "企业用户", {"enterprise_id": enterprise[0]}, enterprise[1])
        )
    logins = []
    for username, role, full_name, extra, scope in specs:
        password = demo_password()
        User.objects.filter(username=username).delete()
        user_create(username=username, password=password, role=role, full_name=full_name, **extra)
        logins.append(DemoLogin(username, password, Role(role).label, scope))
    return logins

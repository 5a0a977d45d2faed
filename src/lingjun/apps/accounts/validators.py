"""Password validators with Chinese messages where Django's own catalog has none."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message in Chinese (Django's zh-hans catalog leaves this one in English)."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短：至少需要%(min_length)d个字符。"),
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}


#: roles whose passwords must be complex and expire (等保 2.0): every role of the district's own
#: staff and of the agencies working for it; an enterprise's own account (``enterprise``) keeps
#: the ordinary rules (the enterprise decides, and it reaches its own dossier only)
def is_staff_role(user: Any) -> bool:
    """Whether ``user`` falls under the staff password rules (a user not known yet: yes)."""
    from lingjun.apps.accounts.models import Role

    if user is None:
        return True
    return bool(getattr(user, "is_superuser", False)) or getattr(user, "role", None) != Role.ENTERPRISE


#: the four character classes: a password of a staff role needs three of them
CHARACTER_CLASSES = (
    ("uppercase", lambda c: c.isascii() and c.isupper()),
    ("lowercase", lambda c: c.isascii() and c.islower()),
    ("digit", lambda c: c.isascii() and c.isdigit()),
    ("symbol", lambda c: not (c.isascii() and c.isalnum())),
)
MSG_STAFF_TOO_SHORT = gettext_noop("工作人员的密码至少需要%(min_length)d个字符。")
MSG_STAFF_CLASSES = gettext_noop(
    "工作人员的密码须包含大写字母、小写字母、数字、符号四类中的至少%(min_classes)d类（现只有%(found)d类）。"
)
HELP_STAFF = gettext_noop(
    "工作人员（企业用户以外的角色）的密码至少需要%(min_length)d个字符，且包含大写字母、小写字母、"
    "数字、符号中的至少%(min_classes)d类。"
)
HELP_EXPIRY = gettext_noop("工作人员的密码每%(days)d天须更换一次。")


def character_classes(password: str) -> int:
    """How many of :data:`CHARACTER_CLASSES` occur in ``password``."""
    return sum(1 for _name, test in CHARACTER_CLASSES if any(test(c) for c in password))


class StaffPasswordValidator:
    """Complexity of a staff role's password (等保 2.0, level 2): at least ``min_length``
    characters (default 10) of at least ``min_classes`` (default 3) of the four classes.

    Applied wherever Django validates passwords (``AUTH_PASSWORD_VALIDATORS``): ``lingjun
    createuser``, the admin's user forms and the 修改密码 page. An enterprise user's password
    (see :func:`is_staff_role`) is left to the other validators.
    """

    def __init__(self, min_length: int = 10, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if not is_staff_role(user):
            return
        if len(password) < self.min_length:
            raise ValidationError(
                _(MSG_STAFF_TOO_SHORT),
                code="staff_password_too_short",
                params={"min_length": self.min_length},
            )
        found = character_classes(password)
        if found < self.min_classes:
            raise ValidationError(
                _(MSG_STAFF_CLASSES),
                code="staff_password_too_simple",
                params={"min_classes": self.min_classes, "found": found},
            )

    def get_help_text(self) -> str:
        from django.conf import settings

        text = _(HELP_STAFF) % {"min_length": self.min_length, "min_classes": self.min_classes}
        if settings.LINGJUN_PASSWORD_MAX_AGE_DAYS > 0:
            text += _(HELP_EXPIRY) % {"days": settings.LINGJUN_PASSWORD_MAX_AGE_DAYS}
        return text

"""Password validators with Chinese messages where Django's own catalog has none."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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

"""Reads about users: whether a password has expired."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from lingjun.apps.accounts.validators import is_staff_role


def password_expired(*, user: Any, now: datetime) -> bool:
    """Whether ``user`` must change its password before anything else (等保 2.0).

    Only staff roles (:func:`lingjun.apps.accounts.validators.is_staff_role`) have expiring
    passwords, after ``LINGJUN_PASSWORD_MAX_AGE_DAYS`` days (0: never). A user whose change time
    is unknown (no password set through the platform) is not held back.
    """
    max_age = settings.LINGJUN_PASSWORD_MAX_AGE_DAYS
    if max_age <= 0 or not getattr(user, "is_authenticated", False) or not is_staff_role(user):
        return False
    changed = getattr(user, "password_changed_at", None)
    if changed is None or not user.has_usable_password():
        return False
    return bool(now - changed > timedelta(days=max_age))

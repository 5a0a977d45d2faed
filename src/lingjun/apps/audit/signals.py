"""Logins, failed logins, logouts and user changes, recorded as they happen."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save

from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.services import audit_record

_WATCHED = ("role", "town", "park", "enterprise_id", "department", "is_active", "is_staff", "is_superuser")


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, user=user)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, user=user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    name = str(credentials.get("username", ""))[:150]
    audit_record(action=AuditEvent.Action.LOGIN_FAILED, username=name, target=name)


def _before_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    old = sender.objects.filter(pk=instance.pk).values(*_WATCHED).first() if instance.pk else None
    instance._audit_old = old


def _after_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if created:
        detail = {f: str(getattr(instance, f)) for f in _WATCHED}
        audit_record(action=AuditEvent.Action.USER_CREATED, target=instance.get_username(), detail=detail)
        return
    old = getattr(instance, "_audit_old", None) or {}
    changed = {
        f: {"old": str(old[f]), "new": str(getattr(instance, f))}
        for f in _WATCHED
        if f in old and old[f] != getattr(instance, f)
    }
    if changed:
        audit_record(action=AuditEvent.Action.ROLE_CHANGED, target=instance.get_username(), detail=changed)


def _after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    audit_record(action=AuditEvent.Action.USER_DELETED, target=instance.get_username())


def connect() -> None:
    user_model = get_user_model()
    user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    pre_save.connect(_before_save, sender=user_model, dispatch_uid="audit_user_before")
    post_save.connect(_after_save, sender=user_model, dispatch_uid="audit_user_after")
    post_delete.connect(_after_delete, sender=user_model, dispatch_uid="audit_user_delete")

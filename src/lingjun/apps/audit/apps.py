from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import NavEntry


class AuditConfig(AppConfig):
    name = "lingjun.apps.audit"
    label = "audit"
    verbose_name = "审计日志"

    nav = (NavEntry(_("审计日志"), "audit:index", "audit.view", order=90),)

    def ready(self) -> None:
        from lingjun.apps.audit import signals

        signals.connect()

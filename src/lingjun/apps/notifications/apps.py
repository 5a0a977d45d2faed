from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import NavEntry


class NotificationsConfig(AppConfig):
    name = "lingjun.apps.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    nav = (
        NavEntry(
            _("消息"),
            "notifications:index",
            "notifications.view",
            order=95,
            badge="lingjun.apps.notifications.selectors.unread_count",
        ),
    )

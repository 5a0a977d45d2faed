"""Published lists (公示、公告): notices as PDF and Excel, and the public page without login."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import NavEntry


class PublishingConfig(AppConfig):
    name = "lingjun.apps.publishing"
    label = "publishing"
    verbose_name = "公示公告"

    nav = (NavEntry(_("公示公告"), "publishing:notice_list", "recognition.publish", order=70),)
    demo = "lingjun.apps.publishing.services.demo_notices"

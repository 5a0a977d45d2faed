from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "lingjun.apps.publishing"
    label = "publishing"
    verbose_name = "公示公告"

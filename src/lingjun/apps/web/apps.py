from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lingjun.apps.web"
    label = "web"
    verbose_name = "网页"

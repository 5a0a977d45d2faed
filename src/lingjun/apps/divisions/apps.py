from django.apps import AppConfig


class DivisionsConfig(AppConfig):
    name = "lingjun.apps.divisions"
    label = "divisions"
    verbose_name = "镇街园区"

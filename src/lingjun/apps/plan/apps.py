from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "lingjun.apps.plan"
    label = "plan"
    verbose_name = "工作推进"

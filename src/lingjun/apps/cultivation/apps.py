from django.apps import AppConfig


class CultivationConfig(AppConfig):
    name = "lingjun.apps.cultivation"
    label = "cultivation"
    verbose_name = "培育服务"

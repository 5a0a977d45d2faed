from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "lingjun.apps.membership"
    label = "membership"
    verbose_name = "入库企业管理"

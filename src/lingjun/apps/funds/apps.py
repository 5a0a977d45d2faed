from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "lingjun.apps.funds"
    label = "funds"
    verbose_name = "资金扶持"

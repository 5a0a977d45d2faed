"""Support funds (资金扶持): measures, budgets, claims (免申即享 proposals), approvals and the ledger."""

from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "lingjun.apps.funds"
    label = "funds"
    verbose_name = "资金扶持"

    def ready(self) -> None:
        from lingjun.apps.funds import receivers  # noqa: F401 - refresh proposals when the pool changes

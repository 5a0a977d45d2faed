"""Support funds (资金扶持): measures, budgets, claims (免申即享 proposals), approvals and the ledger."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import NavEntry


class FundsConfig(AppConfig):
    name = "lingjun.apps.funds"
    label = "funds"
    verbose_name = "资金扶持"

    nav = (
        NavEntry(_("扶持资金"), "funds:enterprise", "funds.claim", order=60),
        NavEntry(_("资金审核"), "funds:review", "funds.review", order=61),
        NavEntry(_("批准与拨付"), "funds:finance", "funds.approve", order=62),
        NavEntry(_("资金报表"), "funds:reports", "funds.view", order=63, also=("funds:budgets",)),
    )
    demo = "lingjun.apps.funds.services.demo_funds"

    def ready(self) -> None:
        from lingjun.apps.funds import receivers  # noqa: F401 - refresh proposals when the pool changes

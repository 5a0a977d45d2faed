from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import NavEntry, Panel


class EvaluationConfig(AppConfig):
    name = "lingjun.apps.evaluation"
    label = "evaluation"
    verbose_name = "评价"

    nav = (NavEntry(_("评价"), "evaluation:index", "evaluation.view", order=30),)
    enterprise_panels = (Panel("evaluation/_enterprise_panel.html", "evaluation.view", order=10),)

    def ready(self) -> None:
        from lingjun.apps.evaluation import receivers  # noqa: F401 - connects the job signals

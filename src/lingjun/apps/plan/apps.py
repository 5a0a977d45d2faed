"""领军计划实施: the programme's targets and their actuals, department tasks, growth monitoring,
and the home page's programme dashboard."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import HomeSection, NavEntry


class PlanConfig(AppConfig):
    name = "lingjun.apps.plan"
    label = "plan"
    verbose_name = "工作推进"

    nav = (
        NavEntry(_("任务进度"), "plan:tasks", "tasks.view", order=80, also=("plan:task_report",)),
        NavEntry(_("成长性监测"), "plan:monitoring", "monitoring.view", order=85),
    )
    home = (
        HomeSection("plan/_home.html", "lingjun.apps.plan.selectors.home_context", order=5),
        HomeSection("plan/_tasks_home.html", "lingjun.apps.plan.selectors.tasks_home_context", order=6),
    )
    demo = "lingjun.apps.plan.services.demo_populate"

"""Pool membership (入库企业动态管理): who is in which tier, from when to when, and why they left."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import HomeSection, NavEntry, Panel


class MembershipConfig(AppConfig):
    name = "lingjun.apps.membership"
    label = "membership"
    verbose_name = "入库企业管理"

    nav = (
        NavEntry(
            _("入库企业"),
            "membership:member_list",
            "membership.view",
            order=30,
            also=("membership:enterprise",),
        ),
        NavEntry(
            _("复核发现"),
            "membership:findings",
            "membership.manage",
            order=31,
            badge="lingjun.apps.membership.selectors.pending_findings_badge",
        ),
        NavEntry(_("我的入库"), "membership:mine", "membership.annual_update", order=32),
    )
    home = (HomeSection("membership/_home.html", "lingjun.apps.membership.selectors.home_context", order=30),)
    enterprise_panels = (Panel("membership/_enterprise_panel.html", "membership.view", order=20),)
    demo = "lingjun.apps.membership.demo.populate"

    def ready(self) -> None:
        from lingjun.apps.membership import receivers  # noqa: F401 - connects the job signals

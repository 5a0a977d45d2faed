from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lingjun.apps.web.entries import HomeSection, NavEntry


class EnterprisesConfig(AppConfig):
    name = "lingjun.apps.enterprises"
    label = "enterprises"
    verbose_name = "企业库"

    nav = (
        NavEntry(_("企业库"), "enterprises:enterprise_list", "enterprise.view", order=10),
        NavEntry(
            _("导入导出"),
            "enterprises:transfer",
            "enterprise.export",
            order=20,
            also=("enterprises:export", "enterprises:transfer_template"),
        ),
        NavEntry(_("变更申请"), "enterprises:change_requests", "enterprise.review_change", order=25),
    )
    home = (
        HomeSection("enterprises/_home.html", "lingjun.apps.enterprises.selectors.home_context", order=10),
    )
    demo = "lingjun.apps.enterprises.services.demo_change_requests"
